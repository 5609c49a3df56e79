import type { SessionSummary } from "../../src/session/sessionSummary.js";

/**
 * The REST calls of the demo client (DESIGN §7, under `/api/conversations`) and the dev-only
 * token endpoint of `/app`. Every call carries `Authorization: Bearer <token>`; errors come back
 * as {@link ApiError} with the server's `{ error: { code, message } }`.
 */

/** A failed REST call: HTTP status, parley error code (or `HTTP_<status>`), message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** One topic of `GET /topics` (seed 002 §3.2; `name`/`description` when the server sends them). */
export interface TopicView {
  code: string;
  name?: string;
  nameKey?: string;
  description?: string;
  level: string;
  category: string;
  isUnlocked: boolean;
  estimatedDurationMinutes?: number;
}

/** One `RTCIceServer` of `webrtcConfig.iceServers`. */
export interface IceServerView {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** One row of `GET /history` (seed 002 §3.2). */
export interface HistoryEntry {
  sessionId: string;
  topicCode: string;
  topicNameKey?: string;
  partnerDisplayName?: string;
  durationSeconds: number;
  completedAt?: string;
  myRating?: number;
}

/** Reasons accepted by `POST /sessions/:id/report`. */
export const REPORT_REASONS = ["harassment", "inappropriate", "spam", "no_show", "other"] as const;

/** One REST call with the bearer token; the JSON answer, or {@link ApiError}. */
export async function call<T>(method: string, path: string, token: string | undefined, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? (text.trim().slice(0, 200) || res.statusText));
  }
  return json as T;
}

/** `POST /app/dev-token`: a development token for the given learner (dev servers only). */
export function mintDevToken(body: {
  name: string;
  nativeLanguageCode: string;
  targetLanguageCode: string;
  level: string;
  premium: boolean;
}): Promise<{ token: string; userId: string }> {
  return call("POST", "/app/dev-token", undefined, body);
}

/** `GET /api/conversations/topics?targetLanguageCode=`. */
export async function listTopics(token: string, targetLanguageCode: string): Promise<TopicView[]> {
  const res = await call<{ topics: TopicView[] }>("GET", `/api/conversations/topics?targetLanguageCode=${encodeURIComponent(targetLanguageCode)}`, token);
  return res.topics;
}

/** `POST /api/conversations/sessions/:id/join`, read for its `webrtcConfig.iceServers`. */
export async function joinSession(token: string, sessionId: string): Promise<{ iceServers: IceServerView[] }> {
  const res = await call<{ session?: { webrtcConfig?: { iceServers?: IceServerView[] } } }>("POST", `/api/conversations/sessions/${encodeURIComponent(sessionId)}/join`, token, {});
  return { iceServers: res.session?.webrtcConfig?.iceServers ?? [] };
}

/** `POST /api/conversations/sessions/:id/rate` → the session's average rating. */
export function rateSession(token: string, sessionId: string, rating: number, feedback?: string): Promise<{ success: boolean; averageRating: number }> {
  return call("POST", `/api/conversations/sessions/${encodeURIComponent(sessionId)}/rate`, token, feedback ? { rating, feedback } : { rating });
}

/** `POST /api/conversations/sessions/:id/report`. */
export function reportPartner(
  token: string,
  sessionId: string,
  body: { reportedUserId: string; reason: (typeof REPORT_REASONS)[number]; details?: string; block: boolean },
): Promise<unknown> {
  return call("POST", `/api/conversations/sessions/${encodeURIComponent(sessionId)}/report`, token, body);
}

/** `GET /api/conversations/history` (most recent first). */
export async function history(token: string, limit = 5): Promise<HistoryEntry[]> {
  const res = await call<{ conversations: HistoryEntry[] }>("GET", `/api/conversations/history?limit=${limit}`, token);
  return res.conversations;
}

/** The claims of a JWT, decoded without verification (display only; the server verifies). */
export interface TokenClaims {
  sub: string;
  name?: string;
  nativeLanguageCode?: string;
  levels?: Record<string, string>;
  tier?: "free" | "premium";
  roles?: string[];
  exp?: number;
}

/** Decodes a JWT's payload for display. @throws Error when it is not a JWT. */
export function decodeToken(token: string): TokenClaims {
  const part = token.split(".")[1];
  if (!part) throw new Error("not a JWT (expected three dot-separated parts)");
  const binary = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))) as TokenClaims;
  if (typeof claims.sub !== "string") throw new Error("the token has no sub claim");
  return claims;
}

/** One participant as the group views show it. */
export interface GroupParticipantView {
  userId: string;
  displayName: string;
  nativeLanguageCode: string;
  targetLanguageCode: string;
}

/** A group as `POST /sessions`, the joins and `GET /sessions` show it (seed 000). */
export interface GroupView {
  id: string;
  status: string;
  type: "public" | "private";
  hostUserId: string;
  inviteCode?: string;
  minParticipants: number;
  maxParticipants: number;
  seatsLeft: number;
  scheduledStartAt?: string;
  targetLanguageCode: string;
  participants: GroupParticipantView[];
  topic: { code: string; nameKey: string; name?: string };
}

/** The body of a group creation or join: the group, a seat reservation and ICE servers. */
export interface GroupJoin {
  session: GroupView & { webrtcConfig: { iceServers: IceServerView[] } };
  reservation: Parameters<import("@colyseus/sdk").Client["consumeSeatReservation"]>[0];
}

/** `POST /api/conversations/sessions`: creates a group; I am its host. */
export function createGroup(token: string, body: { type: "public" | "private"; targetLanguageCode: string; topicCode?: string; minParticipants?: number; maxParticipants?: number }): Promise<GroupJoin> {
  return call("POST", "/api/conversations/sessions", token, body);
}

/** `GET /api/conversations/sessions?type=public&status=waiting&targetLanguageCode=`. */
export async function listPublicGroups(token: string, targetLanguageCode: string, cursor?: string): Promise<{ sessions: GroupView[]; nextCursor?: string }> {
  const query = new URLSearchParams({ type: "public", status: "waiting", targetLanguageCode, limit: "20", ...(cursor ? { cursor } : {}) });
  return call("GET", `/api/conversations/sessions?${query.toString()}`, token);
}

/** `POST /api/conversations/sessions/join-by-code`. */
export function joinGroupByCode(token: string, inviteCode: string): Promise<GroupJoin> {
  return call("POST", "/api/conversations/sessions/join-by-code", token, { inviteCode });
}

/** `POST /api/conversations/sessions/:id/join` of a public group (the full join body). */
export function joinGroup(token: string, sessionId: string): Promise<GroupJoin> {
  return call("POST", `/api/conversations/sessions/${encodeURIComponent(sessionId)}/join`, token, {});
}

/** `GET /api/conversations/sessions/:id/summary` (DESIGN §10): what a participant looks at after a call. */
export async function sessionSummary(token: string, sessionId: string): Promise<SessionSummary> {
  const res = await call<{ summary: SessionSummary }>("GET", `/api/conversations/sessions/${encodeURIComponent(sessionId)}/summary`, token);
  return res.summary;
}

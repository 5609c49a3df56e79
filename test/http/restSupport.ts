import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import type { DevTokenClaims } from "../../src/auth/devTokens.js";
import { Inbox, newLearner, type Learner } from "../support/learners.js";
import { BASE_URL, tokenFor, uniqueUser } from "../support/testServer.js";

/** A parsed REST answer. */
export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

/** Options of {@link api}: `body` is sent as JSON; `raw` is sent as is with a JSON content type. */
export interface ApiOptions {
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Calls the test server's REST API; the body is parsed as JSON when there is one. */
export async function api<T = Record<string, unknown>>(method: string, path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let payload: string | undefined;
  if (options.raw !== undefined) payload = options.raw;
  else if (options.body !== undefined) payload = JSON.stringify(options.body);
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const res = await fetch(`${BASE_URL}${path}`, { method, headers, body: payload });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
}

/** The error body of DESIGN §7. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** Asserts a `{ error: { code } }` answer with `status`. */
export function assertError(res: ApiResponse<unknown>, status: number, code: string): void {
  const body = res.body as Partial<ErrorBody>;
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(body.error?.code, code, `expected code ${code}, got ${JSON.stringify(res.body)}`);
  assert.equal(typeof body.error?.message, "string");
}

/** A user with a token only (no SDK client needed). */
export interface RestUser {
  userId: string;
  token: string;
}

/** Mints a token for a new unique user. */
export async function restUser(prefix: string, claims: Omit<DevTokenClaims, "sub">): Promise<RestUser> {
  const userId = uniqueUser(prefix);
  return { userId, token: await tokenFor({ name: prefix, ...claims, sub: userId }) };
}

/**
 * Polls `probe` every 50 ms until it returns a value other than undefined (for state written
 * asynchronously by a room, e.g. a match), failing loudly after `timeoutMs`.
 */
export async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The `GET /match-request/status` body. */
export interface MatchStatus {
  matchRequest: {
    id: string;
    status: string;
    sessionId?: string;
    waitedSeconds: number;
    expiresAt: string;
    compatibilityScore?: number;
    stage?: string;
    levelDifference?: number;
    scoreBreakdown?: Record<string, number>;
  };
}

/** Waits until `user`'s latest ticket is matched and returns its session id. */
export function sessionIdOf(user: RestUser): Promise<string> {
  return pollFor(`match of ${user.userId}`, async () => {
    const res = await api<MatchStatus>("GET", "/api/conversations/match-request/status", { token: user.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.matchRequest.status === "matched" ? res.body.matchRequest.sessionId : undefined;
  });
}

/** Claims of a premium learner of `lang` at `level` (every topic unlocked). */
export function premium(lang: string, level: "A1" | "A2" | "B1" | "B2" | "C1" | "C2", native = "pt"): Omit<DevTokenClaims, "sub"> {
  return { nativeLanguageCode: native, levels: { [lang]: level }, tier: "premium" };
}

/** Two learners matched over REST (both `POST /match-request`), with their session id. */
export async function restMatch(lang: string, topicCode: string, level: "A1" | "A2" | "B1" | "B2" | "C1" | "C2") {
  const a = await newLearner("ana", premium(lang, level, "pt"));
  const b = await newLearner("ben", premium(lang, level, "it"));
  const body = { targetLanguageCode: lang, topicCode };
  const first = await api("POST", "/api/conversations/match-request", { token: a.token, body });
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const second = await api("POST", "/api/conversations/match-request", { token: b.token, body });
  assert.equal(second.status, 201, JSON.stringify(second.body));
  const sessionId = await sessionIdOf(a);
  assert.equal(await sessionIdOf(b), sessionId);
  return { a, b, sessionId };
}

/** The `POST /sessions/:id/join` body. */
export interface JoinBody {
  session: {
    id: string;
    status: string;
    participants: { userId: string; displayName: string; nativeLanguageCode: string; targetLanguageCode: string }[];
    topic: { code: string; nameKey: string; firstPromptKey?: string };
    webrtcConfig: { iceServers: { urls: string[]; username?: string; credential?: string }[] };
  };
  reservation: Parameters<Learner["sdk"]["consumeSeatReservation"]>[0];
}

/** `POST /sessions/:id/join` for `learner`, then connects with the reservation. */
export async function joinAndConnect(learner: Learner, sessionId: string): Promise<{ join: JoinBody; room: Room; inbox: Inbox }> {
  const res = await api<JoinBody>("POST", `/api/conversations/sessions/${sessionId}/join`, { token: learner.token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const room = await learner.sdk.consumeSeatReservation(res.body.reservation);
  return { join: res.body, room, inbox: new Inbox(room) };
}

/** Two learners matched over REST, both joined over REST and connected: an `active` session. */
export async function activePair(lang: string, topicCode: string, level: "A1" | "A2" | "B1" | "B2" | "C1" | "C2") {
  const { a, b, sessionId } = await restMatch(lang, topicCode, level);
  const ja = await joinAndConnect(a, sessionId);
  const jb = await joinAndConnect(b, sessionId);
  return { a, b, sessionId, ja, jb, rooms: [ja.room, jb.room] };
}

/** A session id no session has. */
export const UNKNOWN_ID = "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

/** Leaves every room still connected (a room the server closed is skipped: its `leave()` never settles). */
export async function leaveAll(rooms: Room[]): Promise<void> {
  await Promise.all(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave().catch(() => undefined)));
}

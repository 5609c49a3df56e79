import { Router } from "express";
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "../errors/errorCodes.js";
import { matchRequestBodySchema } from "../matchmaking/matchRequestOptions.js";
import { resolutionBodySchema } from "../moderation/reports.js";
import { rateBodySchema } from "../session/ratingSubmission.js";
import { levelSuggestionsQuerySchema } from "./levelSuggestionRoutes.js";
import { channelMessagesQuerySchema, messagePageQuerySchema, notificationListQuerySchema, openDmBodySchema } from "./chatRoutes.js";
import { topicSchema } from "../topics/topicCatalog.js";
import {
  adminTopicListQuerySchema,
  groupCreateBodySchema,
  groupListQuerySchema,
  historyQuerySchema,
  joinByCodeBodySchema,
  paginationQuerySchema,
  reportBodySchema,
  reportListQuerySchema,
  roomListQuerySchema,
  topicDetailsQuerySchema,
  topicListQuerySchema,
} from "./requestSchemas.js";

type JsonSchema = Record<string, unknown>;

/** JSON Schema (2020-12, what OpenAPI 3.1 uses) of what a client sends for `schema`. */
function inputSchema(schema: z.ZodType): JsonSchema {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  delete json.$schema;
  return json;
}

/** OpenAPI query parameters from a strict object schema of string fields. */
function queryParameters(schema: z.ZodType): JsonSchema[] {
  const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: property,
  }));
}

const pathParameter = (name: string, description: string, schema: JsonSchema = { type: "string" }) => ({ name, in: "path", required: true, description, schema });
const sessionId = pathParameter("id", "session id (UUID)", { type: "string", format: "uuid" });

interface Operation {
  summary: string;
  tag: string;
  parameters?: JsonSchema[];
  body?: z.ZodType;
  success: [status: number, description: string];
  errors: ErrorCode[];
}

function operation(op: Operation): JsonSchema {
  const responses: Record<string, JsonSchema> = {
    [String(op.success[0])]: { description: op.success[1], content: { "application/json": { schema: { type: "object" } } } },
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ["INVALID_REQUEST", "UNAUTHORIZED", "RATE_LIMITED", ...op.errors] as ErrorCode[]) {
    const status = ERROR_CODES[code];
    byStatus.set(status, [...new Set([...(byStatus.get(status) ?? []), code])]);
  }
  for (const [status, codes] of byStatus) {
    responses[String(status)] = { description: codes.join(", "), content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
  }
  return {
    summary: op.summary,
    tags: [op.tag],
    security: [{ bearer: [] }],
    ...(op.parameters?.length ? { parameters: op.parameters } : {}),
    ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: inputSchema(op.body) } } } } : {}),
    responses,
  };
}

/**
 * The OpenAPI 3.1 description of the REST and admin APIs (DESIGN §7 `GET /api/openapi.json`).
 * Request bodies and queries are generated from the same zod schemas the routes validate with,
 * so the document cannot drift from the validation; responses name their status and codes.
 */
export function openApiDocument(): JsonSchema {
  const C = "/api/conversations";
  const conv = "conversations";
  const admin = "admin";
  const paths: Record<string, Record<string, JsonSchema>> = {
    [`${C}/match-request`]: {
      post: operation({ summary: "Create a match request (ticket)", tag: conv, body: matchRequestBodySchema, success: [201, "{ matchRequest: { id, status, estimatedWaitTimeSeconds, expiresAt } }"], errors: ["TOPIC_NOT_FOUND", "TOPIC_LOCKED", "DAILY_LIMIT_REACHED", "PREMIUM_REQUIRED", "BANNED", "ALREADY_IN_SESSION", "ALREADY_MATCHED", "PAYLOAD_TOO_LARGE", "MATCHING_UNAVAILABLE"] }),
    },
    [`${C}/match-request/{id}`]: {
      delete: operation({ summary: "Cancel my pending match request (idempotent)", tag: conv, parameters: [pathParameter("id", "match request id (UUID)", { type: "string", format: "uuid" })], success: [200, "{ success: true }"], errors: ["MATCH_REQUEST_NOT_FOUND", "ALREADY_MATCHED", "MATCH_EXPIRED", "MATCHING_UNAVAILABLE"] }),
    },
    [`${C}/match-request/status`]: {
      get: operation({ summary: "My latest match request", tag: conv, success: [200, "{ matchRequest: { id, status, sessionId?, waitedSeconds, expiresAt, targetLanguageCode, topicCode, sessionType, and once matched (DESIGN §10): compatibilityScore, stage (strict|level_1|same_category|any_level), levelDifference (signed, partner − me), scoreBreakdown { level, tandem, accent, nativeLanguage, notRecent, premium } summing to compatibilityScore } }"], errors: ["MATCH_REQUEST_NOT_FOUND"] }),
    },
    [`${C}/topics`]: {
      get: operation({ summary: "Topics of a language, with isUnlocked for me", tag: conv, parameters: queryParameters(topicListQuerySchema), success: [200, "{ topics: [...] }"], errors: [] }),
    },
    [`${C}/topics/{code}`]: {
      get: operation({ summary: "A topic's details and prompt keys", tag: conv, parameters: [pathParameter("code", "topic code, e.g. restaurant.ordering"), ...queryParameters(topicDetailsQuerySchema)], success: [200, "{ topic }"], errors: ["TOPIC_NOT_FOUND"] }),
    },
    [`${C}/sessions`]: {
      post: operation({ summary: "Create a group (seed 000): I am its host and get a seat reservation", tag: conv, body: groupCreateBodySchema, success: [201, "{ session: { id, type, status, hostUserId, inviteCode? (private), minParticipants, maxParticipants, seatsLeft, participants, topic, webrtcConfig }, reservation }"], errors: ["TOPIC_NOT_FOUND", "TOPIC_LOCKED", "DAILY_LIMIT_REACHED", "PREMIUM_REQUIRED", "BANNED", "ALREADY_IN_SESSION", "ALREADY_MATCHED", "NOT_READY"] }),
      get: operation({ summary: "Public groups, oldest first, with a cursor", tag: conv, parameters: queryParameters(groupListQuerySchema), success: [200, "{ sessions: [{ id, type, status, hostUserId, minParticipants, maxParticipants, seatsLeft, topic, participants, … }], nextCursor? }"], errors: [] }),
    },
    [`${C}/sessions/join-by-code`]: {
      post: operation({ summary: "Join a group with its invite code (any case; spaces and dashes ignored)", tag: conv, body: joinByCodeBodySchema, success: [200, "{ session: { …, webrtcConfig }, reservation }"], errors: ["SESSION_NOT_FOUND", "SESSION_NOT_ACTIVE", "SESSION_FULL", "FORBIDDEN", "BANNED", "TOPIC_LOCKED", "DAILY_LIMIT_REACHED", "ALREADY_IN_SESSION", "ALREADY_MATCHED"] }),
    },
    [`${C}/sessions/{id}/join`]: {
      post: operation({ summary: "Join a session (a participant, or anyone for a public group): seat reservation + ICE servers; body { recordingConsent? } (a group newcomer's consent)", tag: conv, parameters: [sessionId], success: [200, "{ session: { id, status, participants, topic, webrtcConfig, group fields }, reservation }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT", "SESSION_NOT_ACTIVE", "SESSION_FULL", "FORBIDDEN", "BANNED", "TOPIC_LOCKED", "DAILY_LIMIT_REACHED", "ALREADY_IN_SESSION", "ALREADY_MATCHED"] }),
    },
    [`${C}/sessions/{id}/leave`]: {
      post: operation({ summary: "Leave a session for good", tag: conv, parameters: [sessionId], success: [200, "{ success: true }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT", "NOT_READY"] }),
    },
    [`${C}/sessions/{id}`]: {
      get: operation({ summary: "Session details (participants, admins, moderators)", tag: conv, parameters: [sessionId], success: [200, "{ session }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT"] }),
    },
    [`${C}/sessions/{id}/end`]: {
      post: operation({ summary: "End the conversation", tag: conv, parameters: [sessionId], success: [200, "{ success: true }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT", "FORBIDDEN", "SESSION_NOT_ACTIVE", "NOT_READY"] }),
    },
    [`${C}/sessions/{id}/rate`]: {
      post: operation({ summary: "Rate an ended session (1–5, editable 24 h); partnerLevelFeedback? lower|right|higher: how the partner's level felt", tag: conv, parameters: [sessionId], body: rateBodySchema, success: [200, "{ success: true, averageRating }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT", "SESSION_NOT_ACTIVE", "INVALID_RATING", "RATING_WINDOW_CLOSED"] }),
    },
    [`${C}/sessions/{id}/transcript`]: {
      get: operation({ summary: "The session's transcript status: pending (recorded, not transcribed yet), ready (with transcriptId and url when given) or unavailable (not recorded)", tag: conv, parameters: [sessionId], success: [200, "{ status: pending|ready|unavailable, transcriptId?, url? }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT"] }),
    },
    [`${C}/sessions/{id}/summary`]: {
      get: operation({ summary: "What a participant looks at after a call (DESIGN §10): duration, my talk time, share and turns per language, partners' talk time, prompts covered, corrections of my messages, ratings, recording link", tag: conv, parameters: [sessionId], success: [200, "{ summary: { sessionId, status, sessionType, topicCode, durationSeconds, me: { userId, spokenSeconds, talkShare, turnCount, byLanguage: { <lang>: { spokenSeconds, turnCount } } }, partners: [{ userId, displayName, spokenSeconds, talkShare }], prompts: [{ promptKey, category, languageCode }], corrections: [{ original, corrected, note?, offsetSeconds, from }], ratingGiven?, ratingsReceived: [{ rating, feedback? }], recordingUrl? } }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT"] }),
    },
    [`${C}/sessions/{id}/report`]: {
      post: operation({ summary: "Report a participant (optionally block them); once per reported user per session. More than 3 distinct reporters since the last resolution flag the user for review (participant.flagged)", tag: conv, parameters: [sessionId], body: reportBodySchema, success: [201, "{ success: true, reportId, flaggedForReview }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT", "ALREADY_REPORTED"] }),
    },
    [`${C}/level-suggestions`]: {
      get: operation({ summary: "My level suggestions from partners' partnerLevelFeedback (≥ 5 rated sessions, ≥ 70% one way; DESIGN §10)", tag: conv, parameters: queryParameters(levelSuggestionsQuerySchema), success: [200, "{ suggestions: [{ languageCode, currentLevel, suggestedLevel, evidence: { sessions, higher, right, lower } }] }"], errors: [] }),
    },
    [`${C}/history`]: {
      get: operation({ summary: "My ended conversations, newest first (userId: admins only)", tag: conv, parameters: queryParameters(historyQuerySchema), success: [200, "{ conversations, total, hasMore }"], errors: ["FORBIDDEN"] }),
    },
    ...chatPaths(),
    "/api/admin/rooms": {
      get: operation({ summary: "Rooms of every process", tag: admin, parameters: queryParameters(roomListQuerySchema), success: [200, "{ rooms }"], errors: ["FORBIDDEN"] }),
    },
    "/api/admin/sessions/{id}/end": {
      post: operation({ summary: "End a live session", tag: admin, parameters: [sessionId], success: [200, "{ success: true }"], errors: ["FORBIDDEN", "SESSION_NOT_FOUND", "SESSION_NOT_ACTIVE", "NOT_READY"] }),
    },
    "/api/admin/reports": {
      get: operation({ summary: "Reports, newest first, each with the reported user's moderation state; flagged=true: only reports against users flagged for review (admins and moderators)", tag: admin, parameters: queryParameters(reportListQuerySchema), success: [200, "{ reports: [{ id, sessionId, reporterUserId, reportedUserId, reason, details?, block, createdAt, reportedUser: { userId, flaggedForReview, flaggedAt?, bannedUntil?, warnings, lastResolution? } }], total, hasMore }"], errors: ["FORBIDDEN"] }),
    },
    "/api/admin/reports/{userId}/resolve": {
      post: operation({ summary: "Resolve the reports against a user: dismiss, warn, or ban for 1–365 days (queues answer 403 BANNED until then); clears the flag; audited (admins and moderators)", tag: admin, parameters: [pathParameter("userId", "the reported user's id (token sub)")], body: resolutionBodySchema, success: [200, "{ moderation: { userId, flaggedForReview, bannedUntil?, warnings, lastResolution: { action, moderatorUserId, at, note?, bannedUntil? } } }"], errors: ["FORBIDDEN", "NOT_FOUND"] }),
    },
    "/api/admin/monitor-session": {
      post: operation({ summary: "Open a 15-minute Colyseus monitor session: sets the HttpOnly, SameSite=Strict cookie `parley_monitor` for /colyseus", tag: admin, success: [200, "{ expiresAt }"], errors: ["FORBIDDEN"] }),
    },
    "/api/admin/audit": {
      get: operation({ summary: "Audit log, newest first", tag: admin, parameters: queryParameters(paginationQuerySchema), success: [200, "{ entries, total, hasMore }"], errors: ["FORBIDDEN"] }),
    },
    "/api/admin/topics": {
      get: operation({ summary: "Every topic, with prompt texts", tag: admin, parameters: queryParameters(adminTopicListQuerySchema), success: [200, "{ topics }"], errors: ["FORBIDDEN"] }),
      post: operation({ summary: "Create a topic", tag: admin, body: topicSchema, success: [201, "{ topic }"], errors: ["FORBIDDEN"] }),
    },
    "/api/admin/topics/{targetLanguageCode}/{code}": {
      get: operation({ summary: "One topic", tag: admin, parameters: [pathParameter("targetLanguageCode", "ISO 639 code"), pathParameter("code", "topic code")], success: [200, "{ topic }"], errors: ["FORBIDDEN", "TOPIC_NOT_FOUND"] }),
      put: operation({ summary: "Create or replace a topic (201 created, 200 replaced)", tag: admin, parameters: [pathParameter("targetLanguageCode", "ISO 639 code"), pathParameter("code", "topic code")], body: topicSchema, success: [200, "{ topic }"], errors: ["FORBIDDEN"] }),
      delete: operation({ summary: "Delete a topic", tag: admin, parameters: [pathParameter("targetLanguageCode", "ISO 639 code"), pathParameter("code", "topic code")], success: [200, "{ success: true }"], errors: ["FORBIDDEN", "TOPIC_NOT_FOUND"] }),
    },
  };
  return {
    openapi: "3.1.0",
    info: { title: "parley conversation service", version: "0.1.0", description: "REST API of seed 002 §3, group sessions of seed 000, chat, DMs and notifications of seeds 003/004, and the admin API (DESIGN §7). Realtime traffic uses the Colyseus rooms `matchmaking`, `conversation` and `lounge`." },
    tags: [{ name: conv }, { name: admin }, { name: "chat" }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
      schemas: {
        Error: {
          type: "object",
          required: ["error"],
          properties: { error: { type: "object", required: ["code", "message"], properties: { code: { type: "string", enum: Object.keys(ERROR_CODES) }, message: { type: "string" } } } },
        },
      },
    },
  };
}

/** The chat and notification endpoints (issue 9, DESIGN §7; `chatRoutes.ts`). */
function chatPaths(): Record<string, Record<string, JsonSchema>> {
  const tag = "chat";
  const notificationId = pathParameter("id", "notification id (UUID)", { type: "string", format: "uuid" });
  const channelId = pathParameter("channelId", "lounge:<lang> or dm:<userA>:<userB> (ids sorted)");
  return {
    "/api/notifications": {
      get: operation({ summary: "My notifications, newest first (not expired)", tag, parameters: queryParameters(notificationListQuerySchema), success: [200, "{ notifications, nextCursor? }"], errors: [] }),
    },
    "/api/notifications/{id}/read": {
      post: operation({ summary: "Mark one of my notifications read", tag, parameters: [notificationId], success: [200, "{ notification }"], errors: ["NOT_FOUND"] }),
    },
    "/api/notifications/read-all": {
      post: operation({ summary: "Mark all my notifications read", tag, success: [200, "{ updated }"], errors: [] }),
    },
    "/api/dms": {
      get: operation({ summary: "My DMs with their last message and unread count", tag, success: [200, "{ dms: [{ channelId, partner, lastMessage?, unreadCount }] }"], errors: [] }),
      post: operation({ summary: "Open (or get) the DM with a partner of a completed conversation", tag, body: openDmBodySchema, success: [200, "{ channelId }"], errors: ["FORBIDDEN"] }),
    },
    "/api/channels/{channelId}/messages": {
      get: operation({ summary: "A page of a lounge's or DM's messages, oldest first (moderators: q searches)", tag, parameters: [channelId, ...queryParameters(channelMessagesQuerySchema)], success: [200, "{ messages, nextCursor? }"], errors: ["FORBIDDEN", "MESSAGE_NOT_FOUND"] }),
    },
    "/api/conversations/sessions/{id}/messages": {
      get: operation({ summary: "A page of a session's chat, oldest first (participants, admins, moderators)", tag, parameters: [sessionId, ...queryParameters(messagePageQuerySchema)], success: [200, "{ messages, nextCursor? }"], errors: ["SESSION_NOT_FOUND", "NOT_A_PARTICIPANT", "MESSAGE_NOT_FOUND"] }),
    },
  };
}

/** `GET /api/openapi.json`: the document of {@link openApiDocument}, built once. Public (no token). */
export function openApiRoutes(): Router {
  const router = Router();
  const document = openApiDocument();
  router.get("/api/openapi.json", (_req, res) => {
    res.json(document);
  });
  return router;
}

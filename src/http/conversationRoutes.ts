import { Router, type Response } from "express";
import { isAdmin, type Principal } from "../auth/principal.js";
import { ParleyError } from "../errors/errorCodes.js";
import { events as buildEvents } from "../events/eventBuilders.js";
import { matchRequestBodySchema } from "../matchmaking/matchRequestOptions.js";
import { queueFor } from "../matchmaking/queueName.js";
import { rateBodySchema, submitRating } from "../session/ratingSubmission.js";
import { submitReport } from "../moderation/reports.js";
import type { MatchRequestRecord, SessionRecord } from "../store/records.js";
import { principalOf } from "./authMiddleware.js";
import type { HttpDeps } from "./httpDeps.js";
import { groupRoutes } from "./groupRoutes.js";
import { levelSuggestionRoutes } from "./levelSuggestionRoutes.js";
import { parseOrThrow } from "./httpErrors.js";
import { endOrphanedSession } from "./orphanedSessions.js";
import {
  DEFAULT_PAGE_LIMIT,
  emptySchema,
  joinBodySchema,
  historyQuerySchema,
  idParamsSchema,
  reportBodySchema,
  topicCodeParamsSchema,
  topicDetailsQuerySchema,
  topicListQuerySchema,
} from "./requestSchemas.js";
import { createRoomCalls, type RoomCalls } from "./roomCalls.js";
import { topicLearnerOf } from "../topics/topicLearner.js";
import { transcriptStatus } from "../session/transcriptStatus.js";
import { sessionSummaryView } from "../session/sessionSummary.js";
import type { ChatMessageRecord } from "../chat/chatRecords.js";
import { recordingAccess } from "./recordingAccess.js";
import { createSessionJoiner, LIVE_STATUSES } from "./sessionJoin.js";
import { historyItemView, matchStatusView, page, sessionDetailsView, topicDetailsView, topicSummaryView } from "./sessionViews.js";

/** Statuses listed by `GET /history`: sessions that took place and ended. */
const HISTORY_STATUSES: SessionRecord["status"][] = ["completed", "aborted"];
/** How long `DELETE /match-request/:id` waits for a ticket the room no longer holds to settle, in ms. */
const TICKET_SETTLE_TIMEOUT_MS = 1000;

/** What `assertCancellable` decided. */
type Cancellable = "pending" | "already_cancelled";

/**
 * @throws ParleyError `ALREADY_MATCHED` (409) when matched, `MATCH_EXPIRED` (410) when expired
 *   or past its `expiresAt`.
 */
function assertCancellable(record: MatchRequestRecord, now: number): Cancellable {
  if (record.status === "matched") {
    throw new ParleyError("ALREADY_MATCHED", `the match request is already matched (session ${record.matchedSessionId ?? "unknown"})`);
  }
  if (record.status === "expired" || (record.status === "pending" && record.expiresAt.getTime() <= now)) {
    throw new ParleyError("MATCH_EXPIRED", "the match request has expired");
  }
  return record.status === "cancelled" ? "already_cancelled" : "pending";
}

/**
 * REST API of seed 002 §3 under `/api/conversations` (DESIGN §7), behind `requireAuth`. Every
 * path parameter, query and body is validated strictly (400 `INVALID_REQUEST`); live state is
 * asked of the rooms (`matchMaker.remoteRoomCall`), history is read from the store.
 *
 * - `POST /match-request` — 201 `{ matchRequest }`; the ticket waits in its queue's
 *   `matchmaking` room. Throws what admission throws: `INVALID_REQUEST`, `TOPIC_NOT_FOUND`,
 *   `TOPIC_LOCKED`, `PREMIUM_REQUIRED`, `DAILY_LIMIT_REACHED`, `ALREADY_IN_SESSION`,
 *   `ALREADY_MATCHED`, `RATE_LIMITED`; `MATCHING_UNAVAILABLE` (503) when the room does not answer.
 * - `DELETE /match-request/:id` — 200 `{ success: true }` (also for an already cancelled
 *   ticket: DELETE is idempotent). `MATCH_REQUEST_NOT_FOUND` (404, also for another user's
 *   ticket), `ALREADY_MATCHED` (409), `MATCH_EXPIRED` (410), `MATCHING_UNAVAILABLE` (503).
 * - `GET /match-request/status` — the caller's latest ticket `{ matchRequest: { id, status,
 *   sessionId?, waitedSeconds, expiresAt, … } }`; `MATCH_REQUEST_NOT_FOUND` (404) when none.
 * - `GET /topics?targetLanguageCode=&level=&category=` — `{ topics: [...] }` with `isUnlocked`
 *   for the caller (and `lockReason` when locked).
 * - `GET /topics/:code?targetLanguageCode=` — `{ topic }` with prompt keys; `TOPIC_NOT_FOUND`.
 * - `POST /sessions/:id/join` — 200 `{ session: { …, topic, webrtcConfig }, reservation }` for
 *   `client.consumeSeatReservation()`; a public group seats a newcomer first (the rules of
 *   `GroupRoutes.seatNewcomer`, `SESSION_FULL` when full). `SESSION_NOT_FOUND`,
 *   `NOT_A_PARTICIPANT` (also someone else's private group: join it by code),
 *   `SESSION_NOT_ACTIVE` (ended, or its room is not running), `ALREADY_IN_SESSION` (no free
 *   seat: already connected or a reservation pending), `RATE_LIMITED`.
 * - Groups: `POST /sessions`, `GET /sessions`, `POST /sessions/join-by-code` (see `groupRoutes`).
 * - `POST /sessions/:id/leave` — 200 `{ success: true }`; the caller leaves for good.
 *   `SESSION_NOT_FOUND`, `NOT_A_PARTICIPANT`.
 * - `GET /sessions/:id` — `{ session }` for participants, admins and moderators.
 *   `SESSION_NOT_FOUND`, `NOT_A_PARTICIPANT`.
 * - `GET /sessions/:id/summary` — `{ summary }` for the session's participants (DESIGN §10,
 *   `sessionSummaryView`). `SESSION_NOT_FOUND`, `NOT_A_PARTICIPANT`.
 * - `POST /sessions/:id/end` — 200 `{ success: true }` (the room persists the end right after).
 *   `SESSION_NOT_FOUND`, `NOT_A_PARTICIPANT`, `SESSION_NOT_ACTIVE`, `FORBIDDEN` (group, not host).
 * - `GET /level-suggestions` — the caller's level suggestions (see `levelSuggestionRoutes`).
 * - `POST /sessions/:id/rate` — 200 `{ success: true, averageRating }`; body `{ rating,
 *   feedback?, partnerLevelFeedback? }`. `SESSION_NOT_FOUND`,
 *   `NOT_A_PARTICIPANT`, `INVALID_RATING` (422), `SESSION_NOT_ACTIVE`, `RATING_WINDOW_CLOSED`.
 * - `GET /history?userId=&targetLanguageCode=&limit=&offset=` — `{ conversations, total,
 *   hasMore }`, newest first; `userId` of someone else needs admin (`FORBIDDEN`).
 * - `GET /sessions/:id/transcript` — `{ status: "pending"|"ready"|"unavailable", transcriptId?, url? }` (`transcriptStatus`).
 * - `POST /sessions/:id/report` — 201 `{ success: true, reportId, flaggedForReview }`
 *   (flagged once more than 3 distinct users reported them since their last resolution; see
 *   `submitReport`). `SESSION_NOT_FOUND`, `NOT_A_PARTICIPANT`, `INVALID_REQUEST` (reporting
 *   oneself or a non-participant), `ALREADY_REPORTED` (409: one report per reporter per
 *   reported user per session).
 */
export function conversationRoutes(deps: HttpDeps, rooms: RoomCalls = createRoomCalls(deps.logger)): Router {
  const { store, catalog } = deps;
  const router = Router();
  const joiner = createSessionJoiner(deps, rooms);
  const groups = groupRoutes(deps, joiner);
  router.use(groups.router);
  router.use(levelSuggestionRoutes(deps));

  async function loadSession(id: string): Promise<SessionRecord> {
    const session = await store.sessions.get(id);
    if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    return session;
  }

  function assertParticipant(session: SessionRecord, userId: string): void {
    if (!session.participants.some((p) => p.userId === userId)) {
      throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
    }
  }

  function assertParticipantOrStaff(session: SessionRecord, principal: Principal): void {
    if (principal.roles.length > 0) return;
    assertParticipant(session, principal.userId);
  }

  const liveRoomOf = joiner.liveRoomOf;

  /** True when `userId` may not take a seat in `session` by its id: not in it, and not a public group. */
  function isClosedTo(session: SessionRecord, userId: string): boolean {
    if (session.sessionType !== "group") return !session.participants.some((p) => p.userId === userId);
    return session.type !== "public" && !session.participants.some((p) => p.userId === userId && !p.leftAt);
  }

  /** The `:id` path parameter (a UUID) of a route whose query must be empty. */
  function idParam(req: { params: unknown; query: unknown }): string {
    parseOrThrow(emptySchema, req.query, "query");
    return parseOrThrow(idParamsSchema, req.params, "path").id;
  }

  function sendSuccess(res: Response, status = 200): void {
    res.status(status).json({ success: true });
  }

  router.post("/match-request", async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const body = parseOrThrow(matchRequestBodySchema, req.body, "body");
    const principal = principalOf(res);
    const queue = queueFor({ sessionType: body.sessionType, targetLanguageCode: body.targetLanguageCode, nativeLanguageCode: principal.nativeLanguageCode });
    const view = await rooms.admitToQueue(queue, principal, body);
    res.status(201).json(view);
  });

  router.get("/match-request/status", async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const { userId } = principalOf(res);
    const record = await store.matchRequests.latestByUser(userId);
    if (!record) throw new ParleyError("MATCH_REQUEST_NOT_FOUND", "you have no match request");
    res.json(matchStatusView(record, deps.now()));
  });

  router.delete("/match-request/:id", async (req, res) => {
    const id = idParam(req);
    const { userId } = principalOf(res);
    const record = await store.matchRequests.get(id);
    if (!record || record.userId !== userId) throw new ParleyError("MATCH_REQUEST_NOT_FOUND", `match request ${id} not found`);
    if (assertCancellable(record, deps.now()) === "already_cancelled") return sendSuccess(res);
    const room = await rooms.findQueueRoom(record.queue);
    if (room && (await rooms.cancelTicket(room.roomId, userId, id))) return sendSuccess(res);
    if (room) {
      // The room no longer holds it: it was matched or expired a moment ago and the room is
      // still writing that down. Wait for the write, then answer with what happened.
      const deadline = Date.now() + TICKET_SETTLE_TIMEOUT_MS;
      for (;;) {
        const fresh = await store.matchRequests.get(id);
        if (!fresh) throw new ParleyError("MATCH_REQUEST_NOT_FOUND", `match request ${id} not found`);
        if (fresh.status !== "pending" || Date.now() >= deadline) {
          if (assertCancellable(fresh, deps.now()) === "already_cancelled") return sendSuccess(res);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    // Pending in the store but held by no room (its room is gone): cancel it in the store.
    const now = deps.now();
    const event = buildEvents.matchCancelled({ id, userId }, "cancelled by user", now);
    await store.matchRequests.transition(id, "pending", { status: "cancelled" }, { events: [event] });
    deps.onEventsWritten();
    sendSuccess(res);
  });

  router.get("/topics", async (req, res) => {
    const query = parseOrThrow(topicListQuerySchema, req.query, "query");
    const learner = await topicLearnerOf(principalOf(res), deps.store.learnerSkills);
    const topics = catalog.list({ targetLanguageCode: query.targetLanguageCode, level: query.level, category: query.category });
    res.json({ topics: topics.map((topic) => topicSummaryView(topic, learner)) });
  });

  router.get("/topics/:code", async (req, res) => {
    const { code } = parseOrThrow(topicCodeParamsSchema, req.params, "path");
    const { targetLanguageCode } = parseOrThrow(topicDetailsQuerySchema, req.query, "query");
    const topic = catalog.get(targetLanguageCode, code);
    if (!topic || !topic.isActive) throw new ParleyError("TOPIC_NOT_FOUND", `no topic "${code}" in "${targetLanguageCode}"`);
    res.json(topicDetailsView(topic, await topicLearnerOf(principalOf(res), deps.store.learnerSkills)));
  });

  router.post("/sessions/:id/join", async (req, res) => {
    const id = idParam(req);
    const { recordingConsent } = parseOrThrow(joinBodySchema, req.body, "body");
    const principal = principalOf(res);
    const session = await loadSession(id);
    if (isClosedTo(session, principal.userId)) {
      const how = session.sessionType === "group" ? ": a private group is joined with its invite code" : "";
      throw new ParleyError("NOT_A_PARTICIPANT", `you are not a participant of this session${how}`);
    }
    res.json(await joiner.join(session, principal, (s) => groups.seatNewcomer(s, principal), { recordingConsent }));
  });

  router.post("/sessions/:id/leave", async (req, res) => {
    const id = idParam(req);
    parseOrThrow(emptySchema, req.body, "body");
    const { userId } = principalOf(res);
    const session = await loadSession(id);
    assertParticipant(session, userId);
    const room = LIVE_STATUSES.has(session.status) ? await liveRoomOf(session) : await rooms.findConversationRoom(id);
    if (room) {
      await rooms.leaveSession(id, userId);
    } else if (LIVE_STATUSES.has(session.status)) {
      // The room is gone (crashed process): nobody else can end the session any more.
      await endOrphanedSession(store, session, "partner_left", deps.now());
      deps.onEventsWritten();
    }
    sendSuccess(res);
  });

  router.get("/sessions/:id", async (req, res) => {
    const id = idParam(req);
    const session = await loadSession(id);
    const principal = principalOf(res);
    assertParticipantOrStaff(session, principal);
    const view = sessionDetailsView(session, deps.now(), session.participants.some((p) => p.userId === principal.userId));
    res.json({ session: { ...view.session, ...(await recordingAccess(deps.recordings, session, principal)) } });
  });

  /** Every message of a session's chat (channel id = session id), page by page. */
  async function sessionMessages(sessionId: string): Promise<ChatMessageRecord[]> {
    const all: ChatMessageRecord[] = [];
    let before: string | undefined;
    do {
      const page = await store.messages.listBefore(sessionId, { limit: 100, ...(before ? { before } : {}) });
      all.push(...page.messages);
      before = page.nextCursor;
    } while (before);
    return all;
  }

  router.get("/sessions/:id/summary", async (req, res) => {
    const id = idParam(req);
    const session = await loadSession(id);
    const principal = principalOf(res);
    assertParticipant(session, principal.userId);
    const { recordingUrl } = await recordingAccess(deps.recordings, session, principal);
    res.json({ summary: sessionSummaryView(session, principal.userId, await sessionMessages(id), deps.now(), recordingUrl) });
  });

  router.post("/sessions/:id/end", async (req, res) => {
    const id = idParam(req);
    parseOrThrow(emptySchema, req.body, "body");
    const { userId } = principalOf(res);
    const session = await loadSession(id);
    assertParticipant(session, userId);
    if (!LIVE_STATUSES.has(session.status)) throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${session.status}`);
    const room = await liveRoomOf(session);
    if (!room) throw new ParleyError("SESSION_NOT_ACTIVE", "the session's room is not running");
    await rooms.endSession(id, userId, false);
    sendSuccess(res);
  });

  router.post("/sessions/:id/rate", async (req, res) => {
    const id = idParam(req);
    const body = parseOrThrow(rateBodySchema, req.body, "body");
    const { userId } = principalOf(res);
    const { averageRating } = await submitRating(store, id, userId, body, deps.now());
    deps.onEventsWritten();
    res.json({ success: true, averageRating });
  });

  router.get("/sessions/:id/transcript", async (req, res) => {
    const id = idParam(req);
    const session = await loadSession(id);
    assertParticipantOrStaff(session, principalOf(res));
    res.json(transcriptStatus(session, deps.config.recording.enabled));
  });

  router.post("/sessions/:id/report", async (req, res) => {
    const id = idParam(req);
    const body = parseOrThrow(reportBodySchema, req.body, "body");
    const { reportId, flaggedForReview } = await submitReport(store, id, principalOf(res).userId, body, deps.now());
    deps.onEventsWritten();
    res.status(201).json({ success: true, reportId, flaggedForReview });
  });

  router.get("/history", async (req, res) => {
    const query = parseOrThrow(historyQuerySchema, req.query, "query");
    const principal = principalOf(res);
    const userId = query.userId ?? principal.userId;
    if (userId !== principal.userId && !isAdmin(principal)) throw new ParleyError("FORBIDDEN", "only admins can read another user's history");
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await store.sessions.listByUser({ userId, statuses: HISTORY_STATUSES, targetLanguageCode: query.targetLanguageCode, limit, offset });
    const conversations = items.map((s) => historyItemView(s, userId, catalog.get(s.targetLanguageCode, s.topicCode)));
    res.json(page("conversations", conversations, total, offset));
  });

  return router;
}

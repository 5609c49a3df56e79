import { matchMaker } from "@colyseus/core";
import { Router } from "express";
import { randomUUID } from "node:crypto";
import { ParleyError, isParleyError } from "../errors/errorCodes.js";
import { resolutionBodySchema, resolveReports } from "../moderation/reports.js";
import { reportOutcomeDraft } from "../notifications/notificationDrafts.js";
import { topicSchema } from "../topics/topicCatalog.js";
import type { Topic } from "../topics/topic.js";
import { principalOf, requireRole } from "./authMiddleware.js";
import type { HttpDeps } from "./httpDeps.js";
import { parseOrThrow } from "./httpErrors.js";
import { endOrphanedSession } from "./orphanedSessions.js";
import {
  DEFAULT_PAGE_LIMIT,
  adminTopicListQuerySchema,
  emptySchema,
  idParamsSchema,
  paginationQuerySchema,
  reportListQuerySchema,
  roomListQuerySchema,
  topicKeyParamsSchema,
  userIdParamsSchema,
} from "./requestSchemas.js";
import { createRoomCalls, type RoomCalls } from "./roomCalls.js";
import { reportedUserView } from "./moderationViews.js";
import { auditView, page, reportView } from "./sessionViews.js";

/**
 * Admin API (DESIGN §7) under `/api/admin`, behind `requireAuth`. Everything needs the `admin`
 * role except the reports (`GET /reports`, `POST /reports/:userId/resolve`), which moderators
 * may use too (else 403 `FORBIDDEN`). Every
 * mutation is written to the audit log (`store.audit`) once it has happened. Inputs are validated
 * strictly (400 `INVALID_REQUEST`).
 *
 * - `GET /rooms?name=` — `{ rooms: [{ roomId, name, clients, maxClients, locked, metadata,
 *   processId, createdAt }] }` from the matchmaker (every process).
 * - `POST /sessions/:id/end` — 200 `{ success: true }`: the session's room ends it (active →
 *   completed, waiting → expired); a live session whose room is gone is ended in the store with
 *   reason `error`. `SESSION_NOT_FOUND`, `SESSION_NOT_ACTIVE` (409).
 * - `GET /reports?limit=&offset=&flagged=true` — `{ reports, total, hasMore }`, newest first, each
 *   with `reportedUser` `{ userId, flaggedForReview, flaggedAt?, bannedUntil?, warnings,
 *   lastResolution? }`; `flagged=true`: only reports against users flagged for review.
 * - `POST /reports/:userId/resolve` — body `{ action: "dismiss"|"warn"|"ban", days? (ban: 1–365),
 *   note? }`; 200 `{ moderation }` (the user's state after it), audited as `reports.resolve`.
 *   `NOT_FOUND` when nobody reported the user; a ban makes matchmaking refuse them (403
 *   `BANNED`) until it ends.
 * - `GET /audit?limit=&offset=` — `{ entries, total, hasMore }`, newest first.
 * - `GET /topics?targetLanguageCode=&includeInactive=` — `{ topics }`, full topics with prompt
 *   texts, inactive ones included unless `includeInactive=false`.
 * - `GET /topics/:targetLanguageCode/:code` — `{ topic }`; `TOPIC_NOT_FOUND`.
 * - `POST /topics` — body a whole topic (`topicSchema`); 201 `{ topic }`; `INVALID_REQUEST` when
 *   it exists already (use PUT).
 * - `PUT /topics/:targetLanguageCode/:code` — create or replace: 201 or 200 `{ topic }`;
 *   `INVALID_REQUEST` when the body's language/code differ from the path.
 * - `DELETE /topics/:targetLanguageCode/:code` — 200 `{ success: true }`; `TOPIC_NOT_FOUND`.
 *
 * Topic writes go to the store (`store.topics`); the answer is sent once this process's catalog
 * shows the change, and every other process refreshes its catalog on the invalidation
 * `deps.topicSync` publishes (within a second). Reads come from the catalog.
 */
export function adminRoutes(deps: HttpDeps, rooms: RoomCalls = createRoomCalls(deps.logger)): Router {
  const { store, catalog, topicSync } = deps;
  const router = Router();
  const adminOnly = requireRole("admin");
  const staff = requireRole("admin", "moderator");

  async function audit(actorUserId: string, action: string, target: string, details?: Record<string, unknown>): Promise<void> {
    await store.audit.append({ id: randomUUID(), actorUserId, action, target, ...(details ? { details } : {}), at: new Date(deps.now()) });
  }

  router.get("/rooms", adminOnly, async (req, res) => {
    const { name } = parseOrThrow(roomListQuerySchema, req.query, "query");
    const listed = await matchMaker.query(name ? { name } : {});
    res.json({
      rooms: listed.map((r) => ({
        roomId: r.roomId,
        name: r.name,
        clients: r.clients,
        maxClients: r.maxClients,
        locked: r.locked ?? false,
        metadata: r.metadata ?? {},
        processId: r.processId,
        ...(r.createdAt ? { createdAt: new Date(r.createdAt).toISOString() } : {}),
      })),
    });
  });

  router.post("/sessions/:id/end", adminOnly, async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const { id } = parseOrThrow(idParamsSchema, req.params, "path");
    parseOrThrow(emptySchema, req.body, "body");
    const admin = principalOf(res);
    const session = await store.sessions.get(id);
    if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    if (session.status !== "waiting" && session.status !== "active") throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${session.status}`);
    const room = await rooms.findConversationRoom(id);
    if (room) {
      await rooms.endSession(id, admin.userId, true);
    } else {
      const to = await endOrphanedSession(store, session, "error", deps.now());
      if (!to) throw new ParleyError("SESSION_NOT_ACTIVE", "the session changed meanwhile");
      deps.onEventsWritten();
    }
    await audit(admin.userId, "session.end", `session:${id}`, { previousStatus: session.status, roomRunning: room !== undefined });
    res.json({ success: true });
  });

  router.get("/reports", staff, async (req, res) => {
    const query = parseOrThrow(reportListQuerySchema, req.query, "query");
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await store.moderation.listReports(limit, offset, { flaggedOnly: query.flagged === "true" });
    const states = new Map((await store.moderation.userStates(items.map((r) => r.reportedUserId))).map((st) => [st.userId, st]));
    res.json(page("reports", items.map((r) => ({ ...reportView(r), reportedUser: reportedUserView(r.reportedUserId, states.get(r.reportedUserId)) })), total, offset));
  });

  router.post("/reports/:userId/resolve", staff, async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const { userId } = parseOrThrow(userIdParamsSchema, req.params, "path");
    const body = parseOrThrow(resolutionBodySchema, req.body, "body");
    const moderator = principalOf(res);
    const state = await resolveReports(store, userId, moderator.userId, body, deps.now());
    await audit(moderator.userId, "reports.resolve", `user:${userId}`, {
      action: body.action,
      ...(body.days !== undefined ? { days: body.days } : {}),
      ...(body.note ? { note: body.note } : {}),
      ...(state.lastResolution?.bannedUntil ? { bannedUntil: state.lastResolution.bannedUntil.toISOString() } : {}),
    });
    if (body.action !== "dismiss") {
      // The outcome reaches the reported user (seed 003 notifications; issue 9).
      await deps.notifier
        .notify(reportOutcomeDraft(userId, body.action, state.lastResolution?.bannedUntil))
        .catch((err: unknown) => deps.logger.warn({ err, userId }, "report outcome notification not sent"));
    }
    res.json({ moderation: reportedUserView(userId, state) });
  });

  router.get("/audit", adminOnly, async (req, res) => {
    const query = parseOrThrow(paginationQuerySchema, req.query, "query");
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const offset = query.offset ?? 0;
    const { items, total } = await store.audit.list(limit, offset);
    res.json(page("entries", items.map(auditView), total, offset));
  });

  router.get("/topics", adminOnly, (req, res) => {
    const query = parseOrThrow(adminTopicListQuerySchema, req.query, "query");
    const languages = query.targetLanguageCode ? [query.targetLanguageCode] : catalog.languages();
    const includeInactive = query.includeInactive !== "false";
    res.json({ topics: languages.flatMap((targetLanguageCode) => catalog.list({ targetLanguageCode, includeInactive })) });
  });

  router.get("/topics/:targetLanguageCode/:code", adminOnly, (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const { targetLanguageCode, code } = parseOrThrow(topicKeyParamsSchema, req.params, "path");
    const topic = catalog.get(targetLanguageCode, code);
    if (!topic) throw new ParleyError("TOPIC_NOT_FOUND", `no topic "${code}" in "${targetLanguageCode}"`);
    res.json({ topic });
  });

  router.post("/topics", adminOnly, async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const topic: Topic = parseOrThrow(topicSchema, req.body, "body");
    try {
      await store.topics.create(topic);
    } catch (err) {
      if (isParleyError(err) && err.code === "INVALID_REQUEST") throw new ParleyError("INVALID_REQUEST", `${err.message}; use PUT to replace it`);
      throw err;
    }
    await topicSync.changed();
    await audit(principalOf(res).userId, "topic.create", `topic:${topic.targetLanguageCode}:${topic.code}`);
    res.status(201).json({ topic });
  });

  router.put("/topics/:targetLanguageCode/:code", adminOnly, async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const key = parseOrThrow(topicKeyParamsSchema, req.params, "path");
    const body: Topic = parseOrThrow(topicSchema, req.body, "body");
    if (body.targetLanguageCode !== key.targetLanguageCode || body.code !== key.code) {
      throw new ParleyError("INVALID_REQUEST", "body: targetLanguageCode and code must match the path");
    }
    const outcome = await store.topics.put(body);
    await topicSync.changed();
    await audit(principalOf(res).userId, outcome === "replaced" ? "topic.replace" : "topic.create", `topic:${body.targetLanguageCode}:${body.code}`);
    res.status(outcome === "replaced" ? 200 : 201).json({ topic: body });
  });

  router.delete("/topics/:targetLanguageCode/:code", adminOnly, async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const { targetLanguageCode, code } = parseOrThrow(topicKeyParamsSchema, req.params, "path");
    if (!(await store.topics.remove(targetLanguageCode, code))) throw new ParleyError("TOPIC_NOT_FOUND", `no topic "${code}" in "${targetLanguageCode}"`);
    await topicSync.changed();
    await audit(principalOf(res).userId, "topic.delete", `topic:${targetLanguageCode}:${code}`);
    res.json({ success: true });
  });

  return router;
}

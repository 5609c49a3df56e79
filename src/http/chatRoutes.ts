import { Router, type RequestHandler } from "express";
import { z } from "zod";
import type { Principal } from "../auth/principal.js";
import { dmChannelId, isModerator } from "../chat/channelIds.js";
import { chatMessageView } from "../chat/chatMessages.js";
import { authorizeChannel } from "../chat/dmAccess.js";
import { ParleyError } from "../errors/errorCodes.js";
import { notificationView } from "../notifications/notificationRecords.js";
import { principalOf } from "./authMiddleware.js";
import type { HttpDeps } from "./httpDeps.js";
import { parseOrThrow } from "./httpErrors.js";
import { emptySchema, idParamsSchema, queryInt, userIdSchema } from "./requestSchemas.js";

/** Largest `limit` of a message or notification page. */
const MAX_CHAT_PAGE = 100;
/** `limit` when the query has none (DESIGN §5: history pages of 50). */
const DEFAULT_CHAT_PAGE = 50;
/** DMs listed by `GET /api/dms`. */
const MAX_DMS = 200;

/** `GET /api/notifications` query. */
export const notificationListQuerySchema = z.strictObject({
  status: z.enum(["pending", "sent", "read"]).optional(),
  limit: queryInt(1, MAX_CHAT_PAGE).optional(),
  cursor: z.string().max(200).optional(),
});
/** `:id` of a notification (a UUID). */
export const notificationParamsSchema = z.strictObject({ id: z.uuid("expected a UUID") });
/** `POST /api/dms` body. */
export const openDmBodySchema = z.strictObject({ userId: userIdSchema });
/** `:channelId` of a lounge or DM. */
export const channelParamsSchema = z.strictObject({ channelId: z.string().min(1).max(300) });
/** `?before=<messageId>&limit=` of a message page. */
export const messagePageQuerySchema = z.strictObject({ before: z.string().min(1).max(64).optional(), limit: queryInt(1, MAX_CHAT_PAGE).optional() });
/** `GET /api/channels/:channelId/messages` query: a page, or (moderators) `q` to search the channel. */
export const channelMessagesQuerySchema = messagePageQuerySchema.extend({ q: z.string().min(1).max(200).optional() });

/**
 * The chat and notification REST API (issue 9, DESIGN §7), each route behind `auth`:
 * - `GET /api/notifications?status=&limit=&cursor=` — `{ notifications, nextCursor? }`, newest
 *   first, not expired. `INVALID_REQUEST` (a cursor not handed out here).
 * - `POST /api/notifications/:id/read` — `{ notification }`; `NOT_FOUND` when not mine.
 * - `POST /api/notifications/read-all` — `{ updated }` (how many were unread).
 * - `GET /api/dms` — `{ dms: [{ channelId, partner: { userId, displayName, avatarUrl? },
 *   lastMessage?, unreadCount }] }`, most recent activity first.
 * - `POST /api/dms { userId }` — `{ channelId }`: opens (or returns) the DM with a partner of a
 *   completed conversation. `INVALID_REQUEST` (oneself), `FORBIDDEN` (no completed
 *   conversation together, or blocked).
 * - `GET /api/channels/:channelId/messages?before=&limit=` — `{ messages (oldest first),
 *   nextCursor? }` for who may join the channel (`FORBIDDEN`); moderators may pass `q` to
 *   search it (`{ messages }`, newest first). `MESSAGE_NOT_FOUND` for a `before` of another channel.
 * - `GET /api/conversations/sessions/:id/messages?before=&limit=` — the same page of a
 *   session's chat, for its participants, admins and moderators. `SESSION_NOT_FOUND`,
 *   `NOT_A_PARTICIPANT`.
 */
export function chatRoutes(deps: HttpDeps, auth: RequestHandler): Router {
  const { store, now } = deps;
  const router = Router();
  router.use(["/api/notifications", "/api/dms", "/api/channels", "/api/conversations/sessions/:id/messages"], auth);

  router.get("/api/notifications", async (req, res) => {
    const { status, limit, cursor } = parseOrThrow(notificationListQuerySchema, req.query, "query");
    const userId = principalOf(res).userId;
    const page = await store.notifications.list(userId, { ...(status ? { status } : {}), limit: limit ?? DEFAULT_CHAT_PAGE, ...(cursor ? { cursor } : {}), now: new Date(now()) });
    res.json({ notifications: page.items.map(notificationView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
  });

  router.post("/api/notifications/read-all", async (req, res) => {
    parseOrThrow(emptySchema, req.body, "body");
    res.json({ updated: await store.notifications.markAllRead(principalOf(res).userId, new Date(now())) });
  });

  router.post("/api/notifications/:id/read", async (req, res) => {
    const { id } = parseOrThrow(notificationParamsSchema, req.params, "path");
    parseOrThrow(emptySchema, req.body, "body");
    const notification = await store.notifications.markRead(principalOf(res).userId, id, new Date(now()));
    if (!notification) throw new ParleyError("NOT_FOUND", `notification ${id} not found`);
    res.json({ notification: notificationView(notification) });
  });

  router.get("/api/dms", async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const userId = principalOf(res).userId;
    const memberships = await store.channelMembers.listByUser(userId, "dm:", MAX_DMS);
    const dms = await Promise.all(
      memberships.map(async (m) => {
        const partnerId = m.channelId.split(":").find((part, i) => i > 0 && part !== userId) ?? "";
        const [partner, lastMessage, unreadCount] = await Promise.all([
          store.channelMembers.get(m.channelId, partnerId),
          store.messages.latest(m.channelId),
          store.messages.countUnread(m.channelId, userId, m.lastReadMessageId),
        ]);
        return {
          channelId: m.channelId,
          partner: { userId: partnerId, displayName: partner?.displayName ?? partnerId, ...(partner?.avatarUrl ? { avatarUrl: partner.avatarUrl } : {}) },
          ...(lastMessage ? { lastMessage: chatMessageView(lastMessage) } : {}),
          unreadCount,
          activity: lastMessage?.createdAt.getTime() ?? m.joinedAt.getTime(),
        };
      }),
    );
    dms.sort((a, b) => b.activity - a.activity);
    res.json({ dms: dms.map(({ activity: _activity, ...dm }) => dm) });
  });

  router.post("/api/dms", async (req, res) => {
    const { userId: partnerId } = parseOrThrow(openDmBodySchema, req.body, "body");
    const me = principalOf(res);
    const channelId = dmChannelId(me.userId, partnerId);
    await authorizeChannel(store, channelId, me);
    const partnerName = await partnerDisplayName(partnerId);
    const at = new Date(now());
    await store.channels.ensure({ id: channelId, kind: "dm", memberIds: channelId.split(":").slice(1), slowModeSeconds: 0, createdAt: at });
    await store.channelMembers.upsert({ channelId, userId: me.userId, displayName: me.displayName, ...(me.avatarUrl ? { avatarUrl: me.avatarUrl } : {}), joinedAt: at });
    if (!(await store.channelMembers.get(channelId, partnerId))) await store.channelMembers.upsert({ channelId, userId: partnerId, displayName: partnerName, joinedAt: at });
    res.json({ channelId });
  });

  router.get("/api/channels/:channelId/messages", async (req, res) => {
    const { channelId } = parseOrThrow(channelParamsSchema, req.params, "path");
    const query = parseOrThrow(channelMessagesQuerySchema, req.query, "query");
    const me = principalOf(res);
    await authorizeChannel(store, channelId, me);
    if (query.q !== undefined) {
      if (!isModerator(me)) throw new ParleyError("FORBIDDEN", "q: searching a channel is for moderators");
      const found = await store.messages.search({ text: query.q, channelId, limit: query.limit ?? DEFAULT_CHAT_PAGE });
      res.json({ messages: found.map(chatMessageView) });
      return;
    }
    res.json(await messagePage(channelId, query));
  });

  router.get("/api/conversations/sessions/:id/messages", async (req, res) => {
    const { id } = parseOrThrow(idParamsSchema, req.params, "path");
    const query = parseOrThrow(messagePageQuerySchema, req.query, "query");
    const session = await store.sessions.get(id);
    if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    assertReader(principalOf(res), session.participants.map((p) => p.userId));
    res.json(await messagePage(id, query));
  });

  async function messagePage(channelId: string, query: z.infer<typeof messagePageQuerySchema>) {
    const page = await store.messages.listBefore(channelId, { ...(query.before ? { before: query.before } : {}), limit: query.limit ?? DEFAULT_CHAT_PAGE });
    return { messages: page.messages.map(chatMessageView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
  }

  /** The partner's name as their latest completed session stored it (access was checked already). */
  async function partnerDisplayName(partnerId: string): Promise<string> {
    const { items } = await store.sessions.listByUser({ userId: partnerId, statuses: ["completed"], limit: 1, offset: 0 });
    return items[0]?.participants.find((p) => p.userId === partnerId)?.displayName ?? partnerId;
  }

  return router;
}

/** Participants, admins and moderators read a session's chat. @throws ParleyError `NOT_A_PARTICIPANT` */
function assertReader(principal: Principal, participantIds: readonly string[]): void {
  if (participantIds.includes(principal.userId) || principal.roles.length > 0) return;
  throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
}

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { ChatMessageRecord } from "../../src/chat/chatRecords.js";
import { ParleyError } from "../../src/errors/errorCodes.js";
import type { NotificationRecord } from "../../src/notifications/notificationRecords.js";
import type { Store } from "../../src/store/repositories.js";

/**
 * The chat and notification part of the store contract (issue 9), registered inside
 * `describeStoreContract` so it runs on every implementation. Fresh channel and user ids per
 * test, so runs may share a database.
 */

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

function message(channelId: string, n: number, overrides: Partial<ChatMessageRecord> = {}): ChatMessageRecord {
  return {
    id: `${(T0 + n).toString(36)}-${String(n).padStart(4, "0")}-${randomUUID().slice(0, 8)}`,
    channelId,
    kind: "text",
    text: `message ${n}`,
    sender: { userId: "ana", displayName: "Ana" },
    mentions: [],
    reactions: {},
    isEdited: false,
    isDeleted: false,
    createdAt: new Date(T0 + n * 1000),
    clientMessageId: `c-${n}`,
    ...overrides,
  };
}

function notification(userId: string, n: number, overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  return {
    id: randomUUID(),
    userId,
    type: "mention",
    titleKey: "notification.mention.title",
    bodyKey: "notification.mention.body",
    params: { from: "Ana", count: n },
    data: { channelId: "lounge:en", messageId: `m${n}` },
    status: "pending",
    channel: "in_app",
    createdAt: new Date(T0 + n * 1000),
    expiresAt: new Date(T0 + 30 * 86_400_000),
    ...overrides,
  };
}

/** Registers the chat contract tests; `store()` is the store under test. */
export function describeChatStoreContract(store: () => Store): void {
  describe("chat messages", () => {
    it("returns a message as written, Dates and nested fields included, and finds it by id", async () => {
      const channelId = `lounge-${randomUUID()}`;
      const m = message(channelId, 1, {
        sender: { userId: "bo", displayName: "Bo", avatarUrl: "https://example.test/bo.png" },
        mentions: ["ana"],
        reactions: { "👍": ["ana", "cy"], "❤️": ["cy"] },
        replyTo: "earlier",
      });
      assert.deepEqual(await store().messages.insert(m), { inserted: true, message: m });
      assert.deepEqual(await store().messages.get(m.id), m);
      assert.equal(await store().messages.get(randomUUID()), undefined);
    });

    it("keeps one message per sender and clientMessageId in a channel, and returns the stored one for a repeat", async () => {
      const channelId = `lounge-${randomUUID()}`;
      const first = message(channelId, 1);
      await store().messages.insert(first);
      const again = await store().messages.insert(message(channelId, 2, { clientMessageId: first.clientMessageId, text: "resent" }));
      assert.equal(again.inserted, false);
      assert.deepEqual(again.message, first);
      const otherSender = await store().messages.insert(message(channelId, 3, { clientMessageId: first.clientMessageId, sender: { userId: "bo", displayName: "Bo" } }));
      assert.equal(otherSender.inserted, true);
      assert.equal((await store().messages.listBefore(channelId, { limit: 10 })).messages.length, 2);
    });

    it("writes edits, reactions and soft deletes, removing cleared fields", async () => {
      const channelId = `lounge-${randomUUID()}`;
      const m = message(channelId, 1, { correction: { messageId: "x", original: "goed", corrected: "went", offsetSeconds: 3 }, kind: "correction" });
      await store().messages.insert(m);
      const edited = { ...m, text: "edited", isEdited: true, editedAt: new Date(T0 + 5000), reactions: { "🎉": ["bo"] } };
      await store().messages.update(edited);
      assert.deepEqual(await store().messages.get(m.id), edited);
      const { correction: _dropped, ...rest } = edited;
      const deleted: ChatMessageRecord = { ...rest, text: "", reactions: {}, mentions: [], isDeleted: true, deletedAt: new Date(T0 + 6000), deletedBy: "mod" };
      await store().messages.update(deleted);
      assert.deepEqual(await store().messages.get(m.id), deleted);
    });

    it("pages a channel backwards with before= and nextCursor, oldest first, and refuses a cursor of another channel", async () => {
      const channelId = `lounge-${randomUUID()}`;
      const all = [1, 2, 3, 4, 5].map((n) => message(channelId, n));
      for (const m of [all[2], all[0], all[4], all[1], all[3]]) await store().messages.insert(m as ChatMessageRecord);
      await store().messages.insert(message(`lounge-${randomUUID()}`, 9));
      const newest = await store().messages.listBefore(channelId, { limit: 2 });
      assert.deepEqual(newest.messages.map((m) => m.text), ["message 4", "message 5"]);
      assert.equal(newest.nextCursor, all[3]?.id);
      const older = await store().messages.listBefore(channelId, { before: newest.nextCursor, limit: 2 });
      assert.deepEqual(older.messages.map((m) => m.text), ["message 2", "message 3"]);
      const oldest = await store().messages.listBefore(channelId, { before: older.nextCursor, limit: 2 });
      assert.deepEqual(oldest.messages.map((m) => m.text), ["message 1"]);
      assert.equal(oldest.nextCursor, undefined);
      assert.equal((await store().messages.latest(channelId))?.id, all[4]?.id);
      await assert.rejects(store().messages.listBefore(`lounge-${randomUUID()}`, { before: all[0]?.id, limit: 2 }), (err: unknown) => err instanceof ParleyError && err.code === "MESSAGE_NOT_FOUND");
    });

    it("counts unread messages after a cursor, not the reader's own nor deleted ones", async () => {
      const channelId = `dm-${randomUUID()}`;
      const ms = [
        message(channelId, 1, { sender: { userId: "bo", displayName: "Bo" } }),
        message(channelId, 2, { sender: { userId: "bo", displayName: "Bo" } }),
        message(channelId, 3),
        message(channelId, 4, { sender: { userId: "bo", displayName: "Bo" }, isDeleted: true, text: "" }),
        message(channelId, 5, { sender: { userId: "bo", displayName: "Bo" } }),
      ];
      for (const m of ms) await store().messages.insert(m);
      assert.equal(await store().messages.countUnread(channelId, "ana"), 3);
      assert.equal(await store().messages.countUnread(channelId, "ana", ms[0]?.id), 2);
      assert.equal(await store().messages.countUnread(channelId, "ana", ms[4]?.id), 0);
      assert.equal(await store().messages.countUnread(channelId, "bo"), 1);
    });

    it("searches texts case-insensitively, literally, newest first", async () => {
      const channelId = `lounge-${randomUUID()}`;
      const token = randomUUID().slice(0, 8);
      await store().messages.insert(message(channelId, 1, { text: `Spam ${token} here` }));
      await store().messages.insert(message(channelId, 2, { text: `more SPAM ${token}.*` }));
      await store().messages.insert(message(channelId, 3, { text: "fine" }));
      assert.deepEqual((await store().messages.search({ text: `spam ${token}`, channelId, limit: 10 })).map((m) => m.text), [`more SPAM ${token}.*`, `Spam ${token} here`]);
      assert.deepEqual((await store().messages.search({ text: `${token}.*`, limit: 10 })).map((m) => m.text), [`more SPAM ${token}.*`]);
    });
  });

  describe("channels and members", () => {
    it("creates a channel once and keeps the first one", async () => {
      const id = `dm:a-${randomUUID()}:b`;
      const channel = { id, kind: "dm" as const, memberIds: ["a", "b"], slowModeSeconds: 0, createdAt: new Date(T0) };
      assert.deepEqual(await store().channels.ensure(channel), channel);
      assert.deepEqual(await store().channels.ensure({ ...channel, slowModeSeconds: 9, createdAt: new Date(T0 + 1) }), channel);
      await store().channels.setSlowMode(id, 30);
      await store().channels.touch(id, new Date(T0 + 60_000));
      assert.deepEqual(await store().channels.get(id), { ...channel, slowModeSeconds: 30, lastMessageAt: new Date(T0 + 60_000) });
      assert.equal(await store().channels.get(`lounge:${randomUUID()}`), undefined);
    });

    it("upserts members keeping cursor, mute and joinedAt; lists by channel and by user", async () => {
      const channelId = `dm:${randomUUID()}:z`;
      const user = `u-${randomUUID()}`;
      await store().channelMembers.upsert({ channelId, userId: user, displayName: "Ana", avatarUrl: "https://example.test/a.png", joinedAt: new Date(T0) });
      await store().channelMembers.setReadCursor(channelId, user, "m-9");
      await store().channelMembers.setMutedUntil(channelId, user, new Date(T0 + 600_000));
      const again = await store().channelMembers.upsert({ channelId, userId: user, displayName: "Ana B", joinedAt: new Date(T0 + 5) });
      assert.deepEqual(again, { channelId, userId: user, displayName: "Ana B", lastReadMessageId: "m-9", mutedUntil: new Date(T0 + 600_000), joinedAt: new Date(T0) });
      await store().channelMembers.upsert({ channelId, userId: "z", displayName: "Zed", joinedAt: new Date(T0 + 1) });
      await store().channelMembers.upsert({ channelId: `lounge:${randomUUID()}`, userId: user, displayName: "Ana", joinedAt: new Date(T0) });
      assert.deepEqual((await store().channelMembers.list(channelId, 10)).map((m) => m.userId), [user, "z"]);
      assert.deepEqual((await store().channelMembers.listByUser(user, "dm:", 10)).map((m) => m.channelId), [channelId]);
      assert.equal(await store().channelMembers.get(channelId, "nobody"), undefined);
    });
  });

  describe("notifications", () => {
    it("lists a user's live notifications newest first, by status, in pages with an opaque cursor", async () => {
      const user = `u-${randomUUID()}`;
      const ns = [1, 2, 3, 4].map((n) => notification(user, n));
      const expired = notification(user, 5, { expiresAt: new Date(T0 - 1) });
      for (const n of [...ns, expired, notification(`other-${randomUUID()}`, 6)]) await store().notifications.create(n);
      const now = new Date(T0 + 10_000);
      const first = await store().notifications.list(user, { limit: 3, now });
      assert.deepEqual(first.items, [ns[3], ns[2], ns[1]]);
      assert.ok(first.nextCursor);
      const second = await store().notifications.list(user, { limit: 3, cursor: first.nextCursor, now });
      assert.deepEqual(second.items, [ns[0]]);
      assert.equal(second.nextCursor, undefined);
      await assert.rejects(store().notifications.list(user, { limit: 3, cursor: "garbage", now }), (err: unknown) => err instanceof ParleyError && err.code === "INVALID_REQUEST");
      await store().notifications.markSent(user, [ns[0]?.id ?? "", ns[1]?.id ?? ""], new Date(T0 + 20_000));
      const read = await store().notifications.markRead(user, ns[1]?.id ?? "", new Date(T0 + 30_000));
      assert.equal(read?.status, "read");
      assert.deepEqual(read?.sentAt, new Date(T0 + 20_000));
      assert.deepEqual((await store().notifications.list(user, { status: "sent", limit: 10, now })).items.map((n) => n.id), [ns[0]?.id]);
      assert.deepEqual((await store().notifications.list(user, { status: "pending", limit: 10, now })).items.map((n) => n.id), [ns[3]?.id, ns[2]?.id]);
    });

    it("marks read only the owner's notification, keeps the first readAt, and marks all read", async () => {
      const user = `u-${randomUUID()}`;
      const n = notification(user, 1);
      await store().notifications.create(n);
      await store().notifications.create(notification(user, 2));
      assert.equal(await store().notifications.markRead(`other-${randomUUID()}`, n.id, new Date(T0)), undefined);
      await store().notifications.markRead(user, n.id, new Date(T0 + 1000));
      assert.deepEqual((await store().notifications.markRead(user, n.id, new Date(T0 + 2000)))?.readAt, new Date(T0 + 1000));
      assert.equal(await store().notifications.markAllRead(user, new Date(T0 + 3000)), 1);
      assert.equal(await store().notifications.markAllRead(user, new Date(T0 + 4000)), 0);
      assert.equal((await store().notifications.get(user, n.id))?.status, "read");
    });

    it("prunes expired notifications", async () => {
      const user = `u-${randomUUID()}`;
      const old = notification(user, 1, { expiresAt: new Date(T0 - 1000) });
      await store().notifications.create(old);
      assert.ok((await store().notifications.pruneExpired(new Date(T0))) >= 1);
      assert.equal(await store().notifications.get(user, old.id), undefined);
    });
  });
}

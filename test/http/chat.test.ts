import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { dmChannelId } from "../../src/chat/channelIds.js";
import type { ChatMessageRecord } from "../../src/chat/chatRecords.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { Notifier } from "../../src/notifications/notifier.js";
import { storeCompletedSession } from "../support/chatFixtures.js";
import { testServer } from "../support/testServer.js";
import { api, assertError, restUser, type RestUser } from "./restSupport.js";

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);

function message(channelId: string, n: number, sender: string): ChatMessageRecord {
  return {
    id: `${(T0 + n * 1000).toString(36).padStart(9, "0")}-${String(n).padStart(4, "0")}-${randomUUID().slice(0, 8)}`,
    channelId, kind: "text", text: `message ${n}`, sender: { userId: sender, displayName: sender }, mentions: [], reactions: {},
    isEdited: false, isDeleted: false, createdAt: new Date(T0 + n * 1000), clientMessageId: `c${n}`,
  };
}

interface Page {
  messages: { id: string; text: string }[];
  nextCursor?: string;
}

describe("http: chat, DMs and notifications", () => {
  let ana: RestUser;
  let bo: RestUser;
  before(async () => {
    await testServer();
    ana = await restUser("ana", { nativeLanguageCode: "sv", levels: { en: "B1" } });
    bo = await restUser("bo", { nativeLanguageCode: "it", levels: { en: "B1" } });
  });

  it("lists my notifications newest first in cursor pages, filters by status, marks one and all read", async () => {
    const { parley } = await testServer();
    const notifier = new Notifier(parley.store.notifications, { publish: () => undefined, subscribe: async () => undefined, unsubscribe: () => undefined }, () => Date.now());
    const created = [];
    for (let i = 0; i < 3; i++) created.push(await notifier.notify({ userId: ana.userId, type: "mention", titleKey: "notification.mention.title", bodyKey: "notification.mention.body", params: { from: "Bo", n: i }, data: { channelId: "lounge:en" } }));
    await notifier.notify({ userId: bo.userId, type: "dm_message", titleKey: "t", bodyKey: "b" });

    const first = await api<{ notifications: { id: string; status: string; params: Record<string, unknown>; expiresAt: string }[]; nextCursor?: string }>("GET", "/api/notifications?limit=2", { token: ana.token });
    assert.equal(first.status, 200);
    assert.equal(first.body.notifications.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await api<{ notifications: { id: string }[]; nextCursor?: string }>("GET", `/api/notifications?limit=2&cursor=${first.body.nextCursor}`, { token: ana.token });
    const ids = [...first.body.notifications, ...second.body.notifications].map((n) => n.id);
    assert.equal(new Set(ids).size, 3);
    assert.ok(created.every((c) => ids.includes(c.id)), "only mine, each once");
    assert.equal(second.body.nextCursor, undefined);
    assert.equal(Date.parse(first.body.notifications[0]?.expiresAt ?? "") - Date.now() > 29 * 86_400_000, true, "expires in 30 days");

    const read = await api<{ notification: { id: string; status: string; readAt?: string } }>("POST", `/api/notifications/${created[0]?.id}/read`, { token: ana.token });
    assert.equal(read.status, 200);
    assert.equal(read.body.notification.status, "read");
    assertError(await api("POST", `/api/notifications/${created[1]?.id}/read`, { token: bo.token }), 404, "NOT_FOUND");
    const unread = await api<{ notifications: unknown[] }>("GET", "/api/notifications?status=pending", { token: ana.token });
    assert.equal(unread.body.notifications.length, 2);
    assert.deepEqual((await api("POST", "/api/notifications/read-all", { token: ana.token })).body, { updated: 2 });
    assert.equal((await api<{ notifications: unknown[] }>("GET", "/api/notifications?status=read", { token: ana.token })).body.notifications.length, 3);
    assertError(await api("GET", "/api/notifications?cursor=bogus", { token: ana.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", "/api/notifications?status=gone", { token: ana.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", "/api/notifications"), 401, "UNAUTHORIZED");
  });

  it("opens a DM only with a partner of a completed conversation, lists it with the last message and unread count", async () => {
    const { parley } = await testServer();
    const cy = await restUser("cy", { nativeLanguageCode: "sv", levels: { en: "B1" } });
    const dy = await restUser("dy", { nativeLanguageCode: "sv", levels: { en: "B1" } });
    assertError(await api("POST", "/api/dms", { token: cy.token, body: { userId: dy.userId } }), 403, "FORBIDDEN");
    assertError(await api("POST", "/api/dms", { token: cy.token, body: { userId: cy.userId } }), 400, "INVALID_REQUEST");
    assertError(await api("POST", "/api/dms", { token: cy.token, body: { userId: dy.userId, extra: 1 } }), 400, "INVALID_REQUEST");
    await storeCompletedSession(cy.userId, dy.userId);
    const opened = await api<{ channelId: string }>("POST", "/api/dms", { token: cy.token, body: { userId: dy.userId } });
    assert.equal(opened.status, 200);
    assert.equal(opened.body.channelId, dmChannelId(cy.userId, dy.userId));
    assert.deepEqual((await api("POST", "/api/dms", { token: dy.token, body: { userId: cy.userId } })).body, opened.body, "the same DM from both sides");

    const channelId = opened.body.channelId;
    for (const [n, sender] of [[1, cy.userId], [2, cy.userId], [3, dy.userId]] as const) await parley.store.messages.insert(message(channelId, n, sender));
    const dms = await api<{ dms: { channelId: string; partner: { userId: string; displayName: string }; lastMessage?: { text: string }; unreadCount: number }[] }>("GET", "/api/dms", { token: dy.token });
    assert.equal(dms.status, 200);
    assert.deepEqual(dms.body.dms.map((d) => [d.channelId, d.partner.userId, d.lastMessage?.text, d.unreadCount]), [[channelId, cy.userId, "message 3", 2]]);

    await parley.store.moderation.block(dy.userId, cy.userId);
    assertError(await api("POST", "/api/dms", { token: cy.token, body: { userId: dy.userId } }), 403, "FORBIDDEN");
    assertError(await api("GET", `/api/channels/${encodeURIComponent(channelId)}/messages`, { token: cy.token }), 403, "FORBIDDEN");
  });

  it("pages a lounge's messages backwards, refuses outsiders, and lets only moderators search", async () => {
    const { parley } = await testServer();
    const channelId = "lounge:ky";
    const kyLearner = await restUser("ky", { nativeLanguageCode: "ky", levels: {} });
    for (let n = 1; n <= 5; n++) await parley.store.messages.insert(message(channelId, n, kyLearner.userId));
    const path = `/api/channels/${encodeURIComponent(channelId)}/messages`;
    const newest = await api<Page>("GET", `${path}?limit=3`, { token: kyLearner.token });
    assert.equal(newest.status, 200);
    assert.deepEqual(newest.body.messages.map((m) => m.text), ["message 3", "message 4", "message 5"]);
    const older = await api<Page>("GET", `${path}?limit=3&before=${newest.body.nextCursor}`, { token: kyLearner.token });
    assert.deepEqual(older.body.messages.map((m) => m.text), ["message 1", "message 2"]);
    assert.equal(older.body.nextCursor, undefined);
    assertError(await api("GET", `${path}?before=nope`, { token: kyLearner.token }), 404, "MESSAGE_NOT_FOUND");
    assertError(await api("GET", path, { token: ana.token }), 403, "FORBIDDEN");
    assertError(await api("GET", `${path}?q=message`, { token: kyLearner.token }), 403, "FORBIDDEN");
    const mod = await restUser("mod", { nativeLanguageCode: "sv", levels: {}, roles: ["moderator"] });
    const found = await api<Page>("GET", `${path}?q=MESSAGE%204`, { token: mod.token });
    assert.deepEqual(found.body.messages.map((m) => m.text), ["message 4"]);
    assertError(await api("GET", "/api/channels/general/messages", { token: ana.token }), 400, "INVALID_REQUEST");
  });

  it("serves a session's chat to its participants only", async () => {
    const { parley } = await testServer();
    const sessionId = await storeCompletedSession(ana.userId, bo.userId);
    for (let n = 1; n <= 3; n++) await parley.store.messages.insert(message(sessionId, n, ana.userId));
    const page = await api<Page>("GET", `/api/conversations/sessions/${sessionId}/messages?limit=2`, { token: bo.token });
    assert.equal(page.status, 200);
    assert.deepEqual(page.body.messages.map((m) => m.text), ["message 2", "message 3"]);
    const eve = await restUser("eve", { nativeLanguageCode: "sv", levels: { en: "B1" } });
    assertError(await api("GET", `/api/conversations/sessions/${sessionId}/messages`, { token: eve.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("GET", `/api/conversations/sessions/${randomUUID()}/messages`, { token: eve.token }), 404, "SESSION_NOT_FOUND");
    assertError(await api("GET", `/api/conversations/sessions/${sessionId}/messages?limit=0`, { token: bo.token }), 400, "INVALID_REQUEST");
  });

  it("is described in the OpenAPI document", () => {
    const paths = (openApiDocument() as { paths: Record<string, Record<string, unknown>> }).paths;
    const operations = Object.entries(paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    for (const expected of [
      "GET /api/notifications",
      "POST /api/notifications/{id}/read",
      "POST /api/notifications/read-all",
      "GET /api/dms",
      "POST /api/dms",
      "GET /api/channels/{channelId}/messages",
      "GET /api/conversations/sessions/{id}/messages",
    ]) {
      assert.ok(operations.includes(expected), `missing ${expected}`);
    }
  });
});

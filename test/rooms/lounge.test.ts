import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { dmChannelId } from "../../src/chat/channelIds.js";
import type { ChatMessageView } from "../../src/chat/chatMessages.js";
import { joinChannel, loungeLearner, storeCompletedSession } from "../support/chatFixtures.js";
import { eventually } from "../support/conversations.js";
import { waitForState } from "../support/learners.js";
import { testServer } from "../support/testServer.js";

interface ErrorMessage {
  code: string;
  message: string;
}

/** A lounge language no other test of this file uses (lounges persist across tests). */
let langSeq = 0;
const LANGS = ["aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh"];
function freshLang(): string {
  return LANGS[langSeq++ % LANGS.length] ?? "zz";
}

describe("rooms: lounges and DMs", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    // A room already left (or closed by the server) may never settle a second leave().
    await Promise.all(open.splice(0).map((r) => Promise.race([r.leave().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))])));
  });

  async function join(...args: Parameters<typeof joinChannel>) {
    const member = await joinChannel(...args);
    open.push(member.room);
    return member;
  }

  it("runs a lounge with three members: history and unread count on join, typing, mentions, members online, slow mode, moderator delete and mute", async () => {
    const { parley } = await testServer();
    const lang = freshLang();
    const channelId = `lounge:${lang}`;
    const ana = await join(await loungeLearner("ana", lang), channelId);
    assert.deepEqual(ana.history.messages, []);
    ana.room.send("chat_send", { text: "first", clientMessageId: "a1" });
    ana.room.send("chat_send", { text: "second", clientMessageId: "a2" });
    await ana.inbox.next("chat_message", 1);

    const bo = await join(await loungeLearner("bo", lang), channelId);
    assert.deepEqual(bo.history.messages.map((m) => m.text), ["first", "second"]);
    assert.equal(bo.history.unreadCount, 2);
    const mia = await join(await loungeLearner("mia", lang, ["moderator"]), channelId);
    await waitForState(ana.room, (s: { online: Map<string, unknown> }) => s.online.size === 3);

    ana.room.send("typing", {});
    assert.deepEqual(await bo.inbox.next("typing"), { userId: ana.learner.userId });
    assert.deepEqual(await mia.inbox.next("typing"), { userId: ana.learner.userId });

    ana.room.send("chat_send", { text: `hello @${bo.learner.userId}`, clientMessageId: "a3" });
    const mention = await bo.inbox.next<ChatMessageView>("chat_message", 0);
    assert.deepEqual(mention.mentions, [bo.learner.userId]);
    const pushed = await bo.inbox.next<{ notification: { type: string; data: { messageId: string }; status: string } }>("notification");
    assert.equal(pushed.notification.type, "mention");
    assert.equal(pushed.notification.data.messageId, mention.id);
    await eventually(async () => (await parley.store.notifications.get(bo.learner.userId, (pushed.notification as unknown as { id: string }).id))?.status === "sent", "the pushed notification is marked sent");

    mia.room.send("chat_slow_mode", { seconds: 30 });
    assert.deepEqual(await ana.inbox.next("slow_mode"), { seconds: 30 });
    await waitForState(bo.room, (s: { slowModeSeconds: number }) => s.slowModeSeconds === 30);
    bo.room.send("chat_send", { text: "one", clientMessageId: "b1" });
    await ana.inbox.next("chat_message", 3);
    bo.room.send("chat_send", { text: "two", clientMessageId: "b2" });
    assert.equal((await bo.inbox.next<ErrorMessage>("error")).code, "RATE_LIMITED");
    mia.room.send("chat_send", { text: "moderators are exempt", clientMessageId: "m1" });
    mia.room.send("chat_send", { text: "really", clientMessageId: "m2" });
    await ana.inbox.next("chat_message", 5);

    mia.room.send("chat_delete", { messageId: mention.id });
    const deleted = await ana.inbox.next<ChatMessageView>("chat_updated");
    assert.equal(deleted.id, mention.id);
    assert.equal(deleted.isDeleted, true);
    assert.equal(deleted.text, "");
    assert.equal((await parley.store.messages.get(mention.id))?.deletedBy, mia.learner.userId);

    mia.room.send("chat_mute", { userId: ana.learner.userId, minutes: 5 });
    assert.equal((await ana.inbox.next<{ userId: string }>("chat_muted")).userId, ana.learner.userId);
    ana.room.send("chat_send", { text: "let me talk", clientMessageId: "a4" });
    assert.equal((await ana.inbox.next<ErrorMessage>("error")).code, "FORBIDDEN");
    assert.ok((await parley.store.channelMembers.get(channelId, ana.learner.userId))?.mutedUntil);

    const audit = (await parley.store.audit.list(50, 0)).items.filter((e) => e.actorUserId === mia.learner.userId).map((e) => e.action);
    assert.deepEqual(audit.sort(), ["chat.delete", "chat.mute", "chat.slow_mode"]);

    await bo.room.leave();
    await waitForState(ana.room, (s: { online: Map<string, unknown> }) => s.online.size === 2);
  });

  it("keeps read cursors: chat_read is broadcast and a member rejoining has nothing unread", async () => {
    const lang = freshLang();
    const channelId = `lounge:${lang}`;
    const ana = await join(await loungeLearner("ana", lang), channelId);
    const boLearner = await loungeLearner("bo", lang);
    const bo = await join(boLearner, channelId);
    ana.room.send("chat_send", { text: "read me", clientMessageId: "r1" });
    const m = await bo.inbox.next<ChatMessageView>("chat_message");
    bo.room.send("chat_read", { upToMessageId: m.id });
    assert.deepEqual(await ana.inbox.next("chat_read"), { userId: boLearner.userId, upToMessageId: m.id });
    await bo.room.leave();
    const again = await join(boLearner, channelId);
    assert.equal(again.history.unreadCount, 0);
    assert.equal(again.history.readCursors[boLearner.userId], m.id);
  });

  it("answers bad chat input with error and a code, and stores nothing", async () => {
    const { parley } = await testServer();
    const lang = freshLang();
    const channelId = `lounge:${lang}`;
    const ana = await join(await loungeLearner("ana", lang), channelId);
    const bo = await join(await loungeLearner("bo", lang), channelId);
    ana.room.send("chat_send", { text: "mine", clientMessageId: "x1" });
    const mine = await ana.inbox.next<ChatMessageView>("chat_message");
    const other = await join(await loungeLearner("cy", freshLang()), `lounge:${LANGS[(langSeq - 1) % LANGS.length]}`);
    other.room.send("chat_send", { text: "elsewhere", clientMessageId: "o1" });
    const elsewhere = await other.inbox.next<ChatMessageView>("chat_message");
    const before = (await parley.store.messages.listBefore(channelId, { limit: 100 })).messages;

    const cases: [string, unknown, string][] = [
      ["chat_send", { text: "   ", clientMessageId: "e1" }, "INVALID_REQUEST"],
      ["chat_send", { text: "x".repeat(2001), clientMessageId: "e2" }, "INVALID_REQUEST"],
      ["chat_send", { text: "bell\u0007", clientMessageId: "e3" }, "INVALID_REQUEST"],
      ["chat_send", { text: "no id" }, "INVALID_REQUEST"],
      ["chat_send", { text: "re", replyTo: elsewhere.id, clientMessageId: "e4" }, "MESSAGE_NOT_FOUND"],
      ["chat_edit", { messageId: "nope", text: "x" }, "MESSAGE_NOT_FOUND"],
      ["chat_edit", { messageId: mine.id, text: "not yours" }, "FORBIDDEN"],
      ["chat_delete", { messageId: mine.id }, "FORBIDDEN"],
      ["chat_react", { messageId: mine.id, emoji: "🚀", on: true }, "INVALID_REQUEST"],
      ["chat_react", { messageId: mine.id, emoji: "👍" }, "INVALID_REQUEST"],
      ["chat_correct", { messageId: mine.id, original: "absent", corrected: "x" }, "INVALID_REQUEST"],
      ["chat_mute", { userId: "someone", minutes: 5 }, "FORBIDDEN"],
      ["chat_slow_mode", { seconds: 10 }, "FORBIDDEN"],
      ["chat_nonsense", {}, "INVALID_REQUEST"],
    ];
    for (const [i, [type, payload, code]] of cases.entries()) {
      bo.room.send(type, payload);
      const err = await bo.inbox.next<ErrorMessage>("error", i);
      assert.equal(err.code, code, `${type} ${JSON.stringify(payload).slice(0, 60)}: ${err.message}`);
    }
    bo.room.sendBytes("chat_send", new Uint8Array([0xff, 0x00, 0x13]));
    assert.equal((await bo.inbox.next<ErrorMessage>("error", cases.length)).code, "INVALID_REQUEST");
    assert.deepEqual((await parley.store.messages.listBefore(channelId, { limit: 100 })).messages, before);
    bo.room.send("chat_react", { messageId: mine.id, emoji: "👍", on: true });
    assert.deepEqual((await ana.inbox.next<ChatMessageView>("chat_updated")).reactions, { "👍": [bo.learner.userId] });
  });

  it("stores a re-sent clientMessageId once and answers only its sender", async () => {
    const { parley } = await testServer();
    const lang = freshLang();
    const ana = await join(await loungeLearner("ana", lang), `lounge:${lang}`);
    const bo = await join(await loungeLearner("bo", lang), `lounge:${lang}`);
    ana.room.send("chat_send", { text: "once", clientMessageId: "same" });
    ana.room.send("chat_send", { text: "once", clientMessageId: "same" });
    const [first, second] = [await ana.inbox.next<ChatMessageView>("chat_message", 0), await ana.inbox.next<ChatMessageView>("chat_message", 1)];
    assert.equal(first.id, second.id);
    ana.room.send("chat_send", { text: "next", clientMessageId: "other" });
    assert.equal((await bo.inbox.next<ChatMessageView>("chat_message", 1)).text, "next", "the repeat was not broadcast");
    assert.equal((await parley.store.messages.listBefore(`lounge:${lang}`, { limit: 10 })).messages.length, 2);
  });

  it("refuses a lounge of a language the learner neither speaks nor learns, and a malformed channel id", async () => {
    const learner = await loungeLearner("ana", "en");
    await assert.rejects(learner.sdk.joinOrCreate("lounge", { channelId: "lounge:de" }), (err: { code?: number; message?: string }) => err.code === 403 && /FORBIDDEN/.test(String(err.message)));
    await assert.rejects(learner.sdk.joinOrCreate("lounge", { channelId: "general" }), (err: { code?: number; message?: string }) => err.code === 400 && /INVALID_REQUEST/.test(String(err.message)));
  });

  it("opens a DM only to two users who completed a conversation, refuses a blocked pair, and notifies an absent partner", async () => {
    const { parley } = await testServer();
    const ana = await loungeLearner("ana", "en");
    const bo = await loungeLearner("bo", "en");
    const channelId = dmChannelId(ana.userId, bo.userId);
    await assert.rejects(ana.sdk.joinOrCreate("lounge", { channelId }), (err: { code?: number }) => err.code === 403, "no conversation together yet");
    await storeCompletedSession(ana.userId, bo.userId);
    const stranger = await loungeLearner("eve", "en");
    await assert.rejects(stranger.sdk.joinOrCreate("lounge", { channelId }), (err: { code?: number }) => err.code === 403, "a third user");

    const anaDm = await join(ana, channelId);
    anaDm.room.send("chat_send", { text: "nice talking to you", clientMessageId: "d1" });
    const sent = await anaDm.inbox.next<ChatMessageView>("chat_message");
    let stored: { items: { type: string; status: string; data: Record<string, unknown> }[] } = { items: [] };
    await eventually(async () => {
      stored = await parley.store.notifications.list(bo.userId, { limit: 10, now: new Date() });
      return stored.items.length === 1;
    }, "bo is notified of the DM");
    assert.equal(stored.items[0]?.type, "dm_message");
    assert.equal(stored.items[0]?.status, "pending", "nobody delivered it: bo has no socket");
    assert.equal(stored.items[0]?.data.messageId, sent.id);

    const boDm = await join(bo, channelId);
    assert.deepEqual(boDm.history.messages.map((m) => m.text), ["nice talking to you"]);
    assert.equal(boDm.history.unreadCount, 1);
    await boDm.room.leave();
    await anaDm.room.leave();

    await parley.store.moderation.block(bo.userId, ana.userId);
    await assert.rejects(ana.sdk.joinOrCreate("lounge", { channelId }), (err: { code?: number; message?: string }) => err.code === 403 && /blocked/.test(String(err.message)));
  });
});

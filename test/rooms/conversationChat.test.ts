import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import type { ChatMessageView } from "../../src/chat/chatMessages.js";
import { api } from "../http/restSupport.js";
import { talkingPair } from "../support/conversations.js";
import { Inbox } from "../support/learners.js";
import { testServer } from "../support/testServer.js";

interface ErrorMessage {
  code: string;
  message: string;
}

let topicSeq = 0;
const TOPICS = ["hobbies.free_time", "daily_life.shopping", "hobbies.music", "daily_life.introductions"];
function talking(lang: string) {
  return talkingPair(lang, TOPICS[topicSeq++ % TOPICS.length] ?? "hobbies.free_time");
}

describe("rooms: chat in a conversation", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => Promise.race([r.leave().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))])));
  });

  it("sends, corrects, reacts, edits, reads and deletes; stores each change; history after a reconnection and over REST", async () => {
    const { parley } = await testServer();
    const t = await talking("en");
    open.push(t.roomA, t.roomB);
    assert.deepEqual((await t.inA.next<{ messages: unknown[] }>("chat_history")).messages, []);

    t.roomA.send("chat_send", { text: "Yesterday I goed to the park", clientMessageId: "a1" });
    const sent = await t.inB.next<ChatMessageView>("chat_message");
    assert.equal(sent.channelId, t.sessionId);
    assert.equal(sent.sender.userId, t.a.userId);
    assert.equal((await parley.store.messages.get(sent.id))?.text, "Yesterday I goed to the park", "stored before anyone was told");

    t.roomB.send("chat_correct", { messageId: sent.id, original: "goed", corrected: "went", note: "irregular verb" });
    const fix = await t.inA.next<ChatMessageView>("chat_message", 1);
    assert.equal(fix.kind, "correction");
    assert.equal(fix.correction?.original, "goed");
    assert.equal(fix.correction?.corrected, "went");
    assert.ok((fix.correction?.offsetSeconds ?? -1) >= 0);
    t.roomA.send("chat_correct", { messageId: sent.id, original: "goed", corrected: "went" });
    assert.equal((await t.inA.next<ErrorMessage>("error")).code, "INVALID_REQUEST", "one's own message is not corrected");

    t.roomB.send("chat_react", { messageId: sent.id, emoji: "👏", on: true });
    assert.deepEqual((await t.inA.next<ChatMessageView>("chat_updated")).reactions, { "👏": [t.b.userId] });
    t.roomA.send("chat_edit", { messageId: sent.id, text: "Yesterday I went to the park" });
    const edited = await t.inB.next<ChatMessageView>("chat_updated", 1);
    assert.equal(edited.isEdited, true);
    assert.equal(edited.text, "Yesterday I went to the park");

    t.roomB.send("chat_read", { upToMessageId: fix.id });
    assert.deepEqual(await t.inA.next("chat_read"), { userId: t.b.userId, upToMessageId: fix.id });

    t.roomB.send("chat_delete", { messageId: sent.id });
    assert.equal((await t.inB.next<ErrorMessage>("error")).code, "FORBIDDEN");
    t.roomA.send("chat_delete", { messageId: sent.id });
    const deleted = await t.inB.next<ChatMessageView>("chat_updated", 2);
    assert.equal(deleted.isDeleted, true);
    assert.equal(deleted.text, "");
    assert.equal((await parley.store.messages.get(sent.id))?.isDeleted, true);

    const token = t.roomA.reconnectionToken;
    t.roomA.connection.close(3000, "network lost");
    const back = await t.a.sdk.reconnect(token);
    open.push(back);
    const history = await new Inbox(back).next<{ messages: ChatMessageView[]; readCursors: Record<string, string> }>("chat_history");
    assert.deepEqual(history.messages.map((m) => [m.id, m.kind, m.text]), [[sent.id, "text", ""], [fix.id, "correction", "went"]]);
    assert.equal(history.readCursors[t.b.userId], fix.id);

    const rest = await api<{ messages: ChatMessageView[] }>("GET", `/api/conversations/sessions/${t.sessionId}/messages`, { token: t.b.token });
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body.messages.map((m) => m.id), [sent.id, fix.id]);
  });

  it("limits chat to 20 messages per 10 s per user with RATE_LIMITED", async () => {
    const t = await talking("fr");
    open.push(t.roomA, t.roomB);
    for (let i = 0; i < 21; i++) t.roomA.send("chat_send", { text: `m${i}`, clientMessageId: `burst-${i}` });
    const refused = await t.inA.next<ErrorMessage>("error");
    assert.equal(refused.code, "RATE_LIMITED");
    await t.inB.next("chat_message", 19);
    assert.equal(t.inA.all("chat_message").length, 20);
    t.roomB.send("chat_send", { text: "my own budget", clientMessageId: "b" });
    assert.equal((await t.inA.next<ChatMessageView>("chat_message", 20)).text, "my own budget");
  });

  it("refuses chat once the session ended", async () => {
    const t = await talking("de");
    open.push(t.roomA, t.roomB);
    t.roomA.send("end_session", {});
    await t.inB.next("session_ended");
    t.roomB.send("chat_send", { text: "bye", clientMessageId: "late" });
    assert.equal((await t.inB.next<ErrorMessage>("error")).code, "SESSION_NOT_ACTIVE");
  });
});

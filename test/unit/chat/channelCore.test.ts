import assert from "node:assert/strict";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { ChannelCore, EDIT_WINDOW_MS, type ChatActor } from "../../../src/chat/channelCore.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const ana: ChatActor = { userId: "ana", displayName: "Ana", moderator: false };
const bo: ChatActor = { userId: "bo", displayName: "Bo Lind", moderator: false };
const mod: ChatActor = { userId: "mia", displayName: "Mia", moderator: true };

function code(c: string) {
  return (err: unknown) => err instanceof ParleyError && err.code === c;
}

function core(options: Partial<ConstructorParameters<typeof ChannelCore>[0]> = {}) {
  const c = new ChannelCore({ channelId: "lounge:en", idSuffix: () => "x", ...options });
  for (const a of [ana, bo, mod]) c.addMember({ userId: a.userId, displayName: a.displayName });
  return c;
}

describe("chat: ChannelCore", () => {
  it("sends a message: stored first, then broadcast, with time-ordered ids and resolved mentions", () => {
    const c = core();
    const first = c.send(ana, { text: " hello @Bo Lind ", clientMessageId: "c1" }, T0);
    const second = c.send(bo, { text: "hi", clientMessageId: "c1" }, T0);
    assert.equal(first.writes[0]?.kind, "insert_message");
    assert.equal(first.message?.text, "hello @Bo Lind");
    assert.deepEqual(first.message?.mentions, ["bo"]);
    assert.deepEqual(first.notices.map((n) => n.userId), ["bo"]);
    assert.equal(first.send[0]?.type, "chat_message");
    assert.equal(first.send[0]?.to, "all");
    assert.ok((first.message?.id ?? "") < (second.message?.id ?? ""), "ids sort like send order within one millisecond");
    assert.deepEqual(c.history().map((m) => m.text), ["hello @Bo Lind", "hi"]);
  });

  it("treats a repeated clientMessageId of one sender as the same message: nothing written, the sender gets it again", () => {
    const c = core();
    const first = c.send(ana, { text: "once", clientMessageId: "same" }, T0);
    const again = c.send(ana, { text: "once", clientMessageId: "same" }, T0 + 5);
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.writes, []);
    assert.deepEqual(again.send.map((s) => [s.to, s.type]), [["user", "chat_message"]]);
    assert.equal(again.message?.id, first.message?.id);
    assert.equal(c.history().length, 1);
  });

  it("refuses a reply to an unknown message or one of another channel with MESSAGE_NOT_FOUND", () => {
    const c = core();
    c.remember([{ ...core({ channelId: "lounge:fr" }).send(ana, { text: "x", clientMessageId: "f" }, T0).message!, channelId: "lounge:fr" }]);
    assert.throws(() => c.send(ana, { text: "re", replyTo: "nope", clientMessageId: "r" }, T0), code("MESSAGE_NOT_FOUND"));
    assert.equal(c.history().length, 0, "the other channel's message was not remembered");
    const parent = c.send(bo, { text: "q?", clientMessageId: "p" }, T0).message!;
    assert.equal(c.send(ana, { text: "a!", replyTo: parent.id, clientMessageId: "r" }, T0 + 1).message?.replyTo, parent.id);
  });

  it("lets only the author edit, within 15 minutes, and marks the message edited", () => {
    const c = core();
    const m = c.send(ana, { text: "helo", clientMessageId: "e" }, T0).message!;
    assert.throws(() => c.edit(bo, { messageId: m.id, text: "x" }, T0 + 1), code("FORBIDDEN"));
    const edited = c.edit(ana, { messageId: m.id, text: "hello @Bo Lind" }, T0 + EDIT_WINDOW_MS);
    assert.equal(edited.message?.isEdited, true);
    assert.equal(edited.message?.editedAt?.getTime(), T0 + EDIT_WINDOW_MS);
    assert.deepEqual(edited.notices.map((n) => n.userId), ["bo"], "a mention added by an edit notifies");
    assert.equal(edited.send[0]?.type, "chat_updated");
    assert.throws(() => c.edit(ana, { messageId: m.id, text: "late" }, T0 + EDIT_WINDOW_MS + 1), code("INVALID_REQUEST"));
    assert.throws(() => c.edit(ana, { messageId: "missing", text: "x" }, T0), code("MESSAGE_NOT_FOUND"));
  });

  it("soft-deletes for the author or a moderator (tombstone, audit for the moderator), idempotently", () => {
    const c = core();
    const m = c.send(ana, { text: "oops", clientMessageId: "d" }, T0).message!;
    c.react(bo, { messageId: m.id, emoji: "👍", on: true }, T0);
    assert.throws(() => c.delete(bo, { messageId: m.id }, T0), code("FORBIDDEN"));
    const own = c.delete(ana, { messageId: m.id }, T0 + 1);
    assert.equal(own.message?.text, "");
    assert.equal(own.message?.isDeleted, true);
    assert.deepEqual(own.message?.reactions, {});
    assert.equal(own.audit, undefined);
    assert.deepEqual(c.delete(mod, { messageId: m.id }, T0 + 2).writes, [], "deleting twice does nothing");
    const other = c.send(bo, { text: "spam", clientMessageId: "s" }, T0).message!;
    const byMod = c.delete(mod, { messageId: other.id }, T0 + 3);
    assert.equal(byMod.audit?.action, "chat.delete");
    assert.equal(byMod.message?.deletedBy, "mia");
    assert.equal(c.history().length, 2, "tombstones stay in the history");
    assert.throws(() => c.edit(ana, { messageId: m.id, text: "back" }, T0 + 4), code("INVALID_REQUEST"));
  });

  it("keeps one reaction per user per emoji from the fixed set", () => {
    const c = core();
    const m = c.send(ana, { text: "joke", clientMessageId: "j" }, T0).message!;
    assert.equal(c.react(bo, { messageId: m.id, emoji: "😂", on: true }, T0).message?.reactions["😂"]?.length, 1);
    assert.deepEqual(c.react(bo, { messageId: m.id, emoji: "😂", on: true }, T0).writes, [], "a second identical reaction changes nothing");
    assert.deepEqual(c.react(ana, { messageId: m.id, emoji: "😂", on: true }, T0).message?.reactions, { "😂": ["bo", "ana"] });
    assert.deepEqual(c.react(bo, { messageId: m.id, emoji: "😂", on: false }, T0).message?.reactions, { "😂": ["ana"] });
    assert.throws(() => c.react(bo, { messageId: m.id, emoji: "🚀", on: true }, T0), code("INVALID_REQUEST"));
  });

  it("moves read cursors forward only", () => {
    const c = core();
    const a = c.send(ana, { text: "1", clientMessageId: "1" }, T0).message!;
    const b = c.send(ana, { text: "2", clientMessageId: "2" }, T0 + 1).message!;
    const read = c.read(bo, { upToMessageId: b.id }, T0 + 2);
    assert.deepEqual(read.writes, [{ kind: "read_cursor", userId: "bo", lastReadMessageId: b.id }]);
    assert.deepEqual(read.send[0]?.payload, { userId: "bo", upToMessageId: b.id });
    assert.deepEqual(c.read(bo, { upToMessageId: a.id }, T0 + 3).writes, [], "an older message does not move the cursor back");
    assert.deepEqual(c.readCursors(), { bo: b.id });
  });

  it("stores a correction of a partner's message with its offset from the session start", () => {
    const c = core({ channelId: "9d6c", sessionStart: () => T0 });
    const m = c.send(bo, { text: "I goed to school", clientMessageId: "g" }, T0 + 30_000).message!;
    const fix = c.correct(ana, { messageId: m.id, original: "goed", corrected: "went", note: "irregular verb" }, T0 + 95_500);
    assert.equal(fix.message?.kind, "correction");
    assert.equal(fix.message?.text, "went");
    assert.deepEqual(fix.message?.correction, { messageId: m.id, original: "goed", corrected: "went", note: "irregular verb", offsetSeconds: 95 });
    assert.throws(() => c.correct(ana, { messageId: m.id, original: "gone", corrected: "went" }, T0), code("INVALID_REQUEST"));
    assert.throws(() => c.correct(bo, { messageId: m.id, original: "goed", corrected: "went" }, T0), code("INVALID_REQUEST"), "not one's own message");
    assert.throws(() => c.correct(ana, { messageId: "nope", original: "a", corrected: "b" }, T0), code("MESSAGE_NOT_FOUND"));
  });

  it("applies slow mode to members but not moderators, and mutes for a while", () => {
    const c = core({ slowModeSeconds: 10 });
    c.send(ana, { text: "1", clientMessageId: "1" }, T0);
    assert.throws(() => c.send(ana, { text: "2", clientMessageId: "2" }, T0 + 9_000), (err: unknown) => err instanceof ParleyError && err.code === "RATE_LIMITED" && err.retryAfterSeconds === 1);
    c.send(ana, { text: "2", clientMessageId: "2" }, T0 + 10_000);
    c.send(mod, { text: "a", clientMessageId: "a" }, T0);
    c.send(mod, { text: "b", clientMessageId: "b" }, T0 + 1);
    assert.throws(() => c.mute(ana, { userId: "bo", minutes: 5 }, T0), code("FORBIDDEN"));
    const muted = c.mute(mod, { userId: "bo", minutes: 5 }, T0);
    assert.equal(muted.audit?.action, "chat.mute");
    assert.throws(() => c.send(bo, { text: "let me", clientMessageId: "m" }, T0 + 299_000), code("FORBIDDEN"));
    c.send(bo, { text: "back", clientMessageId: "m" }, T0 + 300_000);
    assert.equal(c.setSlowMode(mod, { seconds: 0 }, T0).writes[0]?.kind, "slow_mode");
    assert.equal(c.slowModeSeconds, 0);
  });

  it("relays typing to the others at most every 2 s per user", () => {
    const c = core();
    assert.deepEqual(c.typing(ana, T0).send, [{ to: "others", userId: "ana", type: "typing", payload: { userId: "ana" } }]);
    assert.deepEqual(c.typing(ana, T0 + 1999).send, []);
    assert.equal(c.typing(bo, T0 + 1).send.length, 1);
    assert.equal(c.typing(ana, T0 + 2000).send.length, 1);
  });

  it("changes nothing when a command is refused", () => {
    const c = core();
    const m = c.send(ana, { text: "keep", clientMessageId: "k" }, T0).message!;
    const before = JSON.stringify(c.history());
    assert.throws(() => c.send(ana, { text: "", clientMessageId: "e" }, T0), code("INVALID_REQUEST"));
    assert.throws(() => c.edit(ana, { messageId: m.id, text: "x".repeat(2001) }, T0), code("INVALID_REQUEST"));
    assert.throws(() => c.react(ana, { messageId: m.id, emoji: "👎", on: true }, T0), code("INVALID_REQUEST"));
    assert.equal(JSON.stringify(c.history()), before);
  });

  it("keeps at most bufferLimit messages and the last 50 as history", () => {
    const c = core({ bufferLimit: 60 });
    for (let i = 0; i < 70; i++) c.send(ana, { text: `m${i}`, clientMessageId: `c${i}` }, T0 + i);
    const h = c.history();
    assert.equal(h.length, 50);
    assert.equal(h[0]?.text, "m20");
    assert.equal(h[49]?.text, "m69");
    assert.equal(c.send(ana, { text: "m0 again", clientMessageId: "c0" }, T0 + 100).duplicate, undefined, "forgotten ids are left to the store's unique index");
  });
});

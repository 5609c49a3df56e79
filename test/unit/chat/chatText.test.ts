import assert from "node:assert/strict";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { assertChannelAccess, dmChannelId, parseChannelId } from "../../../src/chat/channelIds.js";
import { isReactionEmoji, normalizeChatText, resolveMentions } from "../../../src/chat/chatText.js";

function code(c: string) {
  return (err: unknown) => err instanceof ParleyError && err.code === c;
}

describe("chat: text, mentions, emoji, channel ids", () => {
  it("trims, normalizes to NFC and keeps newlines", () => {
    assert.equal(normalizeChatText("  cafe\u0301\r\nbien  "), "caf\u00e9\nbien");
  });

  it("refuses empty, 2001-character and control-character texts with INVALID_REQUEST", () => {
    assert.throws(() => normalizeChatText("   \n "), code("INVALID_REQUEST"));
    assert.equal(normalizeChatText("é".repeat(2000)).length, 2000);
    assert.throws(() => normalizeChatText("a".repeat(2001)), code("INVALID_REQUEST"));
    assert.throws(() => normalizeChatText("bell\u0007"), code("INVALID_REQUEST"));
    assert.throws(() => normalizeChatText("nul\u0000x"), code("INVALID_REQUEST"));
    assert.throws(() => normalizeChatText("tab\tx"), code("INVALID_REQUEST"));
  });

  it("counts characters, not UTF-16 units: 2000 emoji pass", () => {
    assert.equal([...normalizeChatText("🎉".repeat(2000))].length, 2000);
  });

  it("resolves @name and @userId to member ids, longest name first, not inside a longer word", () => {
    const members = [
      { userId: "u1", displayName: "Ann" },
      { userId: "u2", displayName: "Anna Maria" },
      { userId: "u3", displayName: "Bo" },
    ];
    assert.deepEqual(resolveMentions("hi @anna maria and @Ann!", members), ["u2", "u1"]);
    assert.deepEqual(resolveMentions("@Annie @bob @u3 @Ann", members), ["u3", "u1"]);
    assert.deepEqual(resolveMentions("mail ann@example.com", members), []);
  });

  it("accepts only the eight reaction emoji", () => {
    for (const e of ["👍", "❤️", "😂", "😮", "😢", "🙏", "👏", "🎉"]) assert.ok(isReactionEmoji(e));
    assert.ok(!isReactionEmoji("🚀"));
    assert.ok(!isReactionEmoji("❤"));
  });

  it("names DMs with sorted ids and parses only well-formed channel ids", () => {
    assert.equal(dmChannelId("zoe", "adam"), "dm:adam:zoe");
    assert.throws(() => dmChannelId("a", "a"), code("INVALID_REQUEST"));
    assert.deepEqual(parseChannelId("lounge:fr"), { kind: "lounge", languageCode: "fr" });
    assert.deepEqual(parseChannelId("dm:adam:zoe"), { kind: "dm", userIds: ["adam", "zoe"] });
    for (const bad of ["dm:zoe:adam", "lounge:FR", "lounge:", "room:x", 42, "dm:a:b:c"]) assert.throws(() => parseChannelId(bad), code("INVALID_REQUEST"), String(bad));
  });

  it("admits lounge learners and natives, DM pairs who completed a conversation and are not blocked", () => {
    const learner = { userId: "adam", nativeLanguageCode: "fr", levels: { en: "B1" }, roles: [] };
    assert.doesNotThrow(() => assertChannelAccess(parseChannelId("lounge:en"), learner));
    assert.doesNotThrow(() => assertChannelAccess(parseChannelId("lounge:fr"), learner));
    assert.throws(() => assertChannelAccess(parseChannelId("lounge:de"), learner), code("FORBIDDEN"));
    assert.doesNotThrow(() => assertChannelAccess(parseChannelId("lounge:de"), { ...learner, roles: ["moderator"] }));
    const dm = parseChannelId("dm:adam:zoe");
    assert.doesNotThrow(() => assertChannelAccess(dm, learner, { completedTogether: true, blocked: false }));
    assert.throws(() => assertChannelAccess(dm, learner, { completedTogether: true, blocked: true }), code("FORBIDDEN"));
    assert.throws(() => assertChannelAccess(dm, learner, { completedTogether: false, blocked: false }), code("FORBIDDEN"));
    assert.throws(() => assertChannelAccess(dm, { ...learner, userId: "eve" }, { completedTogether: true, blocked: false }), code("FORBIDDEN"));
  });
});

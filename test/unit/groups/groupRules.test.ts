import assert from "node:assert/strict";
import { defaultGroupTopic, INVITE_CODE_ALPHABET, INVITE_CODE_LENGTH, INVITE_CODE_PATTERN, newInviteCode, normalizeInviteCode } from "../../../src/groups/groupRules.js";
import { topicAccess } from "../../../src/topics/topicAccess.js";
import { TopicCatalog } from "../../../src/topics/topicCatalog.js";

describe("group rules (seed 000)", () => {
  describe("invite codes", () => {
    it("draws 8 characters without 0, O, 1, I or L", () => {
      assert.equal(INVITE_CODE_ALPHABET.length, 31);
      assert.doesNotMatch(INVITE_CODE_ALPHABET, /[01OIL]/);
      for (let i = 0; i < 200; i++) {
        const code = newInviteCode();
        assert.equal(code.length, INVITE_CODE_LENGTH);
        assert.match(code, INVITE_CODE_PATTERN);
      }
    });

    it("maps each draw to one character, so every character can appear", () => {
      let next = 0;
      const code = newInviteCode((n) => next++ % n);
      assert.equal(code, INVITE_CODE_ALPHABET.slice(0, 8));
      assert.equal(newInviteCode((n) => n - 1), "Z".repeat(8));
    });

    it("reads a code as a person types it: any case, spaces and dashes ignored", () => {
      assert.equal(normalizeInviteCode(" abcd-efgh "), "ABCDEFGH");
      assert.equal(normalizeInviteCode("ab cd ef gh"), "ABCDEFGH");
      assert.doesNotMatch(normalizeInviteCode("OOOO0000"), INVITE_CODE_PATTERN);
    });
  });

  describe("default topic", () => {
    const catalog = new TopicCatalog();
    const en = catalog.list({ targetLanguageCode: "en" });

    it("picks the most popular open topic at the host's level", () => {
      const topic = defaultGroupTopic(en, "B1", { tier: "premium", skills: [] });
      const b1 = en.filter((t) => t.level === "B1");
      const best = Math.max(...b1.map((t) => t.popularityScore));
      assert.equal(topic?.level, "B1");
      assert.equal(topic?.popularityScore, best);
    });

    it("falls back to lower levels a free learner may open, never a locked topic", () => {
      const topic = defaultGroupTopic(en, "C1", { tier: "free", skills: [] });
      assert.ok(topic && (topic.level === "A2" || topic.level === "A1"), topic?.level);
      assert.equal(topic.level, "A2", "the nearest open level below C1");
      assert.ok(topicAccess(topic, { tier: "free", skills: [] }).unlocked);
    });

    it("finds nothing in a language without topics", () => {
      assert.equal(defaultGroupTopic([], "B1", { tier: "premium", skills: [] }), undefined);
    });
  });
});

import assert from "node:assert/strict";
import { changedSuggestion, feedbackReceived, levelSuggestions, type LevelFeedback, type PartnerLevelFeedback } from "../../../src/session/levelDrift.js";

const feedback = (languageCode: string, ...items: PartnerLevelFeedback[]): LevelFeedback[] => items.map((f) => ({ languageCode, feedback: f }));

describe("level drift (DESIGN §10)", () => {
  it("suggests the next level after 5 sessions with ≥ 70% 'higher', not after 4", () => {
    assert.deepEqual(levelSuggestions(feedback("en", "higher", "higher", "higher", "higher"), { en: "B1" }), []);
    assert.deepEqual(levelSuggestions(feedback("en", "higher", "higher", "higher", "higher", "right"), { en: "B1" }), [
      { languageCode: "en", currentLevel: "B1", suggestedLevel: "B2", evidence: { sessions: 5, higher: 4, right: 1, lower: 0 } },
    ]);
  });

  it("needs 70%: 7 of 10 suggests, 6 of 10 does not", () => {
    const seven = feedback("fr", ...Array<PartnerLevelFeedback>(7).fill("lower"), "right", "right", "higher");
    assert.equal(levelSuggestions(seven, { fr: "B2" })[0]?.suggestedLevel, "B1");
    const six = feedback("fr", ...Array<PartnerLevelFeedback>(6).fill("lower"), "right", "right", "right", "higher");
    assert.deepEqual(levelSuggestions(six, { fr: "B2" }), []);
  });

  it("suggests nothing beyond C2 or below A1, nor for a language without a level", () => {
    const up = feedback("de", "higher", "higher", "higher", "higher", "higher");
    assert.deepEqual(levelSuggestions(up, { de: "C2" }), []);
    assert.deepEqual(levelSuggestions(feedback("de", "lower", "lower", "lower", "lower", "lower"), { de: "A1" }), []);
    assert.deepEqual(levelSuggestions(up, {}), []);
  });

  it("keeps languages apart and sorts them", () => {
    const mixed = [...feedback("fr", "higher", "higher", "higher", "higher", "higher"), ...feedback("en", "lower", "lower", "lower", "lower", "lower")];
    assert.deepEqual(levelSuggestions(mixed, { en: "B1", fr: "A2" }).map((s) => `${s.languageCode}:${s.suggestedLevel}`), ["en:A2", "fr:B1"]);
  });

  describe("feedback received and changes (DESIGN §10)", () => {
    const session = (id: string, me: string, partner: string, fromPartner?: PartnerLevelFeedback, sessionType = "practice") => ({
      id,
      sessionType,
      participants: [{ userId: me, targetLanguageCode: "en" }, { userId: partner, targetLanguageCode: "fr" }],
      ratings: [
        { userId: me, partnerLevelFeedback: "lower" as const },
        ...(fromPartner ? [{ userId: partner, partnerLevelFeedback: fromPartner }] : []),
      ],
    });

    it("reads only the partner's feedback, about my own target language, in pair sessions", () => {
      const sessions = [
        session("s1", "me", "p1", "higher"),
        session("s2", "me", "p2"),
        session("s3", "me", "p3", "right", "group"),
        session("s4", "p4", "me", "lower"),
      ];
      assert.deepEqual(feedbackReceived(sessions, "me"), [
        { languageCode: "en", feedback: "higher" },
        { languageCode: "fr", feedback: "lower" },
      ]);
    });

    it("reports a suggestion only when it is new or names another level", () => {
      const up = levelSuggestions(feedback("en", "higher", "higher", "higher", "higher", "higher"), { en: "B1" });
      const down = levelSuggestions(feedback("en", "lower", "lower", "lower", "lower", "lower"), { en: "B1" });
      assert.equal(changedSuggestion([], up, "en")?.suggestedLevel, "B2");
      assert.equal(changedSuggestion(up, up, "en"), undefined);
      assert.equal(changedSuggestion(up, down, "en")?.suggestedLevel, "A2");
      assert.equal(changedSuggestion(up, [], "en"), undefined, "a suggestion that goes away is not announced");
      assert.equal(changedSuggestion([], up, "fr"), undefined);
    });
  });
});

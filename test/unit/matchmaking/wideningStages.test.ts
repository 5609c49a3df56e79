import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import { CEFR_LEVELS, type CefrLevel } from "../../../src/topics/cefr.js";
import type { PreferredPartnerLevel } from "../../../src/matchmaking/ticket.js";
import {
  compatible,
  evaluatePair,
  guardrailWindow,
  levelWindow,
  withinLevelGuardrails,
  pairStage,
  stageFor,
  stageStartSeconds,
  validateBoundaries,
  WIDENING_STAGES,
  type CompatibilityContext,
  type WideningStage,
} from "../../../src/matchmaking/wideningStages.js";
import { practiceTicket, resetTicketIds, tandemTicket } from "./ticketFixtures.js";

/** compatible() in both argument orders, asserting they agree. */
function symmetricCompatible(
  a: Parameters<typeof compatible>[0],
  b: Parameters<typeof compatible>[1],
  stage: WideningStage,
  ctx: CompatibilityContext = {},
): boolean {
  const forward = compatible(a, b, stage, ctx);
  assert.equal(compatible(b, a, stage, ctx), forward, "compatible must be symmetric");
  return forward;
}

describe("widening stages", () => {
  beforeEach(resetTicketIds);

  describe("stageFor", () => {
    const cases: [number, WideningStage][] = [
      [0, "strict"],
      [29.9, "strict"],
      [30, "level_1"],
      [59.9, "level_1"],
      [60, "same_category"],
      [119.9, "same_category"],
      [120, "any_level"],
      [600, "any_level"],
    ];
    for (const [seconds, stage] of cases) {
      it(`is ${stage} after ${seconds} s (each boundary belongs to the wider stage)`, () => {
        assert.equal(stageFor(seconds), stage);
      });
    }

    it("follows configured boundaries", () => {
      const boundaries = { strictSeconds: 5, levelSeconds: 10, categorySeconds: 20 };
      assert.equal(stageFor(4.9, boundaries), "strict");
      assert.equal(stageFor(5, boundaries), "level_1");
      assert.equal(stageFor(10, boundaries), "same_category");
      assert.equal(stageFor(20, boundaries), "any_level");
      assert.equal(stageStartSeconds("same_category", boundaries), 10);
    });

    it("refuses decreasing, negative or non-finite boundaries with INVALID_REQUEST", () => {
      for (const bad of [
        { strictSeconds: 60, levelSeconds: 30, categorySeconds: 120 },
        { strictSeconds: -1, levelSeconds: 30, categorySeconds: 120 },
        { strictSeconds: 30, levelSeconds: 60, categorySeconds: Number.NaN },
      ]) {
        assert.throws(() => validateBoundaries(bad), (err: unknown) => isParleyError(err) && err.code === "INVALID_REQUEST");
      }
    });

    it("judges a pair by the longer wait of the two (ms in, stage out)", () => {
      const old = practiceTicket({ createdAt: 0 });
      const young = practiceTicket({ createdAt: 50_000 });
      assert.equal(pairStage(old, young, 59_900), "level_1"); // old 59.9 s, young 9.9 s
      assert.equal(pairStage(young, old, 60_000), "same_category"); // old 60 s
      assert.equal(pairStage(young, old, 120_000), "any_level");
    });
  });

  describe("levelWindow", () => {
    it("clamps to A1…C2", () => {
      assert.deepEqual(levelWindow({ level: "A1", preferredPartnerLevel: "same" }, "level_1"), { min: 0, max: 1 });
      assert.deepEqual(levelWindow({ level: "C2", preferredPartnerLevel: "higher" }, "any_level"), { min: 5, max: 5 });
    });
  });

  describe("hard rules (every stage)", () => {
    for (const stage of WIDENING_STAGES) {
      it(`never pairs a user with themself (${stage})`, () => {
        const a = practiceTicket({ userId: "alice" });
        const b = practiceTicket({ userId: "alice" });
        assert.equal(symmetricCompatible(a, b, stage), false);
        assert.deepEqual(evaluatePair(a, b, stage), { compatible: false, reason: "same_user" });
        assert.deepEqual(evaluatePair(a, a, stage), { compatible: false, reason: "same_ticket" });
      });

      it(`never pairs a blocked pair, whoever blocked whom (${stage})`, () => {
        const a = practiceTicket({ userId: "alice" });
        const b = practiceTicket({ userId: "bob" });
        const aliceBlockedBob: CompatibilityContext = { isBlocked: (x, y) => x === "alice" && y === "bob" };
        const bobBlockedAlice: CompatibilityContext = { isBlocked: (x, y) => x === "bob" && y === "alice" };
        assert.equal(symmetricCompatible(a, b, stage, aliceBlockedBob), false);
        assert.equal(symmetricCompatible(a, b, stage, bobBlockedAlice), false);
        assert.equal(symmetricCompatible(a, b, stage), true);
      });

      it(`pairs a reciprocal tandem and refuses a non-reciprocal one (${stage})`, () => {
        const frLearningEn = tandemTicket("fr", "en");
        const enLearningFr = tandemTicket("en", "fr");
        const anotherFrLearningEn = tandemTicket("fr", "en");
        assert.equal(symmetricCompatible(frLearningEn, enLearningFr, stage), true);
        assert.equal(symmetricCompatible(frLearningEn, anotherFrLearningEn, stage), false);
        assert.deepEqual(evaluatePair(frLearningEn, anotherFrLearningEn, stage), { compatible: false, reason: "not_reciprocal" });
      });

      it(`refuses tickets of different queues or session types (${stage})`, () => {
        assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ queue: "fr", targetLanguageCode: "fr" }), stage), false);
        assert.equal(symmetricCompatible(practiceTicket({ queue: "en+fr" }), tandemTicket("en", "fr"), stage), false);
      });
    }

    it("asks hadRecentConversation once, with the user ids in ascending order", () => {
      const calls: string[][] = [];
      const ctx: CompatibilityContext = {
        hadRecentConversation: (x, y) => {
          calls.push([x, y]);
          return false;
        },
      };
      evaluatePair(practiceTicket({ userId: "zoe" }), practiceTicket({ userId: "adam" }), "strict", ctx);
      assert.deepEqual(calls, [["adam", "zoe"]]);
    });
  });

  describe("strict stage", () => {
    it("pairs the same level and topic", () => {
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket(), "strict"), true);
    });

    it("refuses a level difference of 1 and another topic", () => {
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "B2" }), "strict"), false);
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ topicCode: "travel.hotel" }), "strict"), false);
    });

    it("requires a stated partner native language (practice), checked for both tickets", () => {
      const wantsEs = practiceTicket({ preferredPartnerNativeLanguageCode: "es" });
      assert.equal(symmetricCompatible(wantsEs, practiceTicket({ nativeLanguageCode: "de" }), "strict"), false);
      assert.deepEqual(evaluatePair(wantsEs, practiceTicket({ nativeLanguageCode: "de" }), "strict"), {
        compatible: false,
        reason: "partner_native_language",
      });
      assert.equal(symmetricCompatible(wantsEs, practiceTicket({ nativeLanguageCode: "es" }), "strict"), true);
      const esWantsIt = practiceTicket({ nativeLanguageCode: "es", preferredPartnerNativeLanguageCode: "it" });
      assert.equal(symmetricCompatible(wantsEs, esWantsIt, "strict"), false, "the other side's preference must hold too");
    });

    it("requires a stated preferred accent, checked for both tickets", () => {
      const wantsGb = practiceTicket({ preferredAccent: "en-GB" });
      assert.equal(symmetricCompatible(wantsGb, practiceTicket(), "strict"), false, "no accent stated ≠ en-GB");
      assert.equal(symmetricCompatible(wantsGb, practiceTicket({ accent: "en-US" }), "strict"), false);
      assert.equal(symmetricCompatible(wantsGb, practiceTicket({ accent: "en-GB" }), "strict"), true);
      const gbWantsUs = practiceTicket({ accent: "en-GB", preferredAccent: "en-US" });
      assert.equal(symmetricCompatible(wantsGb, gbWantsUs, "strict"), false);
    });

    it("has no score floor (the seed's unreachable ≥ 100 is replaced by constraints)", () => {
      assert.equal(
        symmetricCompatible(practiceTicket(), practiceTicket(), "strict", { hadRecentConversation: () => true, minCompatibilityScore: 500 }),
        true,
      );
    });
  });

  describe("level_1 stage", () => {
    it("accepts one level apart on the same topic, not two, not another topic", () => {
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "B2" }), "level_1"), true);
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "A2" }), "level_1"), true);
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "C1" }), "level_1"), false);
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ topicCode: "travel.hotel" }), "level_1"), false);
    });

    it("turns the accent and partner-native preferences into score only", () => {
      const picky = practiceTicket({ preferredAccent: "en-GB", preferredPartnerNativeLanguageCode: "es" });
      assert.equal(symmetricCompatible(picky, practiceTicket({ accent: "en-US", nativeLanguageCode: "de" }), "level_1"), true);
    });

    it("refuses a pair below MIN_COMPATIBILITY_SCORE (default 50)", () => {
      const recent: CompatibilityContext = { hadRecentConversation: () => true };
      // one level apart, talked recently: 30 < 50
      assert.deepEqual(evaluatePair(practiceTicket(), practiceTicket({ level: "B2" }), "level_1", recent), {
        compatible: false,
        reason: "score_below_minimum",
      });
      // one level apart, not recently: 30 + 30 = 60 ≥ 50
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "B2" }), "level_1"), true);
      // the floor is configurable
      assert.equal(
        symmetricCompatible(practiceTicket(), practiceTicket({ level: "B2" }), "level_1", { ...recent, minCompatibilityScore: 30 }),
        true,
      );
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket(), "level_1", { minCompatibilityScore: 81 }), false);
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket(), "level_1", { minCompatibilityScore: 80 }), true);
    });
  });

  describe("same_category stage", () => {
    it("accepts any topic of the same category, one level apart, not another category", () => {
      const hotelB2 = practiceTicket({ topicCode: "travel.hotel", level: "B2" });
      assert.equal(symmetricCompatible(practiceTicket(), hotelB2, "same_category"), true);
      const work = practiceTicket({ topicCode: "work.interview", topicCategory: "work" });
      assert.equal(symmetricCompatible(practiceTicket(), work, "same_category"), false);
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "C1" }), "same_category"), false);
    });

    it("keeps the score floor", () => {
      const recent: CompatibilityContext = { hadRecentConversation: () => true };
      assert.equal(symmetricCompatible(practiceTicket(), practiceTicket({ level: "B2" }), "same_category", recent), false);
    });
  });

  describe("any_level stage", () => {
    it("accepts any level within the guardrails and any topic of the queue, with no score floor", () => {
      const far = practiceTicket({ level: "C1", topicCode: "work.interview", topicCategory: "work" });
      const b1 = practiceTicket({ level: "B1" });
      const ctx: CompatibilityContext = { hadRecentConversation: () => true };
      assert.equal(symmetricCompatible(b1, far, "any_level", ctx), true);
      assert.equal(symmetricCompatible(b1, far, "same_category", ctx), false);
      assert.deepEqual(evaluatePair(practiceTicket({ level: "A1" }), practiceTicket({ level: "C2" }), "any_level"), { compatible: false, reason: "level_guardrail" });
    });

    it("still applies the hard rules", () => {
      assert.equal(symmetricCompatible(practiceTicket({ userId: "x" }), practiceTicket({ userId: "x", level: "C2" }), "any_level"), false);
      assert.equal(symmetricCompatible(tandemTicket("fr", "en"), tandemTicket("fr", "en"), "any_level"), false);
    });
  });

  describe("preferredPartnerLevel", () => {
    // Partner level relative to a B1 ticket → compatible?, per stage. The partner says "any" so
    // only the first ticket's rule is under test; the score floor is 0 to isolate the level rule.
    const offsets: [CefrLevel, number][] = [["A1", -2], ["A2", -1], ["B1", 0], ["B2", 1], ["C1", 2]];
    const expected: Record<PreferredPartnerLevel, Record<WideningStage, number[]>> = {
      // A1 (−2) is never accepted: a beginner pairs at most one level away (DESIGN §10 guardrails).
      same: { strict: [0], level_1: [-1, 0, 1], same_category: [-1, 0, 1], any_level: [-1, 0, 1, 2] },
      higher: { strict: [0], level_1: [0, 1], same_category: [0, 1], any_level: [0, 1, 2] },
      lower: { strict: [0], level_1: [-1, 0], same_category: [-1, 0], any_level: [-1, 0] },
      any: { strict: [-1, 0, 1, 2], level_1: [-1, 0, 1, 2], same_category: [-1, 0, 1, 2], any_level: [-1, 0, 1, 2] },
    };
    for (const preference of ["same", "higher", "lower", "any"] as const) {
      for (const stage of WIDENING_STAGES) {
        it(`${preference} at ${stage} accepts partner offsets ${expected[preference][stage].join(", ")}`, () => {
          const me = practiceTicket({ level: "B1", preferredPartnerLevel: preference });
          const accepted = offsets
            .filter(([level]) => symmetricCompatible(me, practiceTicket({ level, preferredPartnerLevel: "any" }), stage, { minCompatibilityScore: 0 }))
            .map(([, offset]) => offset);
          assert.deepEqual(accepted, expected[preference][stage]);
        });
      }
    }

    it("requires both tickets' level rules to hold", () => {
      const b1Higher = practiceTicket({ level: "B1", preferredPartnerLevel: "higher" });
      const b2Higher = practiceTicket({ level: "B2", preferredPartnerLevel: "higher" });
      assert.equal(symmetricCompatible(b1Higher, b2Higher, "level_1"), false, "B2 wants at/above B2");
      const b2Lower = practiceTicket({ level: "B2", preferredPartnerLevel: "lower" });
      assert.equal(symmetricCompatible(b1Higher, b2Lower, "level_1"), true);
      const c1Same = practiceTicket({ level: "C1" });
      assert.equal(symmetricCompatible(b1Higher, c1Same, "level_1", { minCompatibilityScore: 0 }), false);
      assert.equal(symmetricCompatible(b1Higher, c1Same, "any_level"), true);
    });

    it("the windows of 'any' are the guardrails: A1 A1–A2, A2 A1–B1, B1 A2–C1, B2 B1–C2, C1 B1–C2, C2 B2–C2", () => {
      const expected = [[0, 1], [0, 2], [1, 4], [2, 5], [2, 5], [3, 5]];
      CEFR_LEVELS.forEach((level, i) => {
        const [min, max] = expected[i] ?? [];
        assert.deepEqual(levelWindow({ level, preferredPartnerLevel: "any" }, "strict"), { min, max }, level);
      });
    });
  });

  describe("level guardrails (DESIGN §10)", () => {
    it("withinLevelGuardrails agrees with guardrailWindow for every pair of levels and gaps 1–5", () => {
      for (let gap = 1; gap <= 5; gap++) {
        for (let a = 0; a < CEFR_LEVELS.length; a++) {
          const w = guardrailWindow(a, gap);
          for (let b = 0; b < CEFR_LEVELS.length; b++) {
            assert.equal(withinLevelGuardrails(a, b, gap), b >= w.min && b <= w.max, `gap ${gap}: ${a}–${b}`);
            assert.equal(withinLevelGuardrails(a, b, gap), withinLevelGuardrails(b, a, gap), "symmetric");
          }
        }
      }
    });

    it("allows gap 2 between B1 and C1 but not gap 3; never A1 with B2 or C2", () => {
      assert.equal(withinLevelGuardrails(2, 4), true);
      assert.equal(withinLevelGuardrails(2, 5), false);
      assert.equal(withinLevelGuardrails(0, 3), false);
      assert.equal(withinLevelGuardrails(0, 5), false);
      assert.equal(withinLevelGuardrails(0, 2), false, "A1–B1: a beginner widens one level at most");
      assert.equal(withinLevelGuardrails(1, 2), true, "A2–B1");
    });
  });
});

import assert from "node:assert/strict";
import { isParleyError, type ErrorCode } from "../../../src/errors/errorCodes.js";
import { Matcher, type MatchResult } from "../../../src/matchmaking/matcher.js";
import { evaluatePair, pairStage, type WideningStage } from "../../../src/matchmaking/wideningStages.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";
import { practiceTicket, resetTicketIds, tandemTicket } from "./ticketFixtures.js";

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => isParleyError(err) && err.code === code);
}

function pairIds(result: MatchResult | null | undefined): [string, string] | undefined {
  return result ? [result.tickets[0].id, result.tickets[1].id] : undefined;
}

describe("Matcher", () => {
  beforeEach(resetTicketIds);

  describe("arrivals", () => {
    it("queues a ticket that finds no partner", () => {
      const matcher = new Matcher();
      const a = practiceTicket();
      assert.equal(matcher.add(a, 0), null);
      assert.equal(matcher.size, 1);
      assert.equal(matcher.waitingCount(), 1);
      assert.equal(matcher.waitingCount("en"), 1);
      assert.equal(matcher.waitingCount("fr"), 0);
      assert.equal(matcher.has(a.id), true);
      assert.equal(matcher.get(a.id), a);
      assert.equal(matcher.byUser(a.userId), a);
      assert.equal(matcher.stageOf(a.id, 30_000), "level_1");
    });

    it("matches an arrival at once with a compatible waiting ticket, older first, and empties the queue", () => {
      const matcher = new Matcher();
      const a = practiceTicket({ createdAt: 0 });
      const b = practiceTicket({ createdAt: 1000 });
      matcher.add(a, 0);
      const result = matcher.add(b, 1000);
      assert.ok(result);
      assert.deepEqual(pairIds(result), [a.id, b.id]);
      assert.equal(result.score, 80); // same level 50 + no recent conversation 30
      assert.equal(result.levelDifference, 0);
      assert.equal(result.stage, "strict");
      assert.equal(result.topicCode, "travel.airport");
      assert.equal(result.estimatedLevelDifference, undefined);
      assert.equal(result.matchedAt, 1000);
      assert.equal(matcher.size, 0);
      assert.equal(matcher.has(a.id), false);
      assert.equal(matcher.has(b.id), false);
    });

    it("lets the best score win over an older ticket", () => {
      // plain and premium block each other so both can wait side by side
      const matcher = new Matcher({ isBlocked: (x, y) => x === "plain" && y === "premium" });
      const plain = practiceTicket({ createdAt: 0, userId: "plain" });
      const premium = practiceTicket({ createdAt: 500, userId: "premium", premium: true });
      matcher.add(plain, 0);
      matcher.add(premium, 500);
      const arrival = practiceTicket({ createdAt: 1000 });
      const result = matcher.add(arrival, 1000);
      assert.deepEqual(pairIds(result), [premium.id, arrival.id]);
      assert.equal(result?.score, 130); // 50 level + 30 no recent conversation + 50 premium, vs 80
      assert.equal(matcher.has(plain.id), true);
    });

    it("breaks score ties FIFO: earliest createdAt, then smallest id — not insertion order", () => {
      const isBlocked = (x: string, y: string): boolean => x.startsWith("w") && y.startsWith("w");
      const matcher = new Matcher({ isBlocked });
      const later = practiceTicket({ userId: "w-later", createdAt: 2000 });
      const earlierB = practiceTicket({ id: "b", userId: "w-b", createdAt: 1000 });
      const earlierA = practiceTicket({ id: "a", userId: "w-a", createdAt: 1000 });
      matcher.add(later, 2000);
      matcher.add(earlierB, 2000);
      matcher.add(earlierA, 2000);
      assert.equal(matcher.size, 3);
      assert.deepEqual(pairIds(matcher.add(practiceTicket({ createdAt: 2000 }), 2000)), ["a", "t004"]);
      assert.deepEqual(pairIds(matcher.add(practiceTicket({ createdAt: 2000 }), 2000)), ["b", "t005"]);
      assert.deepEqual(pairIds(matcher.add(practiceTicket({ createdAt: 2000 }), 2000)), [later.id, "t006"]);
    });

    it("judges a pair at the stage of the longer wait: a new arrival meets an old ticket's widened stage", () => {
      const matcher = new Matcher();
      const old = practiceTicket({ level: "B1", createdAt: 0 });
      matcher.add(old, 0);
      assert.equal(matcher.add(practiceTicket({ level: "B2", createdAt: 29_900 }), 29_900), null, "29.9 s: strict");
      const matcher2 = new Matcher();
      matcher2.add(old, 0);
      const result = matcher2.add(practiceTicket({ level: "B2", createdAt: 30_000 }), 30_000);
      assert.equal(result?.stage, "level_1");
      assert.equal(result?.levelDifference, 1);
    });

    it("pairs a reciprocal tandem (+100) and leaves a non-reciprocal one waiting", () => {
      const matcher = new Matcher();
      const frLearningEn = tandemTicket("fr", "en");
      matcher.add(frLearningEn, 0);
      assert.equal(matcher.add(tandemTicket("fr", "en"), 0), null);
      const result = matcher.add(tandemTicket("en", "fr"), 0);
      assert.deepEqual(pairIds(result), [frLearningEn.id, "t003"]);
      assert.equal(result?.score, 180);
      assert.equal(matcher.size, 1);
    });

    it("never pairs a blocked pair, even at any_level", () => {
      const matcher = new Matcher({ isBlocked: (x, y) => x === "bob" && y === "alice" });
      matcher.add(practiceTicket({ userId: "alice" }), 0);
      assert.equal(matcher.add(practiceTicket({ userId: "bob" }), 0), null);
      const { matches } = matcher.tick(300_000);
      assert.deepEqual(matches, []);
      assert.equal(matcher.size, 2);
    });

    it("refuses a second active ticket of the same user with ALREADY_MATCHED", () => {
      const matcher = new Matcher();
      matcher.add(practiceTicket({ userId: "alice" }), 0);
      throwsCode(() => matcher.add(practiceTicket({ userId: "alice" }), 0), "ALREADY_MATCHED");
      assert.equal(matcher.size, 1);
    });

    it("refuses an expired ticket (MATCH_EXPIRED), a duplicate id and an inverted expiry (INVALID_REQUEST)", () => {
      const matcher = new Matcher();
      throwsCode(() => matcher.add(practiceTicket({ expiresAt: 120_000 }), 120_000), "MATCH_EXPIRED");
      const a = practiceTicket();
      matcher.add(a, 0);
      throwsCode(() => matcher.add({ ...a, userId: "other" }, 0), "INVALID_REQUEST");
      throwsCode(() => matcher.add(practiceTicket({ createdAt: 10, expiresAt: 10 }), 0), "INVALID_REQUEST");
    });

    it("refuses invalid options with INVALID_REQUEST", () => {
      throwsCode(() => new Matcher({ boundaries: { strictSeconds: 90 } }), "INVALID_REQUEST");
      throwsCode(() => new Matcher({ minCompatibilityScore: Number.NaN }), "INVALID_REQUEST");
    });

    it("does not match a waiting ticket that has expired but was not swept yet", () => {
      const matcher = new Matcher();
      matcher.add(practiceTicket({ expiresAt: 10_000 }), 0);
      assert.equal(matcher.add(practiceTicket({ createdAt: 10_000 }), 10_000), null);
      assert.equal(matcher.size, 2);
    });
  });

  describe("enqueue", () => {
    it("queues without searching; the next tick pairs the enqueued tickets oldest first", () => {
      const matcher = new Matcher();
      const oldest = practiceTicket({ createdAt: 0 });
      const middle = practiceTicket({ createdAt: 1000 });
      const premium = practiceTicket({ createdAt: 2000, premium: true });
      for (const t of [premium, middle, oldest]) matcher.enqueue(t, 3000);
      assert.equal(matcher.size, 3, "no search at enqueue");
      const { matches, widened } = matcher.tick(3000);
      assert.deepEqual(matches.map(pairIds), [[oldest.id, premium.id]], "the oldest chooses first, and takes the best score");
      assert.deepEqual(widened, [], "an enqueued ticket still at strict has not widened");
      assert.equal(matcher.has(middle.id), true);
    });

    it("reports an enqueued ticket past the strict stage as widened when the tick finds nobody", () => {
      const matcher = new Matcher();
      const restored = practiceTicket({ createdAt: 0 });
      matcher.enqueue(restored, 70_000);
      assert.deepEqual(matcher.tick(70_000).widened, [{ ticket: restored, stage: "same_category" }]);
      assert.deepEqual(matcher.tick(71_000).widened, []);
    });

    it("applies the arrival rules of add", () => {
      const matcher = new Matcher();
      matcher.enqueue(practiceTicket({ userId: "alice" }), 0);
      throwsCode(() => matcher.enqueue(practiceTicket({ userId: "alice" }), 0), "ALREADY_MATCHED");
      throwsCode(() => matcher.enqueue(practiceTicket({ expiresAt: 5 }), 5), "MATCH_EXPIRED");
    });
  });

  describe("remove", () => {
    it("cancels a waiting ticket; its deadlines do nothing afterwards", () => {
      const matcher = new Matcher();
      const a = practiceTicket({ expiresAt: 60_000 });
      matcher.add(a, 0);
      assert.equal(matcher.remove(a.id), a);
      assert.equal(matcher.remove(a.id), undefined);
      assert.deepEqual(matcher.tick(60_000), { matches: [], expired: [], widened: [] });
      assert.equal(matcher.byUser(a.userId), undefined);
      matcher.add(practiceTicket({ userId: a.userId }), 61_000); // the user may queue again
    });
  });

  describe("tick", () => {
    it("expires tickets with expiresAt ≤ now, oldest first", () => {
      const matcher = new Matcher();
      const later = practiceTicket({ createdAt: 1000, expiresAt: 30_000, topicCode: "travel.hotel" });
      const earlier = practiceTicket({ createdAt: 0, expiresAt: 30_000, level: "C2" });
      matcher.add(later, 1000);
      matcher.add(earlier, 1000);
      assert.deepEqual(matcher.tick(29_999).expired, []);
      assert.deepEqual(matcher.tick(30_000).expired, [earlier, later]);
      assert.equal(matcher.size, 0);
    });

    it("expires before it matches: a ticket expiring at the widening instant is not paired", () => {
      const matcher = new Matcher();
      const a = practiceTicket({ level: "B1", expiresAt: 30_000 });
      const b = practiceTicket({ level: "B2" });
      matcher.add(a, 0);
      matcher.add(b, 0);
      const result = matcher.tick(30_000);
      assert.deepEqual(result.expired, [a]);
      assert.deepEqual(result.matches, []);
      assert.equal(matcher.has(b.id), true);
    });

    const boundaries: { name: string; before: number; at: number; other: Partial<Ticket>; stage: WideningStage }[] = [
      { name: "30 s: one level apart", before: 29_900, at: 30_000, other: { level: "B2" }, stage: "level_1" },
      {
        name: "60 s: another topic of the category",
        before: 59_900,
        at: 60_000,
        other: { topicCode: "travel.hotel" },
        stage: "same_category",
      },
      {
        name: "120 s: two levels apart",
        before: 119_900,
        at: 120_000,
        other: { level: "C1" },
        stage: "any_level",
      },
    ];
    for (const { name, before, at, other, stage } of boundaries) {
      it(`widens at ${name} (not at ${before / 1000} s)`, () => {
        const matcher = new Matcher();
        matcher.add(practiceTicket({ createdAt: 0 }), 0);
        matcher.add(practiceTicket({ createdAt: 0, ...other }), 0);
        assert.deepEqual(matcher.tick(before).matches, []);
        const { matches } = matcher.tick(at);
        assert.equal(matches.length, 1);
        assert.equal(matches[0]?.stage, stage);
        assert.equal(matcher.size, 0);
      });
    }

    it("widens on configured boundaries", () => {
      const matcher = new Matcher({ boundaries: { strictSeconds: 5, levelSeconds: 10, categorySeconds: 20 } });
      matcher.add(practiceTicket(), 0);
      matcher.add(practiceTicket({ level: "B2" }), 0);
      assert.deepEqual(matcher.tick(4_999).matches, []);
      assert.equal(matcher.tick(5_000).matches[0]?.stage, "level_1");
    });

    it("at same_category the session takes the older ticket's topic", () => {
      const matcher = new Matcher();
      const olderHotel = practiceTicket({ topicCode: "travel.hotel", createdAt: 0 });
      const newerAirport = practiceTicket({ topicCode: "travel.airport", createdAt: 10_000 });
      matcher.add(newerAirport, 10_000); // queued first, but created later
      matcher.add(olderHotel, 10_000);
      const [match] = matcher.tick(60_000).matches;
      assert.deepEqual(pairIds(match), [olderHotel.id, newerAirport.id]);
      assert.equal(match?.topicCode, "travel.hotel");
    });

    it("sets estimatedLevelDifference on every any_level match, and only there", () => {
      const matcher = new Matcher();
      matcher.add(practiceTicket({ level: "B1" }), 0);
      matcher.add(practiceTicket({ level: "C1" }), 0);
      const [far] = matcher.tick(120_000).matches;
      assert.equal(far?.estimatedLevelDifference, 2);
      assert.equal(far?.levelDifference, 2);
      assert.equal(far?.score, 30);

      matcher.add(practiceTicket({ createdAt: 0 }), 0);
      matcher.add(practiceTicket({ createdAt: 0, topicCode: "work.meeting", topicCategory: "work" }), 0);
      const [sameLevel] = matcher.tick(120_000).matches;
      assert.equal(sameLevel?.stage, "any_level");
      assert.equal(sameLevel?.estimatedLevelDifference, 0);
    });

    it("never pairs beyond the level guardrails, however long they wait (DESIGN §10)", () => {
      const matcher = new Matcher();
      const a1 = practiceTicket({ level: "A1" });
      matcher.add(a1, 0);
      matcher.add(practiceTicket({ level: "B2" }), 0);
      assert.deepEqual(matcher.tick(599_000).matches, [], "A1–B2");
      const c2 = practiceTicket({ level: "C2", createdAt: 500_000 });
      const match = matcher.add(c2, 599_000);
      assert.deepEqual(match?.tickets.map((t) => t.level), ["B2", "C2"], "C2 takes the B2 (2 apart), never the A1");
    });

    it("pairs at gap 2 but not 3 above A2, and an A2 only one level away", () => {
      const matcher = new Matcher();
      matcher.add(practiceTicket({ level: "A2" }), 0);
      matcher.add(practiceTicket({ level: "B2" }), 0);
      assert.deepEqual(matcher.tick(300_000).matches, [], "A2–B2: a beginner widens one level at most");
      const withB1 = matcher.add(practiceTicket({ level: "B1", createdAt: 300_000 }), 300_000);
      assert.equal(withB1?.levelDifference, 1);
      assert.equal(withB1?.tickets[0].level, "A2");
    });

    it("takes MATCH_MAX_LEVEL_GAP: with 1, B1 never meets C1", () => {
      const matcher = new Matcher({ maxLevelGap: 1 });
      matcher.add(practiceTicket({ level: "B1" }), 0);
      matcher.add(practiceTicket({ level: "C1" }), 0);
      assert.deepEqual(matcher.tick(300_000).matches, []);
      assert.throws(() => new Matcher({ maxLevelGap: 0 }), /maxLevelGap/);
    });

    it("applies the score floor at level_1 and lifts it at any_level", () => {
      const matcher = new Matcher({ hadRecentConversation: () => true });
      matcher.add(practiceTicket({ level: "B1" }), 0);
      matcher.add(practiceTicket({ level: "B2" }), 0);
      assert.deepEqual(matcher.tick(30_000).matches, [], "30 < 50");
      assert.deepEqual(matcher.tick(60_000).matches, []);
      const [match] = matcher.tick(120_000).matches;
      assert.equal(match?.score, 30);
      assert.equal(match?.stage, "any_level");
    });

    it("honours preferredPartnerLevel 'higher' while widening", () => {
      const matcher = new Matcher();
      const wantsHigher = practiceTicket({ level: "B1", preferredPartnerLevel: "higher" });
      const lowerPartner = practiceTicket({ level: "A2" });
      matcher.add(wantsHigher, 0);
      matcher.add(lowerPartner, 0);
      assert.deepEqual(matcher.tick(300_000).matches, [], "A2 is below B1 even at any_level");
      assert.equal(matcher.add(practiceTicket({ level: "C2", createdAt: 300_000 }), 300_000), null, "C2 is three above B1: beyond the guardrail");
      const match = matcher.add(practiceTicket({ level: "C1", createdAt: 300_000 }), 300_000);
      assert.deepEqual(pairIds(match), [wantsHigher.id, "t004"], "C1 is above B1: accepted at any_level");
      assert.equal(match?.estimatedLevelDifference, 2);
    });

    it("reports each widening once and searches again only on a new stage", () => {
      const matcher = new Matcher();
      const alone = practiceTicket();
      matcher.add(alone, 0);
      assert.deepEqual(matcher.tick(30_000).widened, [{ ticket: alone, stage: "level_1" }]);
      assert.deepEqual(matcher.tick(31_000).widened, []);
      assert.deepEqual(matcher.tick(130_000).widened, [{ ticket: alone, stage: "any_level" }], "a jump over two stages reports the last");
      assert.deepEqual(matcher.tick(200_000).widened, []);
      assert.deepEqual(matcher.tick(600_000).expired, [alone]);
    });

    it("lets the oldest due ticket choose first", () => {
      const isBlocked = (x: string, y: string): boolean => x.startsWith("young") && y.startsWith("young");
      const matcher = new Matcher({ isBlocked });
      const oldest = practiceTicket({ userId: "old", level: "B2", createdAt: 0 });
      const youngA = practiceTicket({ userId: "young-a", level: "B1", createdAt: 5_000 });
      const youngB = practiceTicket({ userId: "young-b", level: "C1", createdAt: 6_000 });
      for (const t of [youngB, youngA, oldest]) matcher.add(t, 6_000);
      const { matches } = matcher.tick(36_000); // all three reached level_1
      assert.deepEqual(matches.map(pairIds), [[oldest.id, youngA.id]]);
      assert.equal(matcher.has(youngB.id), true);
    });
  });

  describe("search cost", () => {
    const fillerBlocked = (x: string, y: string): boolean => x.startsWith("filler") && y.startsWith("filler");
    const topics = Array.from({ length: 40 }, (_, i) => ({
      topicCode: `topic.${i}`,
      topicCategory: (["daily_life", "travel", "work", "hobbies", "culture"] as const)[i % 5] ?? "culture",
    }));

    /** 3 mutually blocked tickets in B1/travel.airport plus `others` tickets in other buckets. */
    function crowdedMatcher(others: number, now: number, oldOutsider: boolean): Matcher {
      const matcher = new Matcher({ isBlocked: fillerBlocked });
      const expiresAt = now + 600_000;
      for (let i = 0; i < 3; i += 1) {
        matcher.add(practiceTicket({ userId: `filler-own-${i}`, createdAt: now - 10_000 + i, expiresAt }), now);
      }
      const otherLevels = ["A1", "A2", "B2", "C1", "C2"] as const;
      for (let i = 0; i < others; i += 1) {
        const topic = topics[i % topics.length];
        assert.ok(topic);
        const level = otherLevels[i % otherLevels.length] ?? "A1";
        matcher.add(practiceTicket({ userId: `filler-${i}`, level, ...topic, createdAt: now - 25_000 + (i % 25_000), expiresAt }), now);
      }
      if (oldOutsider) {
        const old = { userId: "filler-old", level: "C2", topicCode: "work.x", topicCategory: "work", createdAt: now - 130_000 } as const;
        matcher.add(practiceTicket({ ...old, expiresAt }), now);
      }
      return matcher;
    }

    function visitsOfArrival(matcher: Matcher, now: number): number {
      assert.equal(matcher.add(practiceTicket({ userId: "filler-arrival", createdAt: now, expiresAt: now + 600_000 }), now), null);
      return matcher.lastSearchVisits;
    }

    it("visits the same number of tickets with 10 000 tickets in incompatible buckets as with none", () => {
      const now = 1_000_000;
      const empty = visitsOfArrival(crowdedMatcher(0, now, false), now);
      const crowded = crowdedMatcher(10_000, now, false);
      assert.equal(crowded.size, 10_003);
      const full = visitsOfArrival(crowded, now);
      assert.equal(empty, 3);
      assert.equal(full, empty);
    });

    it("with an old ticket widening the reach, it still reads one head per bucket, not the crowd", () => {
      const now = 1_000_000;
      const matcher = crowdedMatcher(10_000, now, true);
      const visits = visitsOfArrival(matcher, now);
      // own bucket (3) + the old ticket + at most one young head per non-empty bucket (≤ 6 × 41)
      assert.ok(visits <= 3 + 1 + 6 * 41, `visited ${visits}`);
      assert.ok(visits < 300);
    });

    it("a tick searches only the tickets whose stage changed", () => {
      const now = 1_000_000;
      const matcher = crowdedMatcher(10_000, now, false);
      const before = matcher.stats.searches;
      matcher.tick(now + 1000);
      const crossed = matcher.stats.searches - before;
      // fillers were created 15–25 s before `now` (and 3 of them 10 s before), so 1 s later none
      // has reached 30 s.
      assert.equal(crossed, 0);
      const { widened } = matcher.tick(now + 5_000);
      // 5 s later exactly one filler (created 25 s before `now`) has waited 30 s
      assert.equal(matcher.stats.searches - before, 1);
      assert.deepEqual(widened.map((w) => w.stage), ["level_1"]);
    });
  });

  describe("agrees with a brute-force reference", () => {
    /** Tiny seeded PRNG (mulberry32). */
    function mulberry32(seed: number): () => number {
      let a = seed >>> 0;
      return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }

    function hashPair(x: string, y: string, salt: number): number {
      let h = salt;
      for (const ch of `${x}|${y}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
      return h % 100;
    }

    /** The seed-002 shape: scan every waiting ticket, keep the best compatible one. */
    class ReferenceMatcher {
      waiting: Ticket[] = [];
      constructor(private readonly ctx: { isBlocked: (x: string, y: string) => boolean; hadRecentConversation: (x: string, y: string) => boolean }) {}

      private best(ticket: Ticket, now: number): { partner: Ticket; score: number; stage: WideningStage; levelDifference: number } | undefined {
        let best: { partner: Ticket; score: number; stage: WideningStage; levelDifference: number } | undefined;
        for (const candidate of this.waiting) {
          if (candidate.id === ticket.id || candidate.expiresAt <= now) continue;
          const stage = pairStage(ticket, candidate, now);
          const verdict = evaluatePair(ticket, candidate, stage, this.ctx);
          if (!verdict.compatible) continue;
          const better =
            best === undefined ||
            verdict.score > best.score ||
            (verdict.score === best.score &&
              (candidate.createdAt < best.partner.createdAt || (candidate.createdAt === best.partner.createdAt && candidate.id < best.partner.id)));
          if (better) best = { partner: candidate, score: verdict.score, stage, levelDifference: verdict.levelDifference };
        }
        return best;
      }

      private result(ticket: Ticket, found: { partner: Ticket; score: number; stage: WideningStage; levelDifference: number }): string {
        const pair = [ticket, found.partner].sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1));
        const older = pair[0];
        const newer = pair[1];
        assert.ok(older && newer);
        return `${older.id}+${newer.id}@${found.stage}:${found.score}:${older.topicCode}:${found.stage === "any_level" ? found.levelDifference : "-"}`;
      }

      add(ticket: Ticket, now: number): string | null {
        const found = this.best(ticket, now);
        if (found === undefined) {
          this.waiting.push(ticket);
          return null;
        }
        this.waiting = this.waiting.filter((t) => t.id !== found.partner.id);
        return this.result(ticket, found);
      }

      remove(id: string): void {
        this.waiting = this.waiting.filter((t) => t.id !== id);
      }

      tick(now: number): { matches: string[]; expired: string[] } {
        const byAge = (x: Ticket, y: Ticket): number => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1);
        const expired = this.waiting.filter((t) => t.expiresAt <= now).sort(byAge);
        this.waiting = this.waiting.filter((t) => t.expiresAt > now);
        const matches: string[] = [];
        for (const ticket of [...this.waiting].sort(byAge)) {
          if (!this.waiting.includes(ticket)) continue;
          const found = this.best(ticket, now);
          if (found === undefined) continue;
          this.waiting = this.waiting.filter((t) => t.id !== ticket.id && t.id !== found.partner.id);
          matches.push(this.result(ticket, found));
        }
        return { matches, expired: expired.map((t) => t.id) };
      }
    }

    function describeResult(result: MatchResult): string {
      const [older, newer] = result.tickets;
      return `${older.id}+${newer.id}@${result.stage}:${result.score}:${result.topicCode}:${result.estimatedLevelDifference ?? "-"}`;
    }

    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      it(`makes the same matches, in the same order, on random traffic (seed ${seed})`, () => {
        const random = mulberry32(seed);
        const pick = <T>(items: readonly T[]): T => {
          const item = items[Math.floor(random() * items.length)];
          assert.ok(item !== undefined);
          return item;
        };
        const ctx = {
          isBlocked: (x: string, y: string) => hashPair(x, y, seed) < 8,
          hadRecentConversation: (x: string, y: string) => hashPair(x, y, seed + 99) < 30,
        };
        const matcher = new Matcher(ctx);
        const reference = new ReferenceMatcher(ctx);
        const topicsPool = [
          { topicCode: "travel.airport", topicCategory: "travel" },
          { topicCode: "travel.hotel", topicCategory: "travel" },
          { topicCode: "work.meeting", topicCategory: "work" },
          { topicCode: "culture.film", topicCategory: "culture" },
        ] as const;
        let now = 0;
        let made = 0;
        const waitingIds: string[] = [];
        for (let step = 0; step < 600; step += 1) {
          now += Math.floor(random() * 4000);
          const roll = random();
          if (roll < 0.2) {
            const tick = matcher.tick(now);
            const expected = reference.tick(now);
            assert.deepEqual(tick.matches.map(describeResult), expected.matches, `tick at ${now}`);
            assert.deepEqual(tick.expired.map((t) => t.id), expected.expired);
            made += tick.matches.length;
          } else if (roll < 0.25 && waitingIds.length > 0) {
            const id = pick(waitingIds);
            matcher.remove(id);
            reference.remove(id);
          } else {
            const tandem = random() < 0.25;
            const native = pick(["en", "fr", "de"]);
            const target = tandem ? (native === "en" ? "fr" : "en") : "en";
            const topic = pick(topicsPool);
            const userId = `u${Math.floor(random() * 400)}`;
            if (matcher.byUser(userId) !== undefined) continue;
            const base: Partial<Ticket> = {
              userId,
              level: pick(["A2", "B1", "B2", "C1", "C2"] as const),
              ...topic,
              preferredPartnerLevel: pick(["same", "same", "same", "higher", "lower", "any"] as const),
              premium: random() < 0.15,
              createdAt: now - Math.floor(random() * 3000),
              expiresAt: now + 20_000 + Math.floor(random() * 200_000),
              ...(random() < 0.3 ? { accent: pick(["en-US", "en-GB"]) } : {}),
              ...(random() < 0.2 ? { preferredAccent: pick(["en-US", "en-GB"]) } : {}),
              ...(random() < 0.2 ? { preferredPartnerNativeLanguageCode: pick(["fr", "de"]) } : {}),
              nativeLanguageCode: native,
            };
            const ticket = tandem ? tandemTicket(native, target, base) : practiceTicket(base);
            const got = matcher.add(ticket, now);
            const expected = reference.add(ticket, now);
            assert.equal(got === null ? null : describeResult(got), expected, `arrival ${ticket.id} at ${now}`);
            if (got === null) waitingIds.push(ticket.id);
            else made += 1;
          }
          assert.equal(matcher.size, reference.waiting.length);
          for (let i = waitingIds.length - 1; i >= 0; i -= 1) if (!matcher.has(waitingIds[i] ?? "")) waitingIds.splice(i, 1);
        }
        assert.ok(made > 20, `only ${made} matches: the traffic is too thin to compare`);
      });
    }
  });
});

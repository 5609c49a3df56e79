import assert from "node:assert/strict";
import { pairScore, SCORE_POINTS } from "../../../src/matchmaking/pairScore.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";
import { practiceTicket, resetTicketIds, tandemTicket } from "./ticketFixtures.js";

const recent = { hadRecentConversation: true };
const fresh = { hadRecentConversation: false };

function bothWays(a: Ticket, b: Ticket, ctx: { hadRecentConversation: boolean }): number {
  const forward = pairScore(a, b, ctx);
  const backward = pairScore(b, a, ctx);
  assert.deepEqual(forward, backward, "pairScore must be symmetric");
  return forward.score;
}

describe("pairScore", () => {
  beforeEach(resetTicketIds);

  it("gives 50 for the same level, 30 for one level apart, 0 beyond", () => {
    const b1 = practiceTicket({ level: "B1" });
    assert.equal(bothWays(b1, practiceTicket({ level: "B1" }), recent), 50);
    assert.equal(bothWays(b1, practiceTicket({ level: "B2" }), recent), 30);
    assert.equal(bothWays(b1, practiceTicket({ level: "A2" }), recent), 30);
    assert.equal(bothWays(b1, practiceTicket({ level: "C1" }), recent), 0);
    assert.equal(pairScore(b1, practiceTicket({ level: "C2" }), recent).levelDifference, 3);
  });

  it("gives 100 to a reciprocal tandem pair", () => {
    const a = tandemTicket("fr", "en");
    const b = tandemTicket("en", "fr");
    assert.equal(bothWays(a, b, recent), 50 + SCORE_POINTS.tandem);
    assert.equal(pairScore(a, b, recent).components.tandem, 100);
  });

  it("gives no tandem points to a practice pair or a non-reciprocal tandem", () => {
    assert.equal(pairScore(practiceTicket(), practiceTicket({ nativeLanguageCode: "en" }), recent).components.tandem, 0);
    assert.equal(pairScore(tandemTicket("fr", "en"), tandemTicket("fr", "en"), recent).components.tandem, 0);
  });

  it("gives 20 when one side's preferred accent is the other's accent, in either direction, once", () => {
    const wantsGb = practiceTicket({ preferredAccent: "en-GB" });
    const isGb = practiceTicket({ accent: "en-GB" });
    assert.equal(bothWays(wantsGb, isGb, recent), 70);
    const wantsUsIsGb = practiceTicket({ preferredAccent: "en-US", accent: "en-GB" });
    const wantsGbIsUs = practiceTicket({ preferredAccent: "en-GB", accent: "en-US" });
    assert.equal(bothWays(wantsUsIsGb, wantsGbIsUs, recent), 70, "both directions hold: still 20, not 40");
    assert.equal(bothWays(wantsGb, practiceTicket({ accent: "en-US" }), recent), 50);
    assert.equal(bothWays(practiceTicket({ preferredAccent: "en-GB" }), practiceTicket({ preferredAccent: "en-GB" }), recent), 50,
      "two equal preferences are not an accent match (the seed's bug)");
  });

  it("gives 20 in practice when the partner's native language is the preferred one, either direction, once", () => {
    const wantsEs = practiceTicket({ preferredPartnerNativeLanguageCode: "es", nativeLanguageCode: "de" });
    const nativeEs = practiceTicket({ nativeLanguageCode: "es" });
    assert.equal(bothWays(wantsEs, nativeEs, recent), 70);
    const wantsDe = practiceTicket({ nativeLanguageCode: "es", preferredPartnerNativeLanguageCode: "de" });
    assert.equal(bothWays(wantsEs, wantsDe, recent), 70, "both hold: once");
    assert.equal(bothWays(wantsEs, practiceTicket({ nativeLanguageCode: "it" }), recent), 50);
  });

  it("ignores preferredPartnerNativeLanguageCode in tandem (reciprocity already decides)", () => {
    const a = tandemTicket("fr", "en", { preferredPartnerNativeLanguageCode: "en" });
    const b = tandemTicket("en", "fr");
    assert.equal(pairScore(a, b, recent).components.partnerNativeLanguage, 0);
  });

  it("gives 30 when the two users had no conversation in the last 7 days", () => {
    const a = practiceTicket();
    const b = practiceTicket();
    assert.equal(bothWays(a, b, fresh) - bothWays(a, b, recent), SCORE_POINTS.noRecentConversation);
  });

  it("gives 50 once when one or both tickets are premium", () => {
    assert.equal(bothWays(practiceTicket({ premium: true }), practiceTicket(), recent), 100);
    assert.equal(bothWays(practiceTicket({ premium: true }), practiceTicket({ premium: true }), recent), 100);
  });

  it("sums the components of a pair", () => {
    const a = tandemTicket("fr", "en", { preferredAccent: "en-GB", premium: true });
    const b = tandemTicket("en", "fr", { accent: "en-GB" });
    const { score, components } = pairScore(a, b, fresh);
    assert.deepEqual(components, { level: 50, tandem: 100, accent: 20, partnerNativeLanguage: 0, noRecentConversation: 30, premium: 50 });
    assert.equal(score, 250);
  });
});

import assert from "node:assert/strict";
import { QueueCore, type TicketHolder } from "../../../src/matchmaking/queueCore.js";
import type { AdmittedTicket } from "../../../src/matchmaking/ticketAdmission.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";
import type { MatchRequestRecord } from "../../../src/store/records.js";
import { practiceTicket, resetTicketIds, tandemTicket } from "./ticketFixtures.js";

const T0 = 1_000_000;

function admitted(ticket: Ticket, blockedPeers: string[] = []): AdmittedTicket {
  const record: MatchRequestRecord = {
    id: ticket.id,
    userId: ticket.userId,
    queue: ticket.queue,
    sessionType: ticket.sessionType,
    targetLanguageCode: ticket.targetLanguageCode,
    nativeLanguageCode: ticket.nativeLanguageCode,
    currentLevel: ticket.level,
    preferredPartnerLevel: ticket.preferredPartnerLevel,
    topicCode: ticket.topicCode,
    mode: "now",
    maxWaitTimeSeconds: 120,
    recordingConsent: false,
    status: "pending",
    createdAt: new Date(ticket.createdAt),
    expiresAt: new Date(ticket.expiresAt),
  };
  return { record, ticket, blockedPeers, recentPartners: [] };
}

const holder = (t: Ticket): TicketHolder => ({ userId: t.userId, displayName: `name ${t.userId}`, tier: "free" });

function core() {
  return new QueueCore({ queue: "en", boundaries: { strictSeconds: 30, levelSeconds: 60, categorySeconds: 120 }, minCompatibilityScore: 50, suggestAfterSeconds: 120 });
}

describe("QueueCore (DESIGN §4–§5)", () => {
  beforeEach(() => resetTicketIds());

  it("stores a ticket before it waits, then matches two compatible ones into one unit: session, tickets, room, match_found", () => {
    const q = core();
    const a = practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000 });
    const b = practiceTicket({ createdAt: T0 + 1000, expiresAt: T0 + 121_000 });
    q.beginAdmission(a.userId);
    assert.deepEqual(q.ticketWrites(admitted(a), T0).map((w) => [w.kind, w.kind === "matchRequest.create" && w.events?.[0]?.eventType]), [["matchRequest.create", "match.requested"]]);
    assert.equal(q.idle, false, "an admission in flight keeps the room alive");
    const first = q.ticketStored(admitted(a), holder(a), T0);
    assert.equal(first.view.matchRequest.status, "pending");
    assert.equal(first.units.filter((u) => u.open).length, 0);
    q.beginAdmission(b.userId);
    const { units } = q.ticketStored(admitted(b), holder(b), T0 + 1000);
    const match = units.find((u) => u.open);
    assert.ok(match?.open);
    assert.deepEqual(match.writes.map((w) => w.kind), ["session.create", "matchRequest.transition", "matchRequest.transition"]);
    const session = match.writes[0]?.kind === "session.create" ? match.writes[0].record : undefined;
    assert.deepEqual(session?.participants.map((p) => [p.userId, p.role]), [[a.userId, "learner"], [b.userId, "partner"]]);
    assert.deepEqual(match.open.matchFound.map((f) => [f.userId, f.message.isInitiator, f.message.partner.userId]), [[a.userId, true, b.userId], [b.userId, false, a.userId]]);
    assert.equal(q.idle, true);
  });

  it("falls back to match_expired for both and expired records when a match cannot be stored", () => {
    const q = core();
    const [a, b] = [practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000 }), practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000 })] as [Ticket, Ticket];
    q.beginAdmission(a.userId);
    q.ticketStored(admitted(a), holder(a), T0);
    q.beginAdmission(b.userId);
    const match = q.ticketStored(admitted(b), holder(b), T0).units.find((u) => u.open);
    assert.deepEqual(match?.onFailure?.messages.map((m) => [m.userId, m.type]), [[a.userId, "match_expired"], [b.userId, "match_expired"]]);
    const undo = match?.onFailure?.writes ?? [];
    assert.ok(undo.some((w) => w.kind === "session.transition" && w.patch.status === "expired" && w.patch.endReason === "error"));
    assert.equal(undo.filter((w) => w.kind === "matchRequest.transition" && w.patch.status === "expired").length, 4, "pending or matched → expired, per ticket");
  });

  it("refuses a second ticket of one user while the first waits or is being admitted", () => {
    const q = core();
    const a = practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000 });
    q.beginAdmission(a.userId);
    assert.throws(() => q.beginAdmission(a.userId), { code: "ALREADY_MATCHED" });
    q.abandonAdmission(a.userId);
    q.beginAdmission(a.userId);
    q.ticketStored(admitted(a), holder(a), T0);
    assert.throws(() => q.beginAdmission(a.userId), { code: "ALREADY_MATCHED" });
  });

  it("never matches a blocked pair, expires tickets with match_expired and cancels with match.cancelled", () => {
    const q = core();
    const a = practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000 });
    const b = practiceTicket({ createdAt: T0, expiresAt: T0 + 300_000 });
    q.beginAdmission(a.userId);
    q.ticketStored(admitted(a, [b.userId]), holder(a), T0);
    q.beginAdmission(b.userId);
    assert.equal(q.ticketStored(admitted(b), holder(b), T0).units.filter((u) => u.open).length, 0);
    const { units } = q.tick(T0 + 120_000);
    const expiry = units.find((u) => u.messages.length > 0);
    assert.deepEqual(expiry?.messages, [{ userId: a.userId, type: "match_expired", payload: { matchRequestId: a.id } }]);
    assert.deepEqual(expiry?.onFailure?.messages, expiry?.messages, "told even when the expiry cannot be stored");
    const cancel = q.cancel(b.id, "cancelled by user", T0 + 130_000);
    assert.equal(cancel?.writes[0]?.kind === "matchRequest.transition" && cancel.writes[0].events?.[0]?.eventType, "match.cancelled");
    assert.equal(q.cancel(b.id, "again", T0), undefined);
    assert.equal(q.idle, true);
  });

  describe("explainable match (DESIGN §10)", () => {
    function matchOf(a: Ticket, b: Ticket, at: number) {
      const q = core();
      q.beginAdmission(a.userId);
      q.ticketStored(admitted(a), holder(a), a.createdAt);
      q.beginAdmission(b.userId);
      const direct = q.ticketStored(admitted(b), holder(b), b.createdAt).units.find((u) => u.open);
      return direct ?? q.tick(at).units.find((u) => u.open);
    }

    it("gives both users the stage, their signed level difference and a breakdown summing to the score", () => {
      // Practice pair B1/B2 with a premium ticket: met at level_1 (30 s), levels one apart.
      const a = practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000, level: "B1" });
      const b = practiceTicket({ createdAt: T0 + 1000, expiresAt: T0 + 121_000, level: "B2", premium: true });
      const unit = matchOf(a, b, T0 + 30_000);
      assert.ok(unit?.open);
      const [mine, theirs] = unit.open.matchFound.map((f) => f.message);
      assert.ok(mine && theirs);
      assert.equal(mine.stage, "level_1");
      assert.equal(mine.levelDifference, 1, "the partner (B2) is one above me (B1)");
      assert.equal(theirs.levelDifference, -1, "the partner (B1) is one below me (B2)");
      assert.deepEqual(mine.scoreBreakdown, { level: 30, tandem: 0, accent: 0, nativeLanguage: 0, notRecent: 30, premium: 50 });
      for (const m of [mine, theirs]) {
        assert.equal(Object.values(m.scoreBreakdown).reduce((x, y) => x + y, 0), m.compatibilityScore);
      }
      const stored = unit.writes.flatMap((w) => (w.kind === "matchRequest.transition" ? [[w.id, w.patch.matchExplanation]] : []));
      assert.deepEqual(stored, [
        [a.id, { compatibilityScore: 110, stage: "level_1", levelDifference: 1, scoreBreakdown: mine.scoreBreakdown }],
        [b.id, { compatibilityScore: 110, stage: "level_1", levelDifference: -1, scoreBreakdown: mine.scoreBreakdown }],
      ]);
    });

    it("explains a strict tandem match: same level, tandem points, difference 0", () => {
      const a = tandemTicket("fr", "en", { createdAt: T0, expiresAt: T0 + 120_000 });
      const b = tandemTicket("en", "fr", { createdAt: T0 + 1000, expiresAt: T0 + 121_000 });
      const q = new QueueCore({ queue: a.queue, boundaries: { strictSeconds: 30, levelSeconds: 60, categorySeconds: 120 }, minCompatibilityScore: 50, suggestAfterSeconds: 120 });
      q.beginAdmission(a.userId);
      q.ticketStored(admitted(a), holder(a), T0);
      q.beginAdmission(b.userId);
      const unit = q.ticketStored(admitted(b), holder(b), T0 + 1000).units.find((u) => u.open);
      const found = unit?.open?.matchFound[0]?.message;
      assert.ok(found);
      assert.equal(found.stage, "strict");
      assert.equal(found.levelDifference, 0);
      assert.deepEqual(found.scoreBreakdown, { level: 50, tandem: 100, accent: 0, nativeLanguage: 0, notRecent: 30, premium: 0 });
      assert.equal(found.compatibilityScore, 180);
    });
  });

  describe("guardrails and suggestions at the any-level boundary (DESIGN §4, §10)", () => {
    function waiting(q: QueueCore, ...tickets: Ticket[]): void {
      for (const t of tickets) {
        q.beginAdmission(t.userId);
        q.ticketStored(admitted(t), holder(t), t.createdAt);
      }
    }

    it("points an A1–A2 practice ticket at its tandem queue, counting native speakers of its target, even when it expires on that tick", () => {
      const q = core();
      const a1 = practiceTicket({ createdAt: T0, expiresAt: T0 + 120_000, level: "A1", topicCode: "hobbies.music", topicCategory: "hobbies" });
      waiting(q, a1);
      assert.deepEqual(q.tick(T0 + 119_999).suggestions, [], "not before the boundary");
      const { units, suggestions } = q.tick(T0 + 120_000);
      assert.deepEqual(suggestions, [{ ticketId: a1.id, userId: a1.userId, queue: "en+fr", nativeLanguageCode: "en", estimatedWaitTimeSeconds: suggestions[0]?.estimatedWaitTimeSeconds }]);
      assert.deepEqual(units.flatMap((u) => u.messages), [{ userId: a1.userId, type: "match_expired", payload: { matchRequestId: a1.id } }], "and it expires on the same tick");
    });

    it("points a tandem ticket at its practice queue on the tick it reaches the boundary and expires", () => {
      const q = new QueueCore({ queue: "en+fr", boundaries: { strictSeconds: 30, levelSeconds: 60, categorySeconds: 120 }, minCompatibilityScore: 50, suggestAfterSeconds: 120 });
      const t = tandemTicket("fr", "en", { createdAt: T0, expiresAt: T0 + 120_000 });
      waiting(q, t);
      const { units, suggestions } = q.tick(T0 + 120_000);
      assert.deepEqual(suggestions.map((s) => [s.ticketId, s.queue, s.nativeLanguageCode]), [[t.id, "en", undefined]]);
      assert.equal(units.flatMap((u) => u.messages).length, 1);
    });

    it("suggests once, and never to a practice ticket at B1 or above", () => {
      const q = core();
      const a2 = practiceTicket({ createdAt: T0, expiresAt: T0 + 300_000, level: "A2", topicCode: "hobbies.music", topicCategory: "hobbies" });
      const b2 = practiceTicket({ createdAt: T0, expiresAt: T0 + 300_000, level: "B2", nativeLanguageCode: "de", topicCode: "work.office", topicCategory: "work" });
      const c2 = practiceTicket({ createdAt: T0, expiresAt: T0 + 300_000, level: "C2", nativeLanguageCode: "de", topicCode: "work.office", topicCategory: "work" });
      waiting(q, a2, b2, c2);
      assert.deepEqual(q.tick(T0 + 120_000).suggestions.map((s) => s.ticketId), [a2.id]);
      assert.deepEqual(q.tick(T0 + 121_000).suggestions, []);
      assert.deepEqual(q.waitingByNativeLanguage(), { fr: 1 }, "B2 and C2 met at the any-level stage; the A2 (never two levels from anyone) waits alone");
    });

    it("passes MATCH_MAX_LEVEL_GAP to the matcher: B1 and C1 stay apart with a gap of 1, meet with the default 2", () => {
      const pair = () => [
        practiceTicket({ createdAt: T0, expiresAt: T0 + 300_000, level: "B1" }),
        practiceTicket({ createdAt: T0, expiresAt: T0 + 300_000, level: "C1", topicCode: "work.office", topicCategory: "work" }),
      ] as const;
      const strict = new QueueCore({ queue: "en", boundaries: { strictSeconds: 30, levelSeconds: 60, categorySeconds: 120 }, minCompatibilityScore: 50, maxLevelGap: 1, suggestAfterSeconds: 120 });
      waiting(strict, ...pair());
      assert.equal(strict.tick(T0 + 121_000).units.filter((u) => u.open).length, 0);
      assert.equal(strict.waitingCount, 2);
      const usual = core();
      waiting(usual, ...pair());
      const matched = usual.tick(T0 + 121_000).units.find((u) => u.open);
      assert.deepEqual(matched?.open?.matchFound.map((f) => [f.message.stage, f.message.levelDifference]), [["any_level", 2], ["any_level", -2]]);
    });
  });
});

import assert from "node:assert/strict";
import { QueueCore, type TicketHolder } from "../../../src/matchmaking/queueCore.js";
import { slotOpensAt } from "../../../src/matchmaking/scheduledSlots.js";
import type { AdmittedTicket } from "../../../src/matchmaking/ticketAdmission.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";
import type { MatchRequestRecord } from "../../../src/store/records.js";
import { practiceTicket, resetTicketIds } from "./ticketFixtures.js";

const MINUTE = 60_000;
/** Booked two days ahead of the slot. */
const BOOKED = Date.parse("2026-12-05T09:00:00Z");
const SLOT = Date.parse("2026-12-07T14:30:00Z");

/** A premium scheduled ticket for `slot`, as `admitTicket` builds it (expires at the slot). */
function scheduled(slot = SLOT, overrides: Partial<Ticket> = {}): AdmittedTicket {
  const ticket = practiceTicket({ createdAt: BOOKED, expiresAt: slot, premium: true, ...overrides });
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
    mode: "scheduled",
    scheduledFor: new Date(slot),
    holder: { displayName: `name ${ticket.userId}`, tier: "premium" },
    maxWaitTimeSeconds: 120,
    recordingConsent: true,
    status: "pending",
    createdAt: new Date(BOOKED),
    expiresAt: new Date(slot),
  };
  return { record, ticket, blockedPeers: [], recentPartners: [] };
}

const holder = (a: AdmittedTicket): TicketHolder => ({ userId: a.ticket.userId, displayName: `name ${a.ticket.userId}`, tier: "premium" });

function core() {
  return new QueueCore({ queue: "en", boundaries: { strictSeconds: 30, levelSeconds: 60, categorySeconds: 120 }, minCompatibilityScore: 50, suggestAfterSeconds: 120 });
}

function store(q: QueueCore, a: AdmittedTicket, now: number) {
  q.beginAdmission(a.ticket.userId);
  return q.ticketStored(a, holder(a), now);
}

describe("QueueCore: scheduled mode (DESIGN §4, seed 002 §6.5)", () => {
  beforeEach(() => resetTicketIds());

  it("keeps a slot's tickets out of matching until 10 minutes before the slot, then pairs them into a session waiting for the slot, with reminders", () => {
    const q = core();
    const a = scheduled();
    const b = scheduled();
    const first = store(q, a, BOOKED);
    assert.equal(first.view.matchRequest.expiresAt, new Date(SLOT).toISOString(), "expires at the slot");
    assert.ok(first.view.matchRequest.estimatedWaitTimeSeconds >= (slotOpensAt(SLOT) - BOOKED) / 1000, "the estimate counts the wait for the slot");
    assert.equal(store(q, b, BOOKED + 1000).units.some((u) => u.open), false, "two compatible tickets are not matched before the slot opens");
    assert.deepEqual(q.tick(slotOpensAt(SLOT) - 1).units, [], "nothing yet at T−10 min − 1 ms");
    assert.equal(q.waitingCount, 2);

    const at = slotOpensAt(SLOT);
    const { units } = q.tick(at);
    const match = units.find((u) => u.open);
    assert.ok(match, "matched when the slot opens");
    const session = match.writes[0]?.kind === "session.create" ? match.writes[0].record : undefined;
    assert.equal(session?.status, "waiting");
    assert.equal(session?.scheduledStartAt?.getTime(), SLOT, "scheduledStartAt is the slot");
    assert.deepEqual(session?.participants.map((p) => p.userId), [a.ticket.userId, b.ticket.userId]);
    assert.deepEqual(match.notes.find((n) => n.kind === "reminders"), { kind: "reminders", sessionId: session?.id, userIds: [a.ticket.userId, b.ticket.userId], scheduledStartAt: SLOT, at: [at, SLOT - 5 * MINUTE] });
    const matched = match.notes.find((n) => n.kind === "matched");
    assert.ok(matched?.kind === "matched" && matched.stage === "strict" && matched.waited.every((w) => w.seconds === 0), "the stages count from the opening");
    assert.equal(q.idle, true);
  });

  it("never pairs a slot's ticket with a `now` ticket or with another slot's", () => {
    const q = core();
    const at = slotOpensAt(SLOT);
    store(q, scheduled(SLOT), BOOKED);
    store(q, scheduled(SLOT + 15 * MINUTE), BOOKED);
    const now = practiceTicket({ createdAt: at - 1000, expiresAt: at + 120_000 });
    const nowAdmitted = { ...scheduled(), ticket: now };
    nowAdmitted.record = { ...nowAdmitted.record, id: now.id, userId: now.userId, mode: "now", scheduledFor: undefined, expiresAt: new Date(now.expiresAt) };
    store(q, nowAdmitted, at - 1000);
    for (const t of [at, at + 61_000, at + 121_000]) assert.equal(q.tick(t).units.some((u) => u.open), false, `no match at ${new Date(t).toISOString()}`);
  });

  it("expires a slot's unmatched ticket at the slot start (match_expired), and a reloaded ticket whose slot has passed at the next tick", () => {
    const q = core();
    const alone = scheduled();
    store(q, alone, BOOKED);
    q.tick(slotOpensAt(SLOT));
    const { units } = q.tick(SLOT);
    assert.deepEqual(units.flatMap((u) => u.messages.map((m) => [m.userId, m.type])), [[alone.ticket.userId, "match_expired"]]);
    assert.ok(units[0]?.writes.some((w) => w.kind === "matchRequest.transition" && w.patch.status === "expired"));

    const restarted = core();
    const stale = scheduled();
    restarted.reloadScheduled(stale, holder(stale));
    assert.deepEqual(restarted.tick(SLOT + 5000).units.flatMap((u) => u.messages.map((m) => m.type)), ["match_expired"]);
  });

  it("reloads stored scheduled tickets after a restart and matches them at the opening, one ticket per user", () => {
    const q = core();
    const a = scheduled();
    const b = scheduled();
    q.reloadScheduled(a, holder(a));
    q.reloadScheduled(b, holder(b));
    assert.throws(() => q.reloadScheduled(a, holder(a)), /already waits/);
    assert.throws(() => q.beginAdmission(a.ticket.userId), /already pending/, "one active ticket per user");
    assert.equal(q.waitingTicket(a.ticket.id)?.scheduled, true);
    const match = q.tick(slotOpensAt(SLOT)).units.find((u) => u.open);
    assert.deepEqual(match?.open?.matchFound.map((f) => f.userId), [a.ticket.userId, b.ticket.userId]);
  });

  it("cancels a scheduled ticket: it no longer opens with its slot", () => {
    const q = core();
    const a = scheduled();
    const b = scheduled();
    store(q, a, BOOKED);
    store(q, b, BOOKED);
    assert.ok(q.cancel(a.ticket.id, "cancelled by user", BOOKED + 5000));
    assert.equal(q.tick(slotOpensAt(SLOT)).units.some((u) => u.open), false);
  });
});

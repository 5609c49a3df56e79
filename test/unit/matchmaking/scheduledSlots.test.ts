import assert from "node:assert/strict";
import { isParleyError, type ErrorCode } from "../../../src/errors/errorCodes.js";
import { Matcher } from "../../../src/matchmaking/matcher.js";
import { reminderTimes, ScheduledSlotBook, scheduledSlotOf, slotOpensAt, ticketForSlot } from "../../../src/matchmaking/scheduledSlots.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";
import { SessionLifecycle } from "../../../src/session/sessionLifecycle.js";
import { practiceTicket, resetTicketIds } from "./ticketFixtures.js";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Monday 2026-12-07 10:07:30 UTC: between slots. */
const NOW = Date.parse("2026-12-07T10:07:30Z");
const SLOT = Date.parse("2026-12-07T14:30:00Z");

function assertRefused(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => isParleyError(err) && err.code === code && (!message || message.test(err.message)), `refused with ${code}`);
}

describe("scheduled slots (DESIGN §4 Scheduled mode, seed 002 §6.5)", () => {
  beforeEach(() => resetTicketIds());

  describe("scheduledFor", () => {
    it("accepts a quarter-hour slot in the future, up to 7 days ahead, for premium learners", () => {
      assert.equal(scheduledSlotOf({ tier: "premium", scheduledFor: SLOT, now: NOW }), SLOT);
      const lastSlot = Date.parse("2026-12-14T10:00:00Z");
      assert.equal(scheduledSlotOf({ tier: "premium", scheduledFor: lastSlot, now: NOW }), lastSlot);
      assert.equal(scheduledSlotOf({ tier: "premium", scheduledFor: Date.parse("2026-12-07T10:15:00Z"), now: NOW }), Date.parse("2026-12-07T10:15:00Z"), "the next slot");
    });

    it("refuses free learners with PREMIUM_REQUIRED, before looking at the date", () => {
      assertRefused(() => scheduledSlotOf({ tier: "free", scheduledFor: SLOT, now: NOW }), "PREMIUM_REQUIRED");
      assertRefused(() => scheduledSlotOf({ tier: "free", scheduledFor: SLOT + 1, now: NOW }), "PREMIUM_REQUIRED");
    });

    it("refuses with INVALID_REQUEST a missing, past, off-slot or over-7-days scheduledFor", () => {
      assertRefused(() => scheduledSlotOf({ tier: "premium", now: NOW }), "INVALID_REQUEST", /required/);
      assertRefused(() => scheduledSlotOf({ tier: "premium", scheduledFor: Date.parse("2026-12-07T10:00:00Z"), now: NOW }), "INVALID_REQUEST", /future/);
      assertRefused(() => scheduledSlotOf({ tier: "premium", scheduledFor: SLOT + 7 * MINUTE, now: NOW }), "INVALID_REQUEST", /15-minute slot \(e\.g\. 2026-12-07T14:45:00\.000Z\)/);
      assertRefused(() => scheduledSlotOf({ tier: "premium", scheduledFor: SLOT + 1000, now: NOW }), "INVALID_REQUEST", /15-minute slot/);
      assertRefused(() => scheduledSlotOf({ tier: "premium", scheduledFor: Date.parse("2026-12-14T10:15:00Z"), now: NOW }), "INVALID_REQUEST", /7 days/);
      assert.ok(Date.parse("2026-12-14T10:15:00Z") - NOW > 7 * DAY);
    });
  });

  describe("slot book and matching at T−10 min", () => {
    it("keeps a slot's tickets until 10 minutes before the slot, then hands them out oldest slot first", () => {
      const book = new ScheduledSlotBook<Ticket>();
      const a = practiceTicket();
      const b = practiceTicket();
      const later = practiceTicket();
      book.add(a, SLOT);
      book.add(later, SLOT + 15 * MINUTE);
      book.add(b, SLOT);
      assert.equal(book.size, 3);
      assert.equal(book.nextOpening(), SLOT - 10 * MINUTE);
      assert.deepEqual(book.takeOpen(SLOT - 10 * MINUTE - 1), [], "not yet");
      assert.deepEqual(book.takeOpen(SLOT - 10 * MINUTE), [{ slot: SLOT, tickets: [a, b] }]);
      assert.equal(book.nextOpening(), SLOT + 5 * MINUTE);
      assert.ok(book.hasUser(later.userId));
      assert.ok(!book.hasUser(a.userId));
      assert.deepEqual(book.remove(later.id), { slot: SLOT + 15 * MINUTE, ticket: later });
      assert.equal(book.remove(later.id), undefined);
      assert.equal(book.nextOpening(), undefined);
      assertRefused(() => {
        book.add(a, SLOT);
        book.add(a, SLOT + 15 * MINUTE);
      }, "ALREADY_MATCHED");
    });

    it("matches the tickets of one slot with each other by the usual rules once the slot opens, never with `now` tickets or another slot", () => {
      const matcher = new Matcher();
      const opens = slotOpensAt(SLOT);
      // A `now` learner in the same queue, same level and topic, waiting at the opening.
      const now = practiceTicket({ createdAt: opens - 5000, expiresAt: opens + 120_000 });
      assert.equal(matcher.add(now, opens - 5000), null);
      const other = practiceTicket({ createdAt: NOW, expiresAt: NOW + 7 * DAY });
      matcher.enqueue(ticketForSlot(other, SLOT + 15 * MINUTE), opens);
      const a = practiceTicket({ createdAt: NOW, expiresAt: NOW + 7 * DAY });
      const b = practiceTicket({ createdAt: NOW + 1000, expiresAt: NOW + 7 * DAY });
      for (const t of [a, b]) matcher.enqueue(ticketForSlot(t, SLOT), opens);
      const { matches } = matcher.tick(opens);
      assert.equal(matches.length, 1);
      const [first, second] = matches[0]!.tickets;
      assert.deepEqual([first.id, second.id].sort(), [a.id, b.id]);
      assert.equal(matches[0]!.stage, "strict", "the widening stages count from the opening");
      assert.ok(matcher.has(now.id) && matcher.has(other.id), "the now ticket and the other slot's ticket still wait");
    });

    it("widens a slot's lone pair from the opening and expires an unmatched ticket at the slot start", () => {
      const matcher = new Matcher();
      const opens = slotOpensAt(SLOT);
      const b1 = practiceTicket({ level: "B1" });
      const b2 = practiceTicket({ level: "B2", topicCode: "travel.hotel" });
      const alone = practiceTicket({ queue: "fr", targetLanguageCode: "fr" });
      for (const t of [b1, b2, alone]) matcher.enqueue(ticketForSlot(t, SLOT), opens);
      assert.deepEqual(matcher.tick(opens).matches, [], "strict: levels differ");
      const widened = matcher.tick(opens + 61_000);
      assert.equal(widened.matches.length, 1, "level ±1, same category, after a minute");
      assert.deepEqual(matcher.tick(SLOT).expired.map((t) => t.id), [alone.id]);
    });
  });

  describe("reminders and the join timeout", () => {
    it("reminds at match time and 5 minutes before the slot", () => {
      assert.deepEqual(reminderTimes(SLOT, SLOT - 10 * MINUTE), [SLOT - 10 * MINUTE, SLOT - 5 * MINUTE]);
      assert.deepEqual(reminderTimes(SLOT, SLOT - 5 * MINUTE), [SLOT - 5 * MINUTE], "matched late: one reminder");
      assert.deepEqual(reminderTimes(SLOT, SLOT - 2 * MINUTE), [SLOT - 2 * MINUTE]);
    });

    it("counts SESSION_JOIN_TIMEOUT_SECONDS from scheduledStartAt, not from the match", () => {
      const lifecycle = new SessionLifecycle({ sessionId: "s1", participantIds: ["a", "b"], tiers: { a: "premium", b: "premium" }, createdAt: SLOT - 10 * MINUTE, scheduledStartAt: SLOT, limits: { joinTimeoutSeconds: 60 } });
      assert.equal(lifecycle.joinDeadlineAt, SLOT + 60_000);
    });
  });
});

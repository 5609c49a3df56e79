import assert from "node:assert/strict";
import {
  DEFAULT_SESSION_LIMITS,
  SessionLifecycle,
  type SessionLifecycleOptions,
  type Tier,
} from "../../../src/session/sessionLifecycle.js";

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 1000;

function pair(tiers: Record<string, Tier> = { alice: "free", bob: "free" }, extra: Partial<SessionLifecycleOptions> = {}) {
  return new SessionLifecycle({ sessionId: "s1", participantIds: ["alice", "bob"], tiers, createdAt: T0, ...extra });
}

/** A pair that became active at `T0 + 5 s`. */
function activePair(tiers?: Record<string, Tier>) {
  const s = pair(tiers);
  s.join("alice", T0 + 2 * S);
  s.join("bob", T0 + 5 * S);
  return { s, start: T0 + 5 * S };
}

function group(extra: Partial<SessionLifecycleOptions> = {}) {
  return new SessionLifecycle({
    sessionId: "g1",
    participantIds: ["host", "p2", "p3"],
    tiers: { host: "premium", p2: "premium", p3: "free" },
    createdAt: T0,
    isGroup: true,
    ...extra,
  });
}

describe("SessionLifecycle (DESIGN §6)", () => {
  describe("construction", () => {
    it("starts waiting with the default limits", () => {
      const s = pair();
      assert.equal(s.status, "waiting");
      assert.deepEqual({ ...s.limits }, { ...DEFAULT_SESSION_LIMITS });
      assert.equal(s.startedAt, undefined);
      assert.equal(s.endedAt, undefined);
      assert.equal(s.endsAt, undefined);
      assert.equal(s.joined.size, 0);
    });

    it("refuses a pair that does not have exactly two participants", () => {
      assert.throws(
        () => new SessionLifecycle({ sessionId: "x", participantIds: ["a"], tiers: {}, createdAt: T0 }),
        RangeError,
      );
      assert.throws(
        () => new SessionLifecycle({ sessionId: "x", participantIds: ["a", "b", "c"], tiers: {}, createdAt: T0 }),
        RangeError,
      );
    });

    it("refuses a minParticipants that could never be reached", () => {
      assert.throws(() => pair(undefined, { minParticipants: 3 }), RangeError);
      assert.throws(() => group({ minParticipants: 7 }), RangeError);
      assert.throws(() => group({ minParticipants: 0 }), RangeError);
    });
  });

  describe("waiting → active", () => {
    it("activates when both matched participants have joined, not before", () => {
      const s = pair();
      assert.equal(s.join("alice", T0 + 1 * S), null);
      assert.equal(s.status, "waiting");
      const t = s.join("bob", T0 + 3 * S);
      assert.deepEqual(t, {
        sessionId: "s1",
        from: "waiting",
        to: "active",
        userId: "bob",
        at: T0 + 3 * S,
        durationSeconds: 0,
        xpEligible: false,
      });
      assert.equal(s.status, "active");
      assert.equal(s.startedAt, T0 + 3 * S);
      assert.deepEqual([...s.joined], ["alice", "bob"]);
    });

    it("treats a second join (reconnection) as a no-op", () => {
      const { s, start } = activePair();
      assert.equal(s.join("alice", start + 10 * S), null);
      assert.equal(s.status, "active");
      assert.equal(s.startedAt, start);
    });

    it("refuses a stranger with NOT_A_PARTICIPANT", () => {
      const s = pair();
      assert.throws(() => s.join("mallory", T0), { name: "ParleyError", code: "NOT_A_PARTICIPANT" });
      assert.equal(s.joined.size, 0);
    });

    it("refuses to join an ended session with SESSION_NOT_ACTIVE", () => {
      const s = pair();
      s.checkTimers(T0 + 60 * S);
      assert.throws(() => s.join("alice", T0 + 61 * S), { name: "ParleyError", code: "SESSION_NOT_ACTIVE" });
    });
  });

  describe("time limit (active → completed, reason timeout)", () => {
    it("gives 15 min when both are free: 899 s still active, 900 s completed", () => {
      const { s, start } = activePair({ alice: "free", bob: "free" });
      assert.equal(s.endsAt, start + 900 * S);
      assert.equal(s.checkTimers(start + 899 * S), null);
      assert.equal(s.checkTimers(start + 900 * S - 1), null);
      assert.equal(s.status, "active");
      const t = s.checkTimers(start + 900 * S);
      assert.deepEqual(t, {
        sessionId: "s1",
        from: "active",
        to: "completed",
        reason: "timeout",
        at: start + 900 * S,
        durationSeconds: 900,
        xpEligible: true,
      });
      assert.equal(s.endReason, "timeout");
    });

    it("gives 15 min when tiers are mixed (any free participant)", () => {
      const { s, start } = activePair({ alice: "premium", bob: "free" });
      assert.equal(s.endsAt, start + 900 * S);
      assert.equal(s.checkTimers(start + 900 * S)?.reason, "timeout");
    });

    it("treats a participant without a known tier as free", () => {
      const { s, start } = activePair({ alice: "premium" });
      assert.equal(s.endsAt, start + 900 * S);
    });

    it("gives 60 min when all are premium: 3599 s still active, 3600 s completed", () => {
      const { s, start } = activePair({ alice: "premium", bob: "premium" });
      assert.equal(s.endsAt, start + 3600 * S);
      assert.equal(s.checkTimers(start + 900 * S), null);
      assert.equal(s.checkTimers(start + 3599 * S), null);
      const t = s.checkTimers(start + 3600 * S);
      assert.equal(t?.to, "completed");
      assert.equal(t?.durationSeconds, 3600);
    });

    it("dates a late check at the limit itself, not at the check", () => {
      const { s, start } = activePair();
      const t = s.checkTimers(start + 2000 * S);
      assert.equal(t?.at, start + 900 * S);
      assert.equal(s.endedAt, start + 900 * S);
      assert.equal(s.durationSeconds(start + 5000 * S), 900);
    });

    it("honours configured limits", () => {
      const s = pair(undefined, { limits: { maxDurationFreeSeconds: 30 } });
      s.join("alice", T0);
      s.join("bob", T0);
      assert.equal(s.endsAt, T0 + 30 * S);
      assert.equal(s.checkTimers(T0 + 30 * S)?.reason, "timeout");
    });
  });

  describe("join timeout (waiting → expired)", () => {
    it("expires at 60 s, not at 59.999 s, reason timeout", () => {
      const s = pair();
      s.join("alice", T0 + 1 * S);
      assert.equal(s.checkTimers(T0 + 60 * S - 1), null);
      assert.equal(s.status, "waiting");
      const t = s.checkTimers(T0 + 60 * S);
      assert.deepEqual(t, {
        sessionId: "s1",
        from: "waiting",
        to: "expired",
        reason: "timeout",
        at: T0 + 60 * S,
        durationSeconds: 0,
        xpEligible: false,
      });
      assert.equal(s.status, "expired");
    });

    it("dates a late expiry at the deadline", () => {
      const s = pair();
      assert.equal(s.checkTimers(T0 + 300 * S)?.at, T0 + 60 * S);
    });

    it("counts the join timeout from scheduledStartAt for a scheduled session", () => {
      const s = pair(undefined, { scheduledStartAt: T0 + 600 * S });
      assert.equal(s.joinDeadlineAt, T0 + 660 * S);
      assert.equal(s.checkTimers(T0 + 659 * S), null);
      assert.equal(s.checkTimers(T0 + 660 * S)?.to, "expired");
    });

    it("does nothing more once ended", () => {
      const s = pair();
      s.checkTimers(T0 + 60 * S);
      assert.equal(s.checkTimers(T0 + 10_000 * S), null);
    });
  });

  describe("deadline(now)", () => {
    it("is the join deadline while waiting, endsAt while active, undefined once ended", () => {
      const s = pair();
      assert.equal(s.deadline(T0), T0 + 60 * S);
      s.join("alice", T0 + 1 * S);
      s.join("bob", T0 + 2 * S);
      assert.equal(s.deadline(T0 + 2 * S), T0 + 2 * S + 900 * S);
      s.end("alice", T0 + 200 * S);
      assert.equal(s.deadline(T0 + 200 * S), undefined);
    });

    it("is never earlier than now", () => {
      const s = pair();
      assert.equal(s.deadline(T0 + 90 * S), T0 + 90 * S);
    });
  });

  describe("leave — pair (leave_session, or drop after the grace)", () => {
    it("aborts with partner_left at 59.9 s after the start", () => {
      const { s, start } = activePair();
      const t = s.leave("bob", start + 59_900);
      assert.deepEqual(t, {
        sessionId: "s1",
        from: "active",
        to: "aborted",
        reason: "partner_left",
        userId: "bob",
        at: start + 59_900,
        durationSeconds: 59,
        xpEligible: false,
      });
      assert.equal(s.status, "aborted");
    });

    it("completes with partner_left at exactly 60 s", () => {
      const { s, start } = activePair();
      const t = s.leave("alice", start + 60 * S);
      assert.equal(t?.to, "completed");
      assert.equal(t?.reason, "partner_left");
      assert.equal(t?.durationSeconds, 60);
      assert.equal(t?.xpEligible, false);
    });

    it("is xpEligible when the partner leaves after 120 s", () => {
      const { s, start } = activePair();
      assert.equal(s.leave("alice", start + 120 * S)?.xpEligible, true);
      assert.equal(s.xpEligible, true);
    });

    it("expires a waiting pair at once with partner_left", () => {
      const s = pair();
      s.join("alice", T0 + 1 * S);
      const t = s.leave("alice", T0 + 10 * S);
      assert.equal(t?.from, "waiting");
      assert.equal(t?.to, "expired");
      assert.equal(t?.reason, "partner_left");
      assert.equal(t?.durationSeconds, 0);
      assert.throws(() => s.join("bob", T0 + 11 * S), { code: "SESSION_NOT_ACTIVE" });
    });

    it("returns null when the session already ended (the room's onLeave after the end)", () => {
      const { s, start } = activePair();
      s.end("alice", start + 300 * S);
      assert.equal(s.leave("alice", start + 301 * S), null);
      assert.equal(s.leave("bob", start + 301 * S), null);
      assert.equal(s.status, "completed");
      assert.equal(s.endReason, "completed");
    });

    it("refuses a stranger", () => {
      const { s, start } = activePair();
      assert.throws(() => s.leave("mallory", start), { code: "NOT_A_PARTICIPANT" });
      assert.equal(s.status, "active");
    });
  });

  describe("end — pair (end_session)", () => {
    it("lets either participant complete the session with reason completed", () => {
      for (const who of ["alice", "bob"]) {
        const { s, start } = activePair();
        const t = s.end(who, start + 200 * S);
        assert.equal(t.to, "completed");
        assert.equal(t.reason, "completed");
        assert.equal(t.userId, who);
        assert.equal(t.durationSeconds, 200);
        assert.equal(s.endedAt, start + 200 * S);
      }
    });

    it("completes (not aborts) even inside the first minute", () => {
      const { s, start } = activePair();
      assert.equal(s.end("alice", start + 10 * S).to, "completed");
      assert.equal(s.xpEligible, false);
    });

    it("is xpEligible at 120 s but not at 119.999 s", () => {
      const a = activePair();
      assert.equal(a.s.end("alice", a.start + 120 * S - 1).xpEligible, false);
      assert.equal(a.s.durationSeconds(a.start + 500 * S), 119);
      const b = activePair();
      assert.equal(b.s.end("alice", b.start + 120 * S).xpEligible, true);
    });

    it("throws SESSION_NOT_ACTIVE when ending twice, or while waiting", () => {
      const { s, start } = activePair();
      s.end("alice", start + 200 * S);
      assert.throws(() => s.end("bob", start + 201 * S), { name: "ParleyError", code: "SESSION_NOT_ACTIVE" });
      assert.equal(s.endedAt, start + 200 * S);
      assert.throws(() => pair().end("alice", T0), { code: "SESSION_NOT_ACTIVE" });
    });

    it("refuses a stranger", () => {
      const { s, start } = activePair();
      assert.throws(() => s.end("mallory", start + 1), { code: "NOT_A_PARTICIPANT" });
    });
  });

  describe("adminEnd", () => {
    it("completes an active session (reason completed by default)", () => {
      const { s, start } = activePair();
      const t = s.adminEnd(start + 150 * S);
      assert.equal(t.to, "completed");
      assert.equal(t.reason, "completed");
      assert.equal(t.userId, undefined);
      assert.equal(t.xpEligible, true);
    });

    it("takes another reason, e.g. error for a room lost in a crash", () => {
      const { s, start } = activePair();
      assert.equal(s.adminEnd(start + 5 * S, "error").reason, "error");
    });

    it("expires a waiting session", () => {
      const s = pair();
      assert.equal(s.adminEnd(T0 + 5 * S).to, "expired");
    });

    it("throws SESSION_NOT_ACTIVE once ended", () => {
      const { s, start } = activePair();
      s.adminEnd(start);
      assert.throws(() => s.adminEnd(start + 1), { code: "SESSION_NOT_ACTIVE" });
    });
  });

  describe("durationSeconds(now)", () => {
    it("is 0 while waiting, grows while active, and freezes once ended", () => {
      const s = pair();
      assert.equal(s.durationSeconds(T0 + 30 * S), 0);
      s.join("alice", T0);
      s.join("bob", T0 + 10 * S);
      assert.equal(s.durationSeconds(T0 + 10 * S), 0);
      assert.equal(s.durationSeconds(T0 + 75_500), 65);
      s.end("bob", T0 + 100 * S);
      assert.equal(s.durationSeconds(T0 + 1000 * S), 90);
    });

    it("never goes negative for a clock earlier than the start", () => {
      const { s, start } = activePair();
      assert.equal(s.durationSeconds(start - 5 * S), 0);
    });
  });

  describe("groups (seed 000)", () => {
    it("activates at minParticipants (default 2), later joiners change nothing", () => {
      const g = group();
      assert.equal(g.minParticipants, 2);
      assert.equal(g.hostUserId, "host");
      assert.equal(g.join("host", T0), null);
      assert.equal(g.join("p2", T0 + 1 * S)?.to, "active");
      assert.equal(g.join("p3", T0 + 2 * S), null);
      assert.equal(g.joined.size, 3);
    });

    it("honours an explicit minParticipants", () => {
      const g = group({ minParticipants: 3 });
      g.join("host", T0);
      assert.equal(g.join("p2", T0), null);
      assert.equal(g.join("p3", T0)?.to, "active");
    });

    it("fixes the time limit at activation from the participants present then", () => {
      const g = group();
      g.join("host", T0);
      g.join("p2", T0);
      assert.equal(g.endsAt, T0 + 3600 * S);
      g.join("p3", T0 + 5 * S); // free, joined later
      assert.equal(g.endsAt, T0 + 3600 * S);
    });

    it("lets only the host end it, with host_ended", () => {
      const g = group();
      g.join("host", T0);
      g.join("p2", T0);
      assert.throws(() => g.end("p2", T0 + 100 * S), { name: "ParleyError", code: "FORBIDDEN" });
      assert.equal(g.status, "active");
      const t = g.end("host", T0 + 100 * S);
      assert.equal(t.to, "completed");
      assert.equal(t.reason, "host_ended");
    });

    it("keeps going while two remain, completes when only one participant is left", () => {
      const g = group();
      g.join("host", T0);
      g.join("p2", T0);
      g.join("p3", T0);
      assert.equal(g.leave("p2", T0 + 100 * S), null);
      assert.equal(g.status, "active");
      const t = g.leave("host", T0 + 200 * S);
      assert.equal(t?.to, "completed");
      assert.equal(t?.reason, "completed");
      assert.equal(t?.durationSeconds, 200);
    });

    it("aborts when one participant is left within the abort window", () => {
      const g = group();
      g.join("host", T0);
      g.join("p2", T0);
      g.join("p3", T0);
      g.leave("host", T0 + 10 * S);
      const t = g.leave("p2", T0 + 59_999);
      assert.equal(t?.to, "aborted");
      assert.equal(t?.reason, "partner_left");
    });

    it("hands the host role to the participant present the longest when the host leaves", () => {
      const g = group();
      g.join("host", T0);
      g.join("p3", T0 + 1 * S);
      g.join("p2", T0 + 2 * S);
      g.leave("host", T0 + 100 * S);
      assert.equal(g.hostUserId, "p3");
      assert.equal(g.end("p3", T0 + 120 * S).reason, "host_ended");
    });

    it("gives the host role to the first joiner when the host left before anyone was present", () => {
      const g = group();
      g.join("host", T0);
      g.leave("host", T0 + 1 * S);
      assert.equal(g.status, "waiting");
      g.join("p2", T0 + 2 * S);
      assert.equal(g.hostUserId, "p2");
    });

    it("admits newcomers, refuses strangers who were not admitted", () => {
      const g = group();
      assert.throws(() => g.join("newbie", T0), { code: "NOT_A_PARTICIPANT" });
      g.admit("newbie", "free");
      assert.equal(g.isParticipant("newbie"), true);
      g.join("host", T0);
      assert.equal(g.join("newbie", T0 + 1 * S)?.to, "active");
      assert.equal(g.endsAt, T0 + 1 * S + 900 * S); // the newcomer is free
    });

    it("refuses admission beyond maxParticipants with SESSION_FULL", () => {
      const g = group({ maxParticipants: 4 });
      g.admit("p4", "free");
      assert.throws(() => g.admit("p5", "free"), { code: "SESSION_FULL" });
      assert.equal(g.isParticipant("p5"), false);
    });

    it("does not let a participant who left rejoin until re-admitted", () => {
      const g = group();
      g.join("host", T0);
      g.join("p2", T0);
      g.join("p3", T0);
      g.leave("p3", T0 + 10 * S);
      assert.throws(() => g.join("p3", T0 + 20 * S), { code: "NOT_A_PARTICIPANT" });
      g.admit("p3", "free");
      assert.equal(g.join("p3", T0 + 30 * S), null);
      assert.equal(g.joined.has("p3"), true);
    });

    it("refuses admit for a pair, and after the end", () => {
      assert.throws(() => pair().admit("carol", "premium"), { code: "NOT_A_PARTICIPANT" });
      const g = group();
      g.adminEnd(T0);
      assert.throws(() => g.admit("carol", "premium"), { code: "SESSION_NOT_ACTIVE" });
    });

    it("expires a group whose minimum never arrives", () => {
      const g = group();
      g.join("host", T0);
      assert.equal(g.checkTimers(T0 + 60 * S)?.to, "expired");
    });
  });
});

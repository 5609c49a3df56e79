import assert from "node:assert/strict";
import {
  assertCanSchedule,
  MAX_SCHEDULE_AHEAD_MS,
  QUOTA_WINDOW_MS,
  quotaWindowStart,
  weeklyQuota,
} from "../../../src/session/quotas.js";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const DAY = 24 * 60 * 60 * 1000;

describe("weeklyQuota (DESIGN §6, seed 002 §6.5)", () => {
  it("uses a rolling 7-day window", () => {
    assert.equal(QUOTA_WINDOW_MS, 604_800_000);
    assert.equal(quotaWindowStart(NOW), NOW - 7 * DAY);
  });

  it("lets a free user start conversations 1 to 3 in the window", () => {
    assert.deepEqual(weeklyQuota({ tier: "free", conversationsInWindow: 0 }), { used: 0, limit: 3, remaining: 3 });
    assert.deepEqual(weeklyQuota({ tier: "free", conversationsInWindow: 2 }), { used: 2, limit: 3, remaining: 1 });
  });

  it("refuses the 4th with DAILY_LIMIT_REACHED (403)", () => {
    for (const used of [3, 4, 50]) {
      assert.throws(() => weeklyQuota({ tier: "free", conversationsInWindow: used }), {
        name: "ParleyError",
        code: "DAILY_LIMIT_REACHED",
        status: 403,
      });
    }
  });

  it("honours a configured limit", () => {
    assert.equal(weeklyQuota({ tier: "free", conversationsInWindow: 4, limit: 5 }).remaining, 1);
    assert.throws(() => weeklyQuota({ tier: "free", conversationsInWindow: 1, limit: 1 }), { code: "DAILY_LIMIT_REACHED" });
  });

  it("never limits premium users", () => {
    assert.deepEqual(weeklyQuota({ tier: "premium", conversationsInWindow: 1000 }), {
      used: 1000,
      limit: null,
      remaining: null,
    });
  });
});

describe("assertCanSchedule (DESIGN §4, seed 002 §6.5)", () => {
  it("lets anyone match now", () => {
    assert.doesNotThrow(() => assertCanSchedule({ tier: "free", mode: "now", now: NOW }));
    assert.doesNotThrow(() => assertCanSchedule({ tier: "premium", mode: "now", now: NOW }));
  });

  it("refuses scheduledFor with mode now", () => {
    assert.throws(() => assertCanSchedule({ tier: "premium", mode: "now", scheduledFor: NOW + DAY, now: NOW }), {
      code: "INVALID_REQUEST",
    });
  });

  it("refuses scheduling to free users with PREMIUM_REQUIRED, before looking at the date", () => {
    assert.throws(() => assertCanSchedule({ tier: "free", mode: "scheduled", scheduledFor: NOW + DAY, now: NOW }), {
      code: "PREMIUM_REQUIRED",
      status: 403,
    });
    assert.throws(() => assertCanSchedule({ tier: "free", mode: "scheduled", now: NOW }), { code: "PREMIUM_REQUIRED" });
  });

  it("lets premium users schedule from just after now up to exactly 7 days ahead", () => {
    assert.equal(MAX_SCHEDULE_AHEAD_MS, 7 * DAY);
    assert.doesNotThrow(() => assertCanSchedule({ tier: "premium", mode: "scheduled", scheduledFor: NOW + 1, now: NOW }));
    assert.doesNotThrow(() =>
      assertCanSchedule({ tier: "premium", mode: "scheduled", scheduledFor: NOW + 7 * DAY, now: NOW }),
    );
  });

  for (const [label, scheduledFor] of [
    ["missing", undefined],
    ["not a number", Number.NaN],
    ["now", NOW],
    ["in the past", NOW - 60_000],
    ["7 days and 1 ms ahead", NOW + 7 * DAY + 1],
  ] as const) {
    it(`refuses a premium schedule ${label} with INVALID_REQUEST`, () => {
      assert.throws(() => assertCanSchedule({ tier: "premium", mode: "scheduled", scheduledFor, now: NOW }), {
        name: "ParleyError",
        code: "INVALID_REQUEST",
        status: 400,
      });
    });
  }
});

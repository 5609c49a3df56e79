import assert from "node:assert/strict";
import { assertRatable, averageRating, RATING_EDIT_WINDOW_MS } from "../../../src/session/ratingRules.js";
import type { SessionStatus } from "../../../src/session/sessionLifecycle.js";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const HOUR = 60 * 60 * 1000;

const base = {
  status: "completed" as SessionStatus,
  participantIds: ["alice", "bob"],
  userId: "alice",
  rating: 4 as unknown,
  now: NOW,
};

describe("assertRatable (DESIGN §6, seed 002 §3.2, §8.2)", () => {
  it("accepts every integer from 1 to 5 as a new rating", () => {
    for (const rating of [1, 2, 3, 4, 5]) assert.equal(assertRatable({ ...base, rating }), "create");
  });

  for (const rating of [0, 6, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY, "5", null, undefined]) {
    it(`refuses rating ${String(rating)} (${typeof rating}) with INVALID_RATING (422)`, () => {
      assert.throws(() => assertRatable({ ...base, rating }), { name: "ParleyError", code: "INVALID_RATING", status: 422 });
    });
  }

  it("refuses a non-participant with NOT_A_PARTICIPANT, whatever the rating", () => {
    assert.throws(() => assertRatable({ ...base, userId: "mallory" }), { code: "NOT_A_PARTICIPANT" });
    assert.throws(() => assertRatable({ ...base, userId: "mallory", rating: 9 }), { code: "NOT_A_PARTICIPANT" });
  });

  it("rates completed and aborted sessions", () => {
    assert.equal(assertRatable({ ...base, status: "aborted" }), "create");
  });

  for (const status of ["waiting", "active", "expired"] as const) {
    it(`refuses a session that is ${status} with SESSION_NOT_ACTIVE`, () => {
      assert.throws(() => assertRatable({ ...base, status }), { code: "SESSION_NOT_ACTIVE" });
    });
  }

  it("accepts feedback up to 500 characters and refuses 501", () => {
    assert.equal(assertRatable({ ...base, feedback: "x".repeat(500) }), "create");
    assert.throws(() => assertRatable({ ...base, feedback: "x".repeat(501) }), { code: "INVALID_REQUEST" });
  });

  it("lets a rating be edited for 24 h after it was given, not at 24 h", () => {
    assert.equal(RATING_EDIT_WINDOW_MS, 24 * HOUR);
    assert.equal(assertRatable({ ...base, existingRating: { ratedAt: NOW - 24 * HOUR + 1 } }), "update");
    assert.throws(() => assertRatable({ ...base, existingRating: { ratedAt: NOW - 24 * HOUR } }), {
      code: "RATING_WINDOW_CLOSED",
      status: 422,
    });
  });
});

describe("averageRating", () => {
  it("is undefined without ratings", () => {
    assert.equal(averageRating([]), undefined);
  });

  it("is the mean rounded to 2 decimals", () => {
    assert.equal(averageRating([5]), 5);
    assert.equal(averageRating([1, 2]), 1.5);
    assert.equal(averageRating([4, 5, 5]), 4.67);
    assert.equal(averageRating([4, 4, 5]), 4.33);
    assert.equal(averageRating([1, 1, 1, 1, 1, 1, 2]), 1.14);
  });
});

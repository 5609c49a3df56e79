import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import { FixedWindowBudget } from "../../../src/session/messageBudget.js";

describe("FixedWindowBudget (per-connection and per-pair message budgets)", () => {
  const T = Date.UTC(2026, 11, 7, 10, 0, 0);

  it("takes max messages per key per window, refuses the next with RATE_LIMITED and the seconds left, and opens a fresh window after", () => {
    const budget = new FixedWindowBudget(3, 60_000, "too many messages on this connection");
    for (let i = 0; i < 3; i++) budget.consume("c1", T + i);
    assert.throws(
      () => budget.consume("c1", T + 20_000),
      (err: unknown) => isParleyError(err) && err.code === "RATE_LIMITED" && err.message === "too many messages on this connection" && err.retryAfterSeconds === 40,
    );
    budget.consume("c2", T + 20_000);
    budget.consume("c1", T + 60_000);
  });

  it("does not count a refused message, and forgets a key", () => {
    const budget = new FixedWindowBudget(1, 60_000, "too many");
    budget.consume("c1", T);
    assert.throws(() => budget.consume("c1", T + 1));
    budget.forget("c1");
    budget.consume("c1", T + 2);
  });

  it("forgets a key it never saw (a connection that sent nothing), then counts as usual", () => {
    const budget = new FixedWindowBudget(1, 60_000, "too many");
    budget.forget("never-spent");
    budget.consume("c1", T);
    assert.throws(() => budget.consume("c1", T + 1));
  });
});

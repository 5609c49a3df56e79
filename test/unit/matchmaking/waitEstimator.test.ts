import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import { WaitEstimator } from "../../../src/matchmaking/waitEstimator.js";

describe("WaitEstimator", () => {
  it("returns the documented default (30 s) before any wait is recorded", () => {
    assert.equal(new WaitEstimator().estimate("en", "B1"), 30);
    assert.equal(new WaitEstimator({ defaultSeconds: 45 }).estimate("en", "B1"), 45);
  });

  it("starts from the first real wait, then follows an exponential moving average (alpha 0.2)", () => {
    const estimator = new WaitEstimator();
    estimator.record("en", "B1", 10, 0);
    assert.equal(estimator.estimate("en", "B1"), 10);
    estimator.record("en", "B1", 60, 1000); // 10 + 0.2 × 50 = 20
    assert.equal(estimator.estimate("en", "B1"), 20);
    estimator.record("en", "B1", 20, 2000); // 20 + 0.2 × 0 = 20
    assert.equal(estimator.estimate("en", "B1"), 20);
    assert.equal(estimator.sampleCount("en", "B1"), 3);
  });

  it("keeps languages and levels apart", () => {
    const estimator = new WaitEstimator({ alpha: 1 });
    estimator.record("en", "B1", 12, 0);
    estimator.record("en", "C2", 90, 0);
    estimator.record("fr", "B1", 40, 0);
    assert.equal(estimator.estimate("en", "B1"), 12);
    assert.equal(estimator.estimate("en", "C2"), 90);
    assert.equal(estimator.estimate("fr", "B1"), 40);
  });

  it("falls back to the language's average, then to the overall average", () => {
    const estimator = new WaitEstimator({ alpha: 1 });
    estimator.record("en", "B1", 12, 0);
    assert.equal(estimator.estimate("en", "A1"), 12, "same language, other level");
    estimator.record("fr", "B1", 40, 0);
    assert.equal(estimator.estimate("de", "B1"), 40, "unknown language: the overall (latest) average");
  });

  it("ignores averages older than maxAgeMs when asked with now, and restarts them on a new sample", () => {
    const estimator = new WaitEstimator({ maxAgeMs: 60_000 });
    estimator.record("en", "B1", 100, 0);
    assert.equal(estimator.estimate("en", "B1", 60_000), 100);
    assert.equal(estimator.estimate("en", "B1", 60_001), 30, "stale everywhere: default");
    estimator.record("en", "B1", 8, 120_000);
    assert.equal(estimator.estimate("en", "B1", 120_000), 8, "the stale 100 s is not averaged in");
  });

  it("rounds to whole seconds and ignores invalid samples", () => {
    const estimator = new WaitEstimator();
    estimator.record("en", "B1", 12.6, 0);
    estimator.record("en", "B1", -5, 0);
    estimator.record("en", "B1", Number.NaN, 0);
    assert.equal(estimator.estimate("en", "B1"), 13);
    assert.equal(estimator.sampleCount("en", "B1"), 1);
  });

  it("refuses an alpha outside (0, 1] with INVALID_REQUEST", () => {
    for (const alpha of [0, 1.5, Number.NaN]) {
      assert.throws(() => new WaitEstimator({ alpha }), (err: unknown) => isParleyError(err) && err.code === "INVALID_REQUEST");
    }
  });
});

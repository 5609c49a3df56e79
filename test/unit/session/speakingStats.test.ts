import assert from "node:assert/strict";
import { SpeakingStats } from "../../../src/session/speakingStats.js";

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 1000;

describe("SpeakingStats (DESIGN §6)", () => {
  it("accrues speaking time between a true and a false edge and counts one turn", () => {
    const stats = new SpeakingStats();
    assert.deepEqual(stats.edge("alice", true, T0), { spokenSeconds: 0, turnCount: 1, speaking: true });
    assert.deepEqual(stats.edge("alice", false, T0 + 3 * S), { spokenSeconds: 3, turnCount: 1, speaking: false });
    assert.deepEqual(stats.snapshot("alice", T0 + 100 * S), { spokenSeconds: 3, turnCount: 1, speaking: false });
  });

  it("counts a turn per false→true edge and sums the intervals", () => {
    const stats = new SpeakingStats();
    stats.edge("alice", true, T0);
    stats.edge("alice", false, T0 + 2 * S);
    stats.edge("alice", true, T0 + 10 * S);
    stats.edge("alice", false, T0 + 15 * S);
    stats.edge("alice", true, T0 + 20 * S);
    assert.deepEqual(stats.snapshot("alice", T0 + 21 * S), { spokenSeconds: 8, turnCount: 3, speaking: true });
  });

  it("ignores repeated edges with the same value", () => {
    const stats = new SpeakingStats();
    assert.equal(stats.edge("alice", false, T0), null);
    stats.edge("alice", true, T0 + 1 * S);
    assert.equal(stats.edge("alice", true, T0 + 4 * S), null);
    stats.edge("alice", false, T0 + 6 * S);
    assert.equal(stats.edge("alice", false, T0 + 9 * S), null);
    assert.deepEqual(stats.snapshot("alice", T0 + 10 * S), { spokenSeconds: 5, turnCount: 1, speaking: false });
  });

  it("includes the open interval in a snapshot without changing anything", () => {
    const stats = new SpeakingStats();
    stats.edge("alice", true, T0);
    assert.equal(stats.snapshot("alice", T0 + 7 * S).spokenSeconds, 7);
    assert.equal(stats.snapshot("alice", T0 + 9 * S).spokenSeconds, 9);
    assert.equal(stats.edge("alice", false, T0 + 10 * S)?.spokenSeconds, 10);
  });

  it("keeps participants apart", () => {
    const stats = new SpeakingStats();
    stats.edge("alice", true, T0);
    stats.edge("bob", true, T0 + 1 * S);
    stats.edge("alice", false, T0 + 4 * S);
    assert.deepEqual(stats.snapshotAll(T0 + 5 * S), {
      alice: { spokenSeconds: 4, turnCount: 1, speaking: false },
      bob: { spokenSeconds: 4, turnCount: 1, speaking: true },
    });
  });

  it("reports zeros for someone never seen", () => {
    assert.deepEqual(new SpeakingStats().snapshot("nobody", T0), { spokenSeconds: 0, turnCount: 0, speaking: false });
  });

  it("rounds to 0.1 s", () => {
    const stats = new SpeakingStats();
    stats.edge("a", true, T0);
    assert.equal(stats.snapshot("a", T0 + 1234).spokenSeconds, 1.2);
    assert.equal(stats.snapshot("a", T0 + 1250).spokenSeconds, 1.3);
    assert.equal(stats.snapshot("a", T0 + 1249).spokenSeconds, 1.2);
  });

  describe("stale edges", () => {
    it("close() ends an open interval at the disconnect without counting a turn", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0);
      assert.deepEqual(stats.close("alice", T0 + 5 * S), { spokenSeconds: 5, turnCount: 1, speaking: false });
      assert.equal(stats.snapshot("alice", T0 + 600 * S).spokenSeconds, 5);
      assert.equal(stats.close("alice", T0 + 700 * S), null);
    });

    it("close() is a no-op for someone silent or unknown", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0);
      stats.edge("alice", false, T0 + 1 * S);
      assert.equal(stats.close("alice", T0 + 2 * S), null);
      assert.equal(stats.close("nobody", T0 + 2 * S), null);
    });

    it("a reconnected participant starts a new turn", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0);
      stats.close("alice", T0 + 2 * S);
      stats.edge("alice", true, T0 + 30 * S);
      assert.deepEqual(stats.snapshot("alice", T0 + 31 * S), { spokenSeconds: 3, turnCount: 2, speaking: true });
    });

    it("closeAll() closes every open interval and names who was closed", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0);
      stats.edge("bob", true, T0);
      stats.edge("bob", false, T0 + 1 * S);
      stats.edge("carol", true, T0 + 2 * S);
      assert.deepEqual(stats.closeAll(T0 + 10 * S).sort(), ["alice", "carol"]);
      assert.equal(stats.snapshot("alice", T0 + 99 * S).spokenSeconds, 10);
      assert.equal(stats.snapshot("carol", T0 + 99 * S).spokenSeconds, 8);
      assert.deepEqual(stats.closeAll(T0 + 20 * S), []);
    });
  });

  describe("clamping to wall time", () => {
    it("clamps an edge earlier than the last one, so no interval is negative", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0 + 10 * S);
      const out = stats.edge("alice", false, T0 + 5 * S);
      assert.deepEqual(out, { spokenSeconds: 0, turnCount: 1, speaking: false });
    });

    it("does not let a late-arriving early timestamp rewind an open interval", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0);
      stats.edge("alice", false, T0 + 10 * S);
      stats.edge("alice", true, T0 + 4 * S); // clamped to T0 + 10 s
      assert.equal(stats.snapshot("alice", T0 + 12 * S).spokenSeconds, 12);
      assert.equal(stats.snapshot("alice", T0 + 3 * S).spokenSeconds, 10);
    });

    it("never reports more speaking time than wall time since the first edge", () => {
      const stats = new SpeakingStats();
      stats.edge("alice", true, T0);
      for (let i = 1; i <= 50; i++) {
        stats.edge("alice", i % 2 === 0, T0 + i * 100 - (i % 3) * 250);
      }
      const snap = stats.snapshot("alice", T0 + 60 * S);
      assert.ok(snap.spokenSeconds >= 0 && snap.spokenSeconds <= 60, String(snap.spokenSeconds));
    });

    it("counts nothing before the session start", () => {
      const stats = new SpeakingStats({ startedAt: T0 + 10 * S });
      stats.edge("alice", true, T0);
      assert.equal(stats.snapshot("alice", T0 + 12 * S).spokenSeconds, 2);
      assert.equal(stats.edge("alice", false, T0 + 5 * S)?.spokenSeconds, 0);
    });

    it("refuses a non-finite time", () => {
      const stats = new SpeakingStats();
      assert.throws(() => stats.edge("alice", true, Number.NaN), RangeError);
      assert.deepEqual(stats.snapshot("alice", T0), { spokenSeconds: 0, turnCount: 0, speaking: false });
    });
  });
  it("resume opens an interval without counting a turn, and does nothing while already speaking", () => {
    const stats = new SpeakingStats();
    assert.deepEqual(stats.resume("alice", T0), { spokenSeconds: 0, turnCount: 0, speaking: true });
    assert.equal(stats.resume("alice", T0 + S), null);
    assert.deepEqual(stats.edge("alice", false, T0 + 4 * S), { spokenSeconds: 4, turnCount: 0, speaking: false });
    assert.deepEqual(stats.edge("alice", true, T0 + 5 * S), { spokenSeconds: 4, turnCount: 1, speaking: true });
  });
});

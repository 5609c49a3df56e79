import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { matchmakingLatencySpec, relayLatencySpec, relayMemorySpec } from "../../../loadtest/benchCharts.js";
import { matchmakingRunSchema, readRunJson, type MatchmakingRun, type RelayRun } from "../../../loadtest/benchResults.js";

const context = { date: "2026-12-07T12:00:00.000Z", machine: { cpus: 2, cpuModel: "test", node: "v22", platform: "linux/x64" }, command: "npm run bench:…" };

function matchmakingRun(processes: number, rows: { rate: number; arrivals: number; failed: number; p99: number | null }[]): MatchmakingRun {
  return {
    bench: "matchmaking",
    ...context,
    parameters: { rates: rows.map((r) => r.rate), seconds: 30, processes, store: "mongo", redis: processes === 2, workers: null, matchTimeoutSeconds: 30, holdSeconds: 2 },
    rows: rows.map((r) => ({
      rate: r.rate,
      arrivals: r.arrivals,
      matched: r.arrivals - r.failed,
      seated: r.arrivals - r.failed,
      failed: r.failed,
      reasons: {},
      joinToMatchFoundMs: { p50: r.p99 === null ? null : r.p99 / 4, p95: r.p99 === null ? null : r.p99 / 2, p99: r.p99 },
      matchFoundToSeatedMs: { p50: 5, p95: 9 },
      matchesPerSecond: 1,
      serverCpuPercent: 10,
      serverRssMb: 150,
    })),
    sustainedRate: 0,
  };
}

/** The inline data of a (sub)spec. */
function values(spec: unknown): Record<string, unknown>[] {
  return (spec as { data: { values: Record<string, unknown>[] } }).data.values;
}

describe("benchmark charts (data → vega-lite spec)", () => {
  it("matchmaking: one series per run, no point for a percentile without sample, failed joins as a share of arrivals", () => {
    const spec = matchmakingLatencySpec([
      matchmakingRun(1, [
        { rate: 50, arrivals: 1500, failed: 0, p99: 400 },
        { rate: 100, arrivals: 3000, failed: 3000, p99: null },
      ]),
      matchmakingRun(2, [{ rate: 100, arrivals: 3000, failed: 30, p99: 800 }]),
    ]) as { vconcat: unknown[] };
    const latency = values(spec.vconcat[0]);
    assert.deepEqual(
      latency.map((v) => [v.series, v.rate, v.percentile, v.ms]),
      [
        ["1 process, mongo store", 50, "p50", 100],
        ["1 process, mongo store", 50, "p95", 200],
        ["1 process, mongo store", 50, "p99", 400],
        ["2 processes, mongo store, Redis", 100, "p50", 200],
        ["2 processes, mongo store, Redis", 100, "p95", 400],
        ["2 processes, mongo store, Redis", 100, "p99", 800],
      ],
    );
    const failed = values(spec.vconcat[1]);
    assert.deepEqual(
      failed.map((v) => [v.series, v.rate, v.failedShare]),
      [
        ["1 process, mongo store", 50, 0],
        ["1 process, mongo store", 100, 1],
        ["2 processes, mongo store, Redis", 100, 0.01],
      ],
    );
  });

  it("relay: p99 of both message kinds and KB per learner against live sessions, named per target", () => {
    const row = (target: "raw" | "bare" | "parley", sessions: number, speakingP99: number | null, kbPerLearner: number) => ({
      target,
      pairs: 1000,
      sessions,
      iceMs: { p50: 1, p95: 2, p99: 3 },
      speakingMs: { p50: 1, p95: 2, p99: speakingP99 },
      sent: 10,
      received: 10,
      errors: {},
      idleCpuPercent: 1,
      loadCpuPercent: 2,
      rssMb: 100,
      kbPerLearner,
      setupSeconds: 1,
    });
    const run: RelayRun = {
      bench: "relay",
      ...context,
      parameters: { pairs: [1000], targets: ["raw", "bare", "parley"], generators: 2, idleSeconds: 10, loadSeconds: 20 },
      rows: [row("raw", 1000, 4, 30), row("bare", 1000, null, 400), row("parley", 998, 9, 120)],
    };
    assert.deepEqual(
      values(relayLatencySpec(run)).map((v) => [v.target, v.sessions, v.message, v.y]),
      [
        ["raw ws", 1000, "ICE candidate", 3],
        ["raw ws", 1000, "speaking edge", 4],
        ["bare Colyseus", 1000, "ICE candidate", 3],
        ["parley", 998, "ICE candidate", 3],
        ["parley", 998, "speaking edge", 9],
      ],
    );
    assert.deepEqual(
      values(relayMemorySpec(run)).map((v) => [v.target, v.y]),
      [
        ["raw ws", 30],
        ["bare Colyseus", 400],
        ["parley", 120],
      ],
    );
  });

  it("reads a result file: undefined when missing, an error naming the file when it is not one", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-charts-"));
    try {
      assert.equal(readRunJson(join(dir, "missing.json"), matchmakingRunSchema), undefined);
      const wrong = join(dir, "wrong.json");
      writeFileSync(wrong, JSON.stringify({ bench: "relay" }));
      assert.throws(() => readRunJson(wrong, matchmakingRunSchema), (err: Error) => err.message.startsWith(`${wrong}: not a benchmark result file`));
      const good = join(dir, "good.json");
      const run = matchmakingRun(1, [{ rate: 5, arrivals: 15, failed: 1, p99: 800 }]);
      writeFileSync(good, JSON.stringify(run));
      assert.deepEqual(readRunJson(good, matchmakingRunSchema), run);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Benchmark charts for `loadtest/RESULTS.md` (issue 11: "SVG charts (latency vs load, memory vs
 * sessions) rendered by a charting library"), from the JSON files the benchmarks write with
 * `--json` (loadtest/benchResults.ts), through vega-lite (loadtest/svgChart.ts):
 *
 * - `matchmaking-latency.svg`: join → `match_found` p50/p95/p99 vs arrival rate, one series per
 *   `bench:matchmaking` run (process count, store), and below it the failed joins (% of arrivals,
 *   labelled failed/arrivals);
 * - `relay-latency.svg`: relay p99 (ICE candidate, `speaking` edge) vs live pair sessions, for
 *   parley, a bare Colyseus room and a raw `ws` relay (`bench:relay`);
 * - `relay-memory.svg`: server RSS per connected learner vs live pair sessions, same targets.
 *
 *   npm run bench:charts -- [--matchmaking loadtest/results/matchmaking-1.json,loadtest/results/matchmaking-2.json]
 *                           [--relay loadtest/results/relay.json] [--out loadtest]
 *
 * A chart whose input files are all missing is skipped, with a line saying so.
 */
import path from "node:path";
import { parseArgs } from "node:util";
import type { TopLevelSpec } from "vega-lite";
import { matchmakingRunSchema, readRunJson, relayRunSchema, type MatchmakingRun, type RelayRun } from "./benchResults.js";
import { renderSvg, VEGA_LITE_SCHEMA } from "./svgChart.js";

/** How each relay target is named on the charts, in legend order. */
export const RELAY_TARGET_LABELS: Record<RelayRun["rows"][number]["target"], string> = { parley: "parley", bare: "bare Colyseus", raw: "raw ws" };

/** A dash legend drawn as line strokes, under the chart. */
const DASH_LEGEND = { orient: "right", symbolType: "stroke", symbolSize: 400, symbolStrokeWidth: 2, encoding: { symbols: { stroke: { value: "black" } } } } as const;

/** Where and on what a run was measured, for a chart's subtitle. */
function measuredOn(runs: readonly (MatchmakingRun | RelayRun)[]): string {
  const dates = [...new Set(runs.map((r) => r.date.slice(0, 10)))].join(", ");
  const cpus = [...new Set(runs.map((r) => r.machine.cpus))].join("/");
  return `${dates}, ${cpus} CPU`;
}

/** The legend name of a matchmaking run: process count, store, Redis. */
export function matchmakingSeries(run: MatchmakingRun): string {
  const { processes, store, redis } = run.parameters;
  return `${processes} process${processes === 1 ? "" : "es"}, ${store} store${redis ? ", Redis" : ""}`;
}

/**
 * Join → `match_found` latency percentiles vs arrival rate, one colour per run, one dash per
 * percentile (log scale, ms; a percentile with no sample is left out), above the failed joins
 * (% of arrivals) per rate.
 */
export function matchmakingLatencySpec(runs: readonly MatchmakingRun[]): TopLevelSpec {
  const latency = runs.flatMap((run) =>
    run.rows.flatMap((row) =>
      (["p50", "p95", "p99"] as const).flatMap((percentile) => {
        const ms = row.joinToMatchFoundMs[percentile];
        return ms === null ? [] : [{ series: matchmakingSeries(run), rate: row.rate, percentile, ms }];
      }),
    ),
  );
  const failed = runs.flatMap((run) =>
    run.rows.map((row) => ({ series: matchmakingSeries(run), rate: row.rate, failed: row.failed, arrivals: row.arrivals, failedShare: row.arrivals === 0 ? 0 : row.failed / row.arrivals })),
  );
  const x = { field: "rate", type: "quantitative", title: "arrivals per second (one queue)", axis: { format: "~g" } } as const;
  const color = { field: "series", type: "nominal", title: "run", legend: { orient: "bottom", labelLimit: 400 } } as const;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: "Matchmaking: join → match_found latency vs arrival rate", subtitle: `npm run bench:matchmaking / bench:scaleout; ${measuredOn(runs)}` },
    resolve: { scale: { color: "shared", x: "shared" } },
    vconcat: [
      {
        width: 520,
        height: 280,
        data: { values: latency },
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: {
          x,
          y: { field: "ms", type: "quantitative", title: "join → match_found, ms (log)", scale: { type: "log" } },
          color,
          strokeDash: { field: "percentile", type: "nominal", title: "percentile", sort: ["p50", "p95", "p99"], legend: DASH_LEGEND },
          tooltip: [{ field: "series" }, { field: "rate" }, { field: "percentile" }, { field: "ms", format: ".0f" }],
        },
      },
      {
        width: 520,
        height: 110,
        data: { values: failed },
        layer: [
          {
            mark: { type: "line", point: true, strokeWidth: 2 },
            encoding: {
              x,
              y: { field: "failedShare", type: "quantitative", title: "failed joins", axis: { format: "%" }, scale: { domainMin: 0 } },
              color,
            },
          },
          {
            transform: [{ filter: "datum.failed > 0" }, { calculate: "datum.failed + '/' + datum.arrivals", as: "label" }],
            mark: { type: "text", dy: -9, fontSize: 10 },
            encoding: { x, y: { field: "failedShare", type: "quantitative" }, color, text: { field: "label", type: "nominal" } },
          },
        ],
      },
    ],
  };
}

/** One point per relay row and message kind, `null` percentiles left out. */
function relayValues(run: RelayRun, value: (row: RelayRun["rows"][number]) => { message: string; y: number | null }[]) {
  return run.rows.flatMap((row) =>
    value(row).flatMap(({ message, y }) => (y === null ? [] : [{ target: RELAY_TARGET_LABELS[row.target], sessions: row.sessions, message, y }])),
  );
}

const relayX = { field: "sessions", type: "quantitative", title: "live pair sessions", axis: { format: "~g" } } as const;
const relayColor = { field: "target", type: "nominal", title: "server", sort: Object.values(RELAY_TARGET_LABELS), legend: { orient: "bottom" } } as const;

/** Relay p99 (ICE candidate and `speaking` edge, ms, log scale) vs live sessions, per target. */
export function relayLatencySpec(run: RelayRun): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: "Signaling relay: p99 latency vs sessions (1 message/s per session)", subtitle: `npm run bench:relay; ${measuredOn([run])}` },
    width: 520,
    height: 300,
    data: {
      values: relayValues(run, (row) => [
        { message: "ICE candidate", y: row.iceMs.p99 },
        { message: "speaking edge", y: row.speakingMs.p99 },
      ]),
    },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: relayX,
      y: { field: "y", type: "quantitative", title: "relay p99, ms (log)", scale: { type: "log" } },
      color: relayColor,
      strokeDash: { field: "message", type: "nominal", title: "message", legend: DASH_LEGEND },
    },
  };
}

/** Server RSS per connected learner (KB) vs live sessions, per target. */
export function relayMemorySpec(run: RelayRun): TopLevelSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: "Signaling relay: server memory per learner vs sessions", subtitle: `(RSS connected − RSS before) / learners; npm run bench:relay; ${measuredOn([run])}` },
    width: 520,
    height: 300,
    data: { values: relayValues(run, (row) => [{ message: "RSS", y: row.kbPerLearner }]) },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: relayX,
      y: { field: "y", type: "quantitative", title: "RSS per learner, KB" },
      color: relayColor,
    },
  };
}

async function main(): Promise<void> {
  const results = path.join(__dirname, "results");
  const { values } = parseArgs({
    options: {
      matchmaking: { type: "string", default: ["matchmaking-1.json", "matchmaking-2.json"].map((f) => path.join(results, f)).join(",") },
      relay: { type: "string", default: path.join(results, "relay.json") },
      out: { type: "string", default: __dirname },
    },
  });
  const show = (file: string) => (path.resolve(file).startsWith(process.cwd()) ? path.relative(process.cwd(), file) : file);
  const write = async (name: string, spec: TopLevelSpec) => {
    const file = path.join(values.out, name);
    await renderSvg(spec, file);
    console.log(`wrote ${show(file)}`);
  };

  const matchmakingFiles = values.matchmaking.split(",").filter((f) => f !== "");
  const runs = matchmakingFiles.flatMap((file) => {
    const run = readRunJson(file, matchmakingRunSchema);
    if (!run) console.log(`skipped ${show(file)}: no such file (run bench:matchmaking or bench:scaleout with --json ${show(file)})`);
    return run ? [run] : [];
  });
  if (runs.length > 0) await write("matchmaking-latency.svg", matchmakingLatencySpec(runs));
  else console.log("skipped matchmaking-latency.svg: none of its input files exists");

  const relay = readRunJson(values.relay, relayRunSchema);
  if (relay) {
    await write("relay-latency.svg", relayLatencySpec(relay));
    await write("relay-memory.svg", relayMemorySpec(relay));
  } else {
    console.log(`skipped relay-latency.svg and relay-memory.svg: no ${show(values.relay)} (run bench:relay with --json ${show(values.relay)})`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

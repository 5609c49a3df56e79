/**
 * The JSON files the benchmarks write with `--json <file>` (issue 11: results and charts in
 * `loadtest/RESULTS.md`) and `bench:charts` (loadtest/benchCharts.ts) reads: the rows of the
 * printed table, unrounded, plus the run's parameters and machine. One zod schema per file kind;
 * the writers build the inferred types, the reader checks a file against its schema.
 *
 * Latencies are in ms, CPU in % of one core, memory in MB or KB as named; a percentile of no
 * sample at all is `null` (the table prints "–").
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { z } from "zod";

/** A percentile in ms, `null` when there was no sample (JSON has no NaN). */
const percentileMs = z.number().nullable();

/** Where and when a benchmark ran. */
const runContextSchema = z.object({
  /** ISO 8601, UTC, when the run ended. */
  date: z.string(),
  machine: z.object({ cpus: z.number().int(), cpuModel: z.string(), node: z.string(), platform: z.string() }),
  /** The command that reproduces the run. */
  command: z.string(),
});

/** One `bench:matchmaking` run (one server set, several rates): loadtest/matchmakingBench.ts. */
export const matchmakingRunSchema = runContextSchema.extend({
  bench: z.literal("matchmaking"),
  parameters: z.object({
    rates: z.array(z.number()),
    /** Seconds of arrivals per rate. */
    seconds: z.number(),
    processes: z.number().int(),
    store: z.enum(["memory", "mongo"]),
    /** Redis presence/driver. */
    redis: z.boolean(),
    /** Load worker processes, `null` for the default by rate. */
    workers: z.number().nullable(),
    matchTimeoutSeconds: z.number(),
    holdSeconds: z.number(),
  }),
  rows: z.array(
    z.object({
      /** Arrivals per second. */
      rate: z.number(),
      arrivals: z.number().int(),
      /** Learners who got `match_found`. */
      matched: z.number().int(),
      seated: z.number().int(),
      /** Arrivals not seated: failed joins, whatever the reason. */
      failed: z.number().int(),
      /** Failures by reason (ids and numbers taken out). */
      reasons: z.record(z.string(), z.number().int()),
      joinToMatchFoundMs: z.object({ p50: percentileMs, p95: percentileMs, p99: percentileMs }),
      matchFoundToSeatedMs: z.object({ p50: percentileMs, p95: percentileMs }),
      matchesPerSecond: z.number(),
      serverCpuPercent: z.number(),
      /** Peak of the server processes' summed VmRSS. */
      serverRssMb: z.number(),
    }),
  ),
  /** Highest rate with p95 < 1 s and no failure, 0 for none. */
  sustainedRate: z.number(),
});

/** One `bench:matchmaking` run as written to JSON. */
export type MatchmakingRun = z.infer<typeof matchmakingRunSchema>;

/** The targets of `bench:relay`: a raw `ws` relay, a bare Colyseus room, parley. */
export const RELAY_TARGETS = ["raw", "bare", "parley"] as const;

/** One `bench:relay` run (every size, every target): loadtest/relayBench.ts. */
export const relayRunSchema = runContextSchema.extend({
  bench: z.literal("relay"),
  parameters: z.object({
    /** Pair sessions asked for, one size per step. */
    pairs: z.array(z.number()),
    targets: z.array(z.enum(RELAY_TARGETS)),
    generators: z.number().int(),
    idleSeconds: z.number(),
    loadSeconds: z.number(),
  }),
  rows: z.array(
    z.object({
      target: z.enum(RELAY_TARGETS),
      /** Pair sessions asked for. */
      pairs: z.number().int(),
      /** Pair sessions live (set up). */
      sessions: z.number().int(),
      iceMs: z.object({ p50: percentileMs, p95: percentileMs, p99: percentileMs }),
      speakingMs: z.object({ p50: percentileMs, p95: percentileMs, p99: percentileMs }),
      sent: z.number().int(),
      received: z.number().int(),
      /** Error messages received, by code. */
      errors: z.record(z.string(), z.number().int()),
      idleCpuPercent: z.number(),
      loadCpuPercent: z.number(),
      /** Server RSS with every session connected. */
      rssMb: z.number(),
      /** (RSS connected − RSS before) / learners (2 per session). */
      kbPerLearner: z.number(),
      setupSeconds: z.number(),
    }),
  ),
});

/** One `bench:relay` run as written to JSON. */
export type RelayRun = z.infer<typeof relayRunSchema>;

/** The run context of now: date and this machine; `command` as given. */
export function runContext(command: string): z.infer<typeof runContextSchema> {
  return {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "?", node: process.version, platform: `${process.platform}/${process.arch}` },
    command,
  };
}

/** A measured percentile for JSON: NaN (no sample) becomes `null`. */
export function jsonMs(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}

/** Writes a run to `file` (parent folders created), pretty-printed. */
export function writeRunJson(file: string, run: MatchmakingRun | RelayRun): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
}

/**
 * Reads and checks a run file. @returns the run, or `undefined` when the file does not exist
 * @throws Error naming the file when it is not valid JSON or does not match `schema`
 */
export function readRunJson<T>(file: string, schema: z.ZodType<T>): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${file}: not a benchmark result file: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

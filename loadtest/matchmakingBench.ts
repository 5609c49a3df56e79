/**
 * Matchmaking benchmark (issue 11 §1, §4): SDK learners arrive at a set rate in ONE practice
 * queue (`en`, one topic, premium, B1 70% / B2 30%, so two arrivals of a level make a pair),
 * each as the web app does (DESIGN §5): `joinOrCreate("matchmaking", …)`, wait for
 * `match_found`, `consumeSeatReservation` into the conversation room, hold the seat
 * `--hold-seconds`, leave. Per rate it reports join → `match_found` p50/p95/p99,
 * `match_found` → seated p50/p95, failed joins by reason, matches/s, the server processes'
 * CPU % (utime + stime from /proc/<pid>/stat, summed) and RSS (VmRSS, summed, the peak), and
 * at the end the highest rate with p95 < 1 s and no failure.
 *
 *   npm run bench:matchmaking -- --rates 50,100,200,400 [--seconds 30] [--processes 1|2]
 *                                [--store memory|mongo] [--redis] [--workers N] [--count-ops]
 *                                [--json loadtest/results/matchmaking-1.json]
 *   npm run bench:scaleout    -- --rates …      # the same rates on 1 then 2 processes, and the ratio
 *
 * `--json <file>` also writes the table's rows and the run's parameters (loadtest/benchResults.ts)
 * for `npm run bench:charts`; `bench:scaleout` writes one file per process count, the count put
 * before the extension (`--json loadtest/results/matchmaking.json` → `matchmaking-1.json`, `-2.json`).
 *
 * - the server runs as child processes (`node dist/src/main.js`, the production build, built first when stale) on free ports of 127.0.0.1;
 *   with `--processes 2` (or `--redis`) they share Redis presence/driver (`REDIS_URL` from
 *   `scripts/services.sh env`, database 12, flushed first), each with its own port and
 *   `PUBLIC_ADDRESS`, and learners take the processes' HTTP endpoints round-robin;
 * - `--store mongo` uses `MONGODB_URI` (FerretDB from `scripts/services.sh`) with a fresh
 *   database, dropped afterwards; `memory` is the embedded store (one process only);
 * - load generators are child processes of their own (`--workers`, default 1 below 200/s,
 *   else 2), each taking every W-th arrival;
 * - bounded: at most `--max-learners` (default 30,000) learners in all, a learner gives up
 *   after `--match-timeout` seconds (default 30); every child is killed at the end;
 * - `--count-ops` first prints the store round trips of one admission, one match and one
 *   session end (`storeRoundTrips.ts`), counted on the chosen store.
 */
import { Client, type Room } from "@colyseus/sdk";
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { extname } from "node:path";
import { Redis } from "ioredis";
import { mintDevToken } from "../src/auth/devTokens.js";
import { loadConfig } from "../src/config/config.js";
import { dropDatabase, freshDatabaseUri, INTEGRATION_JWT_SECRET, startChildParley, type ChildParley } from "../test/integration/support/parleyCluster.js";
import { jsonMs, runContext, writeRunJson, type MatchmakingRun } from "./benchResults.js";
import { printStoreRoundTrips } from "./storeRoundTrips.js";

const REDIS_DB = 12;
const TOPIC = "daily_life.introductions";

/** One learner's outcome, as a worker reports it. */
interface LearnerOutcome {
  joinToFoundMs?: number;
  foundToSeatedMs?: number;
  failure?: string;
}

/** What the orchestrator hands a load worker (argv JSON). */
interface WorkerPlan {
  endpoints: string[];
  rate: number;
  seconds: number;
  worker: number;
  workers: number;
  matchTimeoutMs: number;
  holdMs: number;
}

interface WorkerReport {
  outcomes: LearnerOutcome[];
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function numberFlag(name: string, fallback: number): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number, got "${raw}"`);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

/** A failure message with ids and numbers taken out, so that reasons can be counted. */
function reasonOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, "<id>").replace(/\b[\w-]*\d[\w-]*\b/g, "#").slice(0, 120);
}

// ---------------------------------------------------------------- load worker (child process)

/** How long a learner waits to be seated once it has `match_found`, in ms. */
const SEAT_TIMEOUT_MS = 10_000;

/** `promise`, or a rejection `what within N s` after `ms`. */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${Math.round(ms / 1000)} s`)), Math.max(0, ms))))]).finally(() => clearTimeout(timer));
}

/** One learner: join the queue, wait for `match_found`, take the seat, hold it, leave. */
async function oneLearner(endpoint: string, token: string, plan: WorkerPlan): Promise<LearnerOutcome> {
  const sdk = new Client(endpoint);
  sdk.auth.token = token;
  const t0 = performance.now();
  let queueRoom: Room | undefined;
  let conversation: Room | undefined;
  let gaveUp = false;
  try {
    // One deadline from the join on: a join the server does not answer counts as failed too.
    const joining = sdk.joinOrCreate("matchmaking", { queue: "en", targetLanguageCode: "en", topicCode: TOPIC });
    void joining.then((room) => {
      if (gaveUp) void room.leave();
    }, () => undefined);
    queueRoom = await withDeadline(joining, plan.matchTimeoutMs, "join not answered");
    const joined = queueRoom;
    const left = plan.matchTimeoutMs - (performance.now() - t0);
    const found = await new Promise<{ reservation: Parameters<Client["consumeSeatReservation"]>[0] }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no match_found within ${plan.matchTimeoutMs / 1000} s`)), Math.max(0, left));
      joined.onMessage("*", (type, message) => {
        if (type === "match_found") {
          clearTimeout(timer);
          resolve(message as { reservation: Parameters<Client["consumeSeatReservation"]>[0] });
        } else if (type === "match_expired" || type === "error") {
          clearTimeout(timer);
          reject(new Error(`${String(type)}: ${JSON.stringify(message).slice(0, 80)}`));
        }
      });
      joined.onLeave((code) => {
        clearTimeout(timer);
        reject(new Error(`queue room closed (${code}) before match_found`));
      });
    });
    const t1 = performance.now();
    conversation = await withDeadline(sdk.consumeSeatReservation(found.reservation), SEAT_TIMEOUT_MS, "seat not taken");
    conversation.onMessage("*", () => undefined);
    const t2 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, plan.holdMs));
    return { joinToFoundMs: t1 - t0, foundToSeatedMs: t2 - t1 };
  } catch (err) {
    gaveUp = true;
    return { failure: reasonOf(err) };
  } finally {
    await Promise.race([Promise.allSettled([queueRoom?.leave(), conversation?.leave()]), new Promise((resolve) => setTimeout(resolve, 1000))]);
  }
}

async function runWorker(plan: WorkerPlan): Promise<void> {
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: INTEGRATION_JWT_SECRET });
  const total = Math.round(plan.rate * plan.seconds);
  const mine: { index: number; token: string }[] = [];
  for (let index = plan.worker; index < total; index += plan.workers) {
    // B1 70% / B2 30%, spread evenly so that each level keeps pairing.
    const level = index % 10 < 7 ? "B1" : "B2";
    const sub = `mm-${process.pid}-${Date.now().toString(36)}-${index}`;
    mine.push({ index, token: mintDevToken(config, { sub, name: `learner ${index}`, nativeLanguageCode: "it", levels: { en: level }, tier: "premium" }) });
  }
  const start = performance.now() + 200;
  const outcomes = await Promise.all(
    mine.map(async ({ index, token }) => {
      const wait = start + (index * 1000) / plan.rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return oneLearner(plan.endpoints[index % plan.endpoints.length] as string, token, plan);
    }),
  );
  const report: WorkerReport = { outcomes };
  // Written to the end before the process exits (a pipe is asynchronous).
  await new Promise<void>((resolve, reject) => process.stdout.write(`${JSON.stringify(report)}\n`, (err) => (err ? reject(err) : resolve())));
}

// ---------------------------------------------------------------- orchestrator

/** Spawns one load worker and resolves with its report. */
function spawnWorker(plan: WorkerPlan, children: Set<ChildProcess>): Promise<WorkerReport> {
  const child = spawn(process.execPath, ["--import", "tsx", __filename, "--worker", JSON.stringify(plan)], { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  process.once("exit", () => child.kill("SIGKILL"));
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  // Bounded: a worker still running well after its last learner's deadline is killed.
  const watchdog = setTimeout(() => child.kill("SIGKILL"), plan.seconds * 1000 + plan.matchTimeoutMs + SEAT_TIMEOUT_MS + plan.holdMs + 60_000);
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      clearTimeout(watchdog);
      children.delete(child);
      const last = out.trim().split("\n").at(-1);
      if (code === 0 && last) resolve(JSON.parse(last) as WorkerReport);
      else reject(new Error(`load worker ${plan.worker} exited with ${code}`));
    });
  });
}

/** CPU seconds (utime + stime) a process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the command: field 3 is the state; utime and stime are fields 14 and 15 (1-based).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Resident set size of a process, in MB. */
function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** One row of the table. */
interface RateResult {
  rate: number;
  arrivals: number;
  matched: number;
  seated: number;
  failed: number;
  reasons: Record<string, number>;
  found: { p50: number; p95: number; p99: number };
  seatedMs: { p50: number; p95: number };
  matchesPerSecond: number;
  cpuPercent: number;
  rssMb: number;
}

async function runRate(servers: ChildParley[], rate: number, seconds: number, workers: number, matchTimeoutMs: number, holdMs: number): Promise<RateResult> {
  const pids = servers.map((s) => s.child.pid as number);
  const children = new Set<ChildProcess>();
  const cpu0 = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const t0 = performance.now();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, pids.reduce((sum, pid) => sum + rssMb(pid), 0))), 1000);
  try {
    const endpoints = servers.map((s) => s.baseUrl);
    const reports = await Promise.all(Array.from({ length: workers }, (_, worker) => spawnWorker({ endpoints, rate, seconds, worker, workers, matchTimeoutMs, holdMs }, children)));
    const wall = (performance.now() - t0) / 1000;
    const cpu = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu0;
    const outcomes = reports.flatMap((r) => r.outcomes);
    const found = outcomes.flatMap((o) => (o.joinToFoundMs === undefined ? [] : [o.joinToFoundMs])).sort((a, b) => a - b);
    const seated = outcomes.flatMap((o) => (o.foundToSeatedMs === undefined ? [] : [o.foundToSeatedMs])).sort((a, b) => a - b);
    const reasons: Record<string, number> = {};
    for (const o of outcomes) if (o.failure) reasons[o.failure] = (reasons[o.failure] ?? 0) + 1;
    return {
      rate,
      arrivals: outcomes.length,
      matched: found.length,
      seated: seated.length,
      failed: outcomes.length - seated.length,
      reasons,
      found: { p50: percentile(found, 50), p95: percentile(found, 95), p99: percentile(found, 99) },
      seatedMs: { p50: percentile(seated, 50), p95: percentile(seated, 95) },
      matchesPerSecond: found.length / 2 / seconds,
      cpuPercent: (cpu / wall) * 100,
      rssMb: peakRss,
    };
  } finally {
    clearInterval(sampler);
    for (const child of children) child.kill("SIGKILL");
  }
}

/** Options of one benchmark run (one server set, several rates). */
interface RunOptions {
  rates: number[];
  seconds: number;
  processes: 1 | 2;
  store: "memory" | "mongo";
  /** Redis presence/driver (`REDIS_URL`); always with two processes. */
  redis: boolean;
  workers?: number;
  matchTimeoutMs: number;
  holdMs: number;
  /** Where to write the results as JSON (`--json`), if anywhere. */
  json?: string;
}

/** A TCP port free on 127.0.0.1 right now (the machine is shared: no fixed port). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function startServers(options: RunOptions): Promise<{ servers: ChildParley[]; cleanup: () => Promise<void> }> {
  const env: Record<string, string> = {
    LOG_LEVEL: "warn",
    RATE_LIMIT_MATCH_REQUESTS: "1000000",
    RATE_LIMIT_SESSION_JOINS: "1000000",
    RATE_LIMIT_REST_PER_MINUTE: "1000000",
  };
  let mongoUri: string | undefined;
  if (options.store === "mongo") {
    if (!process.env.MONGODB_URI) throw new Error('--store mongo needs MONGODB_URI: eval "$(bash scripts/services.sh env)"');
    mongoUri = freshDatabaseUri(process.env.MONGODB_URI, "parley_mm_bench");
    env.MONGODB_URI = mongoUri;
  }
  if (options.processes === 2 && options.store === "memory") throw new Error("--processes 2 needs --store mongo: the memory store is one process's");
  if (options.redis) {
    if (!process.env.REDIS_URL) throw new Error('--processes 2 and --redis need REDIS_URL: eval "$(bash scripts/services.sh env)"');
    const url = new URL(process.env.REDIS_URL);
    url.pathname = `/${REDIS_DB}`;
    const redis = new Redis(url.toString());
    await redis.flushdb();
    redis.disconnect();
    env.REDIS_URL = url.toString();
  }
  const servers: ChildParley[] = [];
  const cleanup = async () => {
    await Promise.all(servers.map((s) => s.stop(10_000)));
    if (mongoUri) await dropDatabase(mongoUri).catch(() => undefined);
  };
  try {
    for (let i = 0; i < options.processes; i++) {
      const port = await freePort();
      servers.push(await startChildParley(port, { ...env, ...(options.redis ? { PUBLIC_ADDRESS: `127.0.0.1:${port}` } : {}) }, 60_000, { compiled: true }));
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { servers, cleanup };
}

/** Runs every rate on one server set; prints the table. @returns the results */
export async function runMatchmakingBench(options: RunOptions): Promise<{ results: RateResult[]; sustained: number }> {
  const { servers, cleanup } = await startServers(options);
  const results: RateResult[] = [];
  try {
    for (const rate of options.rates) {
      const workers = options.workers ?? (rate >= 200 ? 2 : 1);
      const result = await runRate(servers, rate, options.seconds, workers, options.matchTimeoutMs, options.holdMs);
      results.push(result);
      console.error(`  ${rate}/s done: ${result.seated}/${result.arrivals} seated, p95 ${result.found.p95.toFixed(0)} ms`);
      // Let the last sessions end before the next rate.
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  } finally {
    await cleanup();
  }
  const sustained = Math.max(0, ...results.filter((r) => r.found.p95 < 1000 && r.failed === 0).map((r) => r.rate));
  printTable(options, results, sustained);
  if (options.json) {
    writeRunJson(options.json, resultsJson(options, results, sustained));
    console.log(`JSON: ${options.json}`);
  }
  return { results, sustained };
}

/** `--json <file>` with the process count put before the extension: `a/mm.json` → `a/mm-2.json`. */
export function perProcessFile(file: string, processes: number): string {
  const ext = extname(file);
  return `${file.slice(0, file.length - ext.length)}-${processes}${ext}`;
}

/** The `bench:matchmaking` command that reproduces a run with these options. */
function commandOf(options: RunOptions): string {
  return `npm run bench:matchmaking -- --rates ${options.rates.join(",")} --seconds ${options.seconds} --processes ${options.processes} --store ${options.store}${options.redis && options.processes === 1 ? " --redis" : ""}${options.workers ? ` --workers ${options.workers}` : ""}`;
}

/** The run as JSON (`--json`): the table's numbers, unrounded (NaN → null), and the parameters. */
function resultsJson(options: RunOptions, results: RateResult[], sustained: number): MatchmakingRun {
  return {
    bench: "matchmaking",
    ...runContext(commandOf(options)),
    parameters: {
      rates: options.rates,
      seconds: options.seconds,
      processes: options.processes,
      store: options.store,
      redis: options.redis,
      workers: options.workers ?? null,
      matchTimeoutSeconds: options.matchTimeoutMs / 1000,
      holdSeconds: options.holdMs / 1000,
    },
    rows: results.map((r) => ({
      rate: r.rate,
      arrivals: r.arrivals,
      matched: r.matched,
      seated: r.seated,
      failed: r.failed,
      reasons: r.reasons,
      joinToMatchFoundMs: { p50: jsonMs(r.found.p50), p95: jsonMs(r.found.p95), p99: jsonMs(r.found.p99) },
      matchFoundToSeatedMs: { p50: jsonMs(r.seatedMs.p50), p95: jsonMs(r.seatedMs.p95) },
      matchesPerSecond: r.matchesPerSecond,
      serverCpuPercent: r.cpuPercent,
      serverRssMb: r.rssMb,
    })),
    sustainedRate: sustained,
  };
}

function printTable(options: RunOptions, results: RateResult[], sustained: number): void {
  const ms = (n: number) => (Number.isNaN(n) ? "–" : n.toFixed(0));
  console.log(`\n### bench:matchmaking — store ${options.store}, ${options.processes} process(es)${options.redis ? ", Redis presence/driver" : ""}, ${options.seconds} s per rate`);
  console.log("\n| rate /s | arrivals | match_found | seated | failed | join→match_found p50 / p95 / p99 ms | match_found→seated p50 / p95 ms | matches/s | server CPU % | server RSS MB |");
  console.log("|---:|---:|---:|---:|---:|---|---|---:|---:|---:|");
  for (const r of results) {
    console.log(
      `| ${r.rate} | ${r.arrivals} | ${r.matched} | ${r.seated} | ${r.failed} | ${ms(r.found.p50)} / ${ms(r.found.p95)} / ${ms(r.found.p99)} | ${ms(r.seatedMs.p50)} / ${ms(r.seatedMs.p95)} | ${r.matchesPerSecond.toFixed(1)} | ${r.cpuPercent.toFixed(0)} | ${r.rssMb.toFixed(0)} |`,
    );
  }
  for (const r of results) {
    for (const [reason, count] of Object.entries(r.reasons)) console.log(`- ${r.rate}/s: ${count} × ${reason}`);
  }
  console.log(`\nHighest rate with p95 < 1 s and 0 failures: ${sustained > 0 ? `${sustained}/s` : "none of those tried"}`);
  console.log(`Command: ${commandOf(options)}`);
}

/** The options of the command line (shared with `scaleoutBench.ts`). */
export function optionsFromArgv(): RunOptions & { countOps: boolean; maxLearners: number } {
  const rates = (flag("rates") ?? "50,100,200,400").split(",").map(Number);
  if (rates.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`--rates must be positive numbers, got "${flag("rates")}"`);
  const processes = numberFlag("processes", 1);
  if (processes !== 1 && processes !== 2) throw new Error("--processes must be 1 or 2");
  const store = flag("store") ?? (processes === 2 ? "mongo" : "memory");
  if (store !== "memory" && store !== "mongo") throw new Error("--store must be memory or mongo");
  const seconds = numberFlag("seconds", 30);
  const maxLearners = numberFlag("max-learners", 30_000);
  const total = rates.reduce((sum, r) => sum + r * seconds, 0);
  if (total > maxLearners) throw new Error(`${total} learners in all is over --max-learners ${maxLearners}`);
  const workers = flag("workers") === undefined ? undefined : numberFlag("workers", 1);
  const redis = processes === 2 || process.argv.includes("--redis");
  const json = flag("json");
  if (process.argv.includes("--json") && !json) throw new Error("--json needs a file");
  return { rates, seconds, processes, store, redis, workers, matchTimeoutMs: numberFlag("match-timeout", 30) * 1000, holdMs: numberFlag("hold-seconds", 2) * 1000, countOps: process.argv.includes("--count-ops"), maxLearners, ...(json ? { json } : {}) };
}

async function main(): Promise<void> {
  const workerIndex = process.argv.indexOf("--worker");
  if (workerIndex >= 0) return runWorker(JSON.parse(process.argv[workerIndex + 1] as string) as WorkerPlan);
  // On Ctrl-C or a kill, exit through the "exit" handlers, which kill the servers and workers.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(1));
  const options = optionsFromArgv();
  if (options.countOps) await printStoreRoundTrips(options.store);
  await runMatchmakingBench(options);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

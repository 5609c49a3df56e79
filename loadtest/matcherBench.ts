/**
 * Matcher benchmark (DESIGN §4: "Its cost must not grow with the whole queue").
 *
 * Run: `npm run bench:matcher` (= `tsx loadtest/matcherBench.ts`). No network, seeded PRNG, so
 * runs repeat; results go to `loadtest/RESULTS.md` by hand.
 *
 * Scenario, for N = 1k, 10k, 100k waiting tickets in ONE practice queue ("en" — one
 * `matchmaking` actor; the 4 languages appear as the learners' native languages, and each
 * language would have its own actor and its own Matcher):
 * - ticket mix (shared with the quality bench, `learnerMix.ts`): CEFR A1 20% A2 25% B1 25% B2 15%
 *   C1 10% C2 5%; 60 topics, 12 per category, Zipf (s = 1) popularity; preferredPartnerLevel
 *   same 70% / higher 15% / lower 5% / any 10%; accent 50%, preferredAccent 10%,
 *   preferredPartnerNativeLanguageCode 10%, premium 15%.
 * - prefill: N tickets created uniformly over the last 120 s (so every stage is represented)
 *   whose users all blocked each other, so the queue really holds N tickets that a real matcher
 *   could hold: none of them can pair with another (the worst case for a search, which must
 *   still read every reachable candidate to find the best score). They go in with
 *   `Matcher.enqueue` (no search; no tick runs while measuring), the baseline's straight into
 *   its map.
 * - measured: arrivals of new users (same mix, created "now", 1 ms apart). Each `add()` is timed.
 *   When an arrival takes a prefilled ticket, an identical replacement (new id and user, same
 *   attributes and createdAt) is put back untimed, so the queue stays at N.
 * - baseline, same run, same streams: the shape of seed 002 §6.1 `findMatch` — scan the whole
 *   queue on every request, computing `pairScore` and `compatible` for every ticket (it keeps
 *   uniform-shaped copies too, so the comparison is about the algorithm). Its decisions are
 *   checked to be identical to the indexed matcher's.
 * - each (implementation, N) runs in its own child process: no JIT feedback or garbage leaks
 *   from one measurement into the next, and the heap figure is that queue's alone.
 */
import { fork } from "node:child_process";
import { cpus } from "node:os";
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { Matcher, type MatchResult } from "../src/matchmaking/matcher.js";
import { pairScore } from "../src/matchmaking/pairScore.js";
import { compareTicketAge, uniformShape, type Ticket } from "../src/matchmaking/ticket.js";
import { compatible, pairStage, type CompatibilityContext } from "../src/matchmaking/wideningStages.js";
import { ACCENTS, drawTicket, hadRecentConversation, mulberry32, percentile } from "./learnerMix.js";

const NATIVES = ["fr", "es", "de"] as const; // learners of "en"; the 4th language is the queue's
const QUEUE = "en";
const T0 = 1_700_000_000_000;
const WINDOW_MS = 120_000;
/** Untimed arrivals before timing starts (JIT warm-up); the same for both implementations so their streams line up. */
const WARMUP = 100;

/** Draws one ticket of the shared mix (learnerMix.ts) for the "en" queue. */
function drawEnTicket(random: () => number, id: string, createdAt: number): Ticket {
  return drawTicket(random, {
    id,
    userId: id,
    createdAt,
    maxWaitSeconds: 600,
    targetLanguageCode: QUEUE,
    nativeLanguageCodes: NATIVES,
    accents: ACCENTS[QUEUE],
  });
}

/** Prefilled users ("p…") blocked each other; arrivals ("a…") block nobody. */
function isBlocked(userA: string, userB: string): boolean {
  return userA.charCodeAt(0) === 112 && userB.charCodeAt(0) === 112;
}

/** What a bench subject must offer. */
interface Subject {
  add(ticket: Ticket, now: number): MatchResult | null;
  /** Puts a prefilled ticket in the queue without a search (it could match nothing there anyway). */
  prefill(ticket: Ticket, now: number): void;
  readonly size: number;
}

/**
 * The baseline: seed 002 §6.1 `findMatch` — every request scans the whole queue and computes
 * `pairScore` and `compatible` for every ticket, keeping the best (ties FIFO).
 */
class ScanAllMatcher implements Subject {
  private readonly waiting = new Map<string, Ticket>();
  private readonly ctx: CompatibilityContext = { isBlocked, hadRecentConversation };

  get size(): number {
    return this.waiting.size;
  }

  prefill(ticket: Ticket): void {
    this.waiting.set(ticket.id, uniformShape(ticket));
  }

  add(ticket: Ticket, now: number): MatchResult | null {
    let best: { partner: Ticket; score: number; levelDifference: number; stage: MatchResult["stage"] } | undefined;
    for (const candidate of this.waiting.values()) {
      if (candidate.expiresAt <= now) continue;
      const stage = pairStage(ticket, candidate, now);
      const [first, second] = ticket.userId < candidate.userId ? [ticket.userId, candidate.userId] : [candidate.userId, ticket.userId];
      const { score, levelDifference } = pairScore(ticket, candidate, { hadRecentConversation: hadRecentConversation(first, second) });
      if (!compatible(ticket, candidate, stage, this.ctx)) continue;
      if (best === undefined || score > best.score || (score === best.score && compareTicketAge(candidate, best.partner) < 0)) {
        best = { partner: candidate, score, levelDifference, stage };
      }
    }
    if (best === undefined) {
      this.waiting.set(ticket.id, uniformShape(ticket));
      return null;
    }
    this.waiting.delete(best.partner.id);
    const [older, newer] = compareTicketAge(ticket, best.partner) <= 0 ? [ticket, best.partner] : [best.partner, ticket];
    return {
      tickets: [older, newer],
      score: best.score,
      levelDifference: best.levelDifference,
      stage: best.stage,
      topicCode: older.topicCode,
      components: pairScore(older, newer, { hadRecentConversation: false }).components,
      matchedAt: now,
    };
  }
}

/** Forces a full GC when available (flag set at start), so heap numbers are comparable. */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  return typeof gc === "function" ? () => void gc() : () => undefined;
})();

function heapUsed(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

interface RunResult {
  implementation: string;
  n: number;
  arrivals: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
  matchRate: number;
  matchesPerSecond: number;
  visitsPerArrival: number | undefined;
  heapMb: number;
  finalSize: number;
  decisions: string[];
}

/** Prefill N blocked tickets, then time `arrivals` adds. */
function run(implementation: "indexed" | "scan-all", n: number, arrivals: number, warmup: number): RunResult {
  const prefillRandom = mulberry32(1000 + n);
  const arrivalRandom = mulberry32(2000 + n);
  const heapBefore = heapUsed();
  const matcher = implementation === "indexed" ? new Matcher({ isBlocked, hadRecentConversation }) : undefined;
  const subject: Subject =
    matcher === undefined
      ? new ScanAllMatcher()
      : {
          add: (ticket, now) => matcher.add(ticket, now),
          prefill: (ticket, now) => matcher.enqueue(ticket, now),
          get size() {
            return matcher.size;
          },
        };

  const createdAts = Array.from({ length: n }, () => T0 - Math.floor(prefillRandom() * WINDOW_MS)).sort((x, y) => x - y);
  createdAts.forEach((createdAt, i) => {
    subject.prefill(drawEnTicket(prefillRandom, `p${i}`, createdAt), T0);
  });
  const heapMb = (heapUsed() - heapBefore) / (1024 * 1024);
  if (subject.size !== n) throw new Error(`queue holds ${subject.size}, expected ${n}`);

  const timings: number[] = [];
  const decisions: string[] = [];
  let matches = 0;
  let visits = 0;
  let now = T0;
  for (let i = 0; i < warmup + arrivals; i += 1) {
    now += 1;
    const ticket = drawEnTicket(arrivalRandom, `a${i}`, now);
    const start = process.hrtime.bigint();
    const result = subject.add(ticket, now);
    const elapsed = Number(process.hrtime.bigint() - start);
    if (i >= warmup) {
      timings.push(elapsed);
      if (matcher !== undefined) visits += matcher.lastSearchVisits;
      decisions.push(result === null ? "-" : `${result.tickets[0].id}+${result.tickets[1].id}`);
      if (result !== null) matches += 1;
    }
    // Keep the queue at N: put back a twin of a prefilled partner (untimed).
    const partner = result?.tickets.find((t) => t.id !== ticket.id);
    if (partner !== undefined && partner.userId.startsWith("p")) {
      subject.prefill({ ...partner, id: `${partner.id}r`, userId: `${partner.userId}r` }, now);
    }
  }
  const totalNs = timings.reduce((sum, t) => sum + t, 0);
  timings.sort((x, y) => x - y);
  return {
    implementation,
    n,
    arrivals,
    p50Us: percentile(timings, 50) / 1000,
    p99Us: percentile(timings, 99) / 1000,
    meanUs: totalNs / timings.length / 1000,
    matchRate: matches / arrivals,
    matchesPerSecond: matches / (totalNs / 1e9),
    visitsPerArrival: matcher === undefined ? undefined : visits / arrivals,
    heapMb,
    finalSize: subject.size,
    decisions,
  };
}

function format(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 1000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(digits);
}

type Implementation = "indexed" | "scan-all";

/** One measurement in a fresh child process (same file, `--child impl n arrivals`). */
function measure(implementation: Implementation, n: number, arrivals: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ["--child", implementation, String(n), String(arrivals)], { stdio: "inherit" });
    let result: RunResult | undefined;
    child.on("message", (message: RunResult) => {
      result = message;
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`${implementation} N=${n}: child exited with ${String(code)}`));
    });
  });
}

async function main(): Promise<void> {
  const plan: { n: number; arrivals: number; baselineArrivals: number }[] = [
    { n: 1_000, arrivals: 3_000, baselineArrivals: 3_000 },
    { n: 10_000, arrivals: 3_000, baselineArrivals: 1_000 },
    { n: 100_000, arrivals: 3_000, baselineArrivals: 200 },
  ];
  const rows: RunResult[] = [];
  const started = Date.now();
  for (const { n, arrivals, baselineArrivals } of plan) {
    const indexed = await measure("indexed", n, arrivals);
    const baseline = await measure("scan-all", n, baselineArrivals);
    const same = baseline.decisions.every((decision, i) => decision === indexed.decisions[i]);
    if (!same) throw new Error(`N=${n}: the indexed matcher and the scan-all baseline disagree`);
    rows.push(indexed, baseline);
    console.error(`N=${n}: done (decisions identical on the ${baseline.arrivals} arrivals both timed)`);
  }

  const lines = [
    "| N waiting | implementation | arrivals timed | add() p50 µs | add() p99 µs | mean µs | matched | matches/s | tickets visited / arrival | heap MB (queue) |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.n.toLocaleString("en-US")} | ${r.implementation} | ${r.arrivals.toLocaleString("en-US")} | ${format(r.p50Us)} | ${format(r.p99Us)} | ${format(r.meanUs)} | ${(r.matchRate * 100).toFixed(0)}% | ${format(r.matchesPerSecond, 0)} | ${r.visitsPerArrival === undefined ? `${r.n.toLocaleString("en-US")} (all)` : format(r.visitsPerArrival, 0)} | ${format(r.heapMb)} |`,
    ),
  ];
  console.log("## Matcher benchmark\n");
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}); total ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  console.log(lines.join("\n"));
  console.log("\nReproduce: `npm run bench:matcher` (seeded streams; timings vary with the machine)");
}

const [flag, implementation, n, arrivals] = process.argv.slice(2);
if (flag === "--child") {
  if (implementation !== "indexed" && implementation !== "scan-all") throw new Error(`unknown implementation ${String(implementation)}`);
  const result = run(implementation, Number(n), Number(arrivals), WARMUP);
  process.send?.(result);
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}

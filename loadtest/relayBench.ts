/**
 * Signaling relay benchmark (issue 11 §1, DESIGN §11): N live pair sessions relaying ICE
 * candidates and `speaking` edges, one message per second per session (the participants take
 * turns; each alternates an ICE candidate and a speaking edge), through
 *
 * - `raw`: a plain `ws` relay (loadtest/relayBaselines.ts), the floor;
 * - `bare`: a Colyseus room per pair that only forwards (loadtest/relayBaselines.ts), what
 *   Colyseus itself costs;
 * - `parley`: a real parley server (the production build `dist/src/main.js`, embedded defaults: memory store, local
 *   presence), sessions matched over REST and joined with the SDK;
 *
 * each in its own child process, in the same run, with the same pairs and messages. Clients live
 * in `--generators` generator processes (loadtest/relayLoad.ts). Per target and N it reports:
 * relay latency p50/p95/p99 (ICE: send → partner's copy; speaking: send → partner's copy, or for
 * parley → the partner's synced state shows it), server CPU while every session is connected
 * and silent (idle, over `--idle` s) and under load (over `--load` s), from /proc/<pid>/stat (%
 * of one core), and server RSS per connected learner ((RSS connected − RSS before) / learners).
 *
 *   npm run bench:relay -- [--pairs 500,1000,2500,5000] [--targets raw,bare,parley]
 *     [--generators 2] [--idle 10] [--load 20] [--max-minutes 30] [--profile <dir>]
 *     [--json loadtest/results/relay.json]
 *
 * `--json <file>` also writes the table's rows and the run's parameters (loadtest/benchResults.ts)
 * for `npm run bench:charts`.
 * `--profile <dir>` records a CPU profile of the parley server over the idle and the load window
 * (inspector `Profiler`, written as `<dir>/parley-<N>-{idle,load}.cpuprofile`) and prints its
 * top self-time frames (loadtest/cpuProfileTop.ts); after the idle window, a heap snapshot (every
 * session connected, before the load) (`<dir>/parley-<N>.heapsnapshot`) and its largest constructors. `--load` is at most 180 s: a participant
 * may send 50 ICE candidates per session (DESIGN §5), and the bench sends 0.25 per second.
 * Sizes that would start after `--max-minutes` are skipped. 127.0.0.1 only.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { startChildParley } from "../test/integration/support/parleyCluster.js";
import { jsonMs, runContext, writeRunJson, type RelayRun } from "./benchResults.js";
import { frameTable, topSelfFrames, type CpuProfile } from "./cpuProfileTop.js";
import { percentile } from "./learnerMix.js";
import type { LoadCommand, LoadReport } from "./relayLoad.js";

type Target = "raw" | "bare" | "parley";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const PORTS: Record<Target, number> = { raw: 2641, bare: 2642, parley: 2643 };
const INSPECTOR_PORT = 9341;
/** Parley's target languages: one per generator, so each generator's learners match each other. */
const LANGUAGES = ["en", "fr", "es", "de"];

/** Clock ticks of the process (user + system) and its RSS in bytes, from /proc. */
function procStat(pid: number): { ticks: number; rss: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  return { ticks, rss: rssKb * 1024 };
}

/** % of one core the process used over `seconds`, from now (USER_HZ = 100). */
async function cpuOver(pid: number, seconds: number): Promise<number> {
  const before = procStat(pid).ticks;
  const t0 = Date.now();
  await sleep(seconds * 1000);
  return ((procStat(pid).ticks - before) / 100 / ((Date.now() - t0) / 1000)) * 100;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A server under test: its pid, URL and how to stop it. */
interface ServerUnderTest {
  pid: number;
  url: string;
  stop(): Promise<unknown>;
}

async function startServer(target: Target, profile: boolean): Promise<ServerUnderTest> {
  const port = PORTS[target];
  if (target === "parley") {
    const env = {
      LOG_LEVEL: "warn",
      RATE_LIMIT_MATCH_REQUESTS: "1000000",
      RATE_LIMIT_SESSION_JOINS: "1000000",
      RATE_LIMIT_REST_PER_MINUTE: "1000000",
      RATE_LIMIT_ROOM_MESSAGES_PER_MINUTE: "100000",
      NODE_OPTIONS: profile ? `--inspect=127.0.0.1:${INSPECTOR_PORT}` : "",
    };
    const server = await startChildParley(port, env, 60_000, { compiled: true });
    return { pid: server.child.pid as number, url: server.baseUrl, stop: () => server.stop(5000) };
  }
  const child = spawn(process.execPath, ["--import", "tsx", "loadtest/relayBaselines.ts", "--kind", target, "--port", String(port)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (data: Buffer) => String(data).includes("listening") && resolve());
    child.once("exit", (code) => reject(new Error(`${target} relay exited with ${code}`)));
  });
  return {
    pid: child.pid as number,
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGKILL");
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once("exit", resolve)));
    },
  };
}

/** A CPU profiler attached to a process started with `--inspect` (Chrome DevTools Protocol). */
async function attachProfiler(): Promise<{ start(): Promise<void>; stop(): Promise<CpuProfile>; heapSnapshot(): Promise<string>; close(): void }> {
  const targets = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(targets[0]?.webSocketDebuggerUrl ?? "");
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  let id = 0;
  const call = (method: string, params: object = {}) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const mine = ++id;
      const onMessage = (data: WebSocket.RawData) => {
        const m = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown> };
        if (m.id !== mine) return;
        socket.off("message", onMessage);
        resolve(m.result ?? {});
      };
      socket.on("message", onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  await call("Profiler.enable");
  const heapSnapshot = async () => {
    const chunks: string[] = [];
    const onChunk = (data: WebSocket.RawData) => {
      const m = JSON.parse(String(data)) as { method?: string; params?: { chunk: string } };
      if (m.method === "HeapProfiler.addHeapSnapshotChunk" && m.params) chunks.push(m.params.chunk);
    };
    socket.on("message", onChunk);
    await call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    socket.off("message", onChunk);
    return chunks.join("");
  };
  return {
    start: async () => void (await call("Profiler.start")),
    stop: async () => (await call("Profiler.stop")).profile as CpuProfile,
    heapSnapshot,
    close: () => socket.close(),
  };
}

/** One generator process and its reports, in order. */
function startGenerator(target: Target, url: string, pairs: number, index: number): { child: ChildProcess; next(type: LoadReport["type"]): Promise<LoadReport> } {
  const args = ["--target", target, "--url", url, "--pairs", String(pairs), "--lang", LANGUAGES[index % LANGUAGES.length] as string, "--offset", String(index * 1_000_000)];
  const child = fork("loadtest/relayLoad.ts", args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const reports: LoadReport[] = [];
  const waiters: (() => void)[] = [];
  child.on("message", (m: LoadReport) => {
    reports.push(m);
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (type: LoadReport["type"]) => {
    const until = Date.now() + 15 * 60_000;
    for (;;) {
      const i = reports.findIndex((r) => r.type === type);
      if (i >= 0) return reports.splice(i, 1)[0] as LoadReport;
      if (child.exitCode !== null) throw new Error(`generator ${index} exited with ${child.exitCode}`);
      if (Date.now() > until) throw new Error(`generator ${index}: no ${type}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  };
  return { child, next };
}

/** One row of the result table. */
interface Row {
  target: Target;
  pairs: number;
  sessions: number;
  setupSeconds: number;
  ice: number[];
  speaking: number[];
  sent: number;
  received: number;
  errors: Record<string, number>;
  idleCpu: number;
  loadCpu: number;
  rssMb: number;
  kbPerLearner: number;
}

async function runOne(target: Target, pairs: number, options: { generators: number; idle: number; load: number; profileDir?: string }): Promise<Row> {
  const profiling = target === "parley" && options.profileDir !== undefined;
  const server = await startServer(target, profiling);
  try {
    await sleep(1000);
    const before = procStat(server.pid).rss;
    const share = Array.from({ length: options.generators }, (_, g) => Math.floor(pairs / options.generators) + (g < pairs % options.generators ? 1 : 0)).filter((n) => n > 0);
    const generators = share.map((n, g) => startGenerator(target, server.url, n, g));
    const ready = (await Promise.all(generators.map((g) => g.next("ready")))) as Extract<LoadReport, { type: "ready" }>[];
    const sessions = ready.reduce((sum, r) => sum + r.sessions, 0);
    for (const r of ready) if (r.failures.length > 0) console.error(`${target}: setup failures, e.g. ${r.failures.join(" | ")}`);
    await sleep(3000);
    const rss = procStat(server.pid).rss;
    const profiler = profiling ? await attachProfiler() : undefined;
    await profiler?.start();
    const idleCpu = await cpuOver(server.pid, options.idle);
    const idleProfile = await profiler?.stop();
    // After the idle window: the snapshot's own garbage is not counted as idle CPU.
    if (profiler && options.profileDir) {
      const file = join(options.profileDir, `parley-${pairs}.heapsnapshot`);
      writeFileSync(file, await profiler.heapSnapshot());
      console.log(`\n### parley, ${pairs} pairs, connected: heap by constructor, self size (${file})\n\n${heapTable(file, sessions * 2)}\n`);
      await sleep(3000);
    }
    await profiler?.start();
    for (const g of generators) g.child.send({ type: "load", seconds: options.load } satisfies LoadCommand);
    await sleep(1000); // every session sends from its first second on
    const loadCpu = await cpuOver(server.pid, Math.max(1, options.load - 1));
    const loadProfile = await profiler?.stop();
    profiler?.close();
    const done = (await Promise.all(generators.map((g) => g.next("done")))) as Extract<LoadReport, { type: "done" }>[];
    for (const g of generators) g.child.send({ type: "close" } satisfies LoadCommand);
    await Promise.all(generators.map((g) => new Promise((resolve) => (g.child.exitCode !== null ? resolve(undefined) : g.child.once("exit", resolve)))));
    if (options.profileDir && idleProfile && loadProfile) {
      for (const [phase, profile] of [["idle", idleProfile], ["load", loadProfile]] as const) {
        const file = join(options.profileDir, `parley-${pairs}-${phase}.cpuprofile`);
        writeFileSync(file, JSON.stringify(profile));
        console.log(`\n### parley, ${pairs} pairs, ${phase}: top self-time frames (${file})\n\n${frameTable(topSelfFrames(profile, 15))}\n`);
      }
    }
    const errors: Record<string, number> = {};
    for (const d of done) for (const [code, n] of Object.entries(d.errors)) errors[code] = (errors[code] ?? 0) + n;
    return {
      target,
      pairs,
      sessions,
      setupSeconds: Math.max(...ready.map((r) => r.setupSeconds)),
      ice: done.flatMap((d) => d.iceMs).sort((a, b) => a - b),
      speaking: done.flatMap((d) => d.speakingMs).sort((a, b) => a - b),
      sent: done.reduce((sum, d) => sum + d.sent, 0),
      received: done.reduce((sum, d) => sum + d.received, 0),
      errors,
      idleCpu,
      loadCpu,
      rssMb: rss / 2 ** 20,
      kbPerLearner: (rss - before) / 1024 / Math.max(1, sessions * 2),
    };
  } finally {
    await server.stop();
  }
}

/** The largest constructors of a heap snapshot by self size, and their bytes per learner. */
function heapTable(file: string, learners: number, top = 20): string {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as { snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }; nodes: number[]; strings: string[] };
  const fields = snapshot.snapshot.meta.node_fields;
  const [typeAt, nameAt, sizeAt] = ["type", "name", "self_size"].map((f) => fields.indexOf(f)) as [number, number, number];
  const types = snapshot.snapshot.meta.node_types[0];
  const bySize = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += fields.length) {
    const type = types[snapshot.nodes[i + typeAt] as number] ?? "?";
    const name = type === "object" || type === "closure" ? (snapshot.strings[snapshot.nodes[i + nameAt] as number] ?? "?") : `(${type})`;
    const entry = bySize.get(name) ?? { bytes: 0, count: 0 };
    entry.bytes += snapshot.nodes[i + sizeAt] as number;
    entry.count += 1;
    bySize.set(name, entry);
  }
  const rows = [...bySize.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  return ["| constructor | count | MB | bytes per learner |", "|---|---:|---:|---:|", ...rows.map(([name, e]) => `| \`${name.slice(0, 60)}\` | ${e.count} | ${(e.bytes / 2 ** 20).toFixed(1)} | ${Math.round(e.bytes / Math.max(1, learners))} |`)].join("\n");
}

const ms = (sorted: number[]) => [50, 95, 99].map((p) => percentile(sorted, p).toFixed(1)).join(" / ");

function table(rows: readonly Row[]): string {
  const head = "| target | pairs (live) | ICE relay p50 / p95 / p99 ms | speaking p50 / p95 / p99 ms | sent / received | errors | idle CPU % | loaded CPU % | RSS MB | KB per learner | setup s |";
  const lines = rows.map(
    (r) =>
      `| ${r.target} | ${r.pairs} (${r.sessions}) | ${ms(r.ice)} | ${ms(r.speaking)} | ${r.sent} / ${r.received} | ${Object.entries(r.errors).map(([c, n]) => `${c}×${n}`).join(" ") || "0"} | ${r.idleCpu.toFixed(1)} | ${r.loadCpu.toFixed(1)} | ${r.rssMb.toFixed(0)} | ${r.kbPerLearner.toFixed(1)} | ${r.setupSeconds.toFixed(1)} |`,
  );
  return [head, "|---|---:|---|---|---:|---|---:|---:|---:|---:|---:|", ...lines].join("\n");
}

/** The run as JSON (`--json`): the table's numbers, unrounded, and the parameters. */
function runJson(rows: readonly Row[], parameters: RelayRun["parameters"], command: string): RelayRun {
  const percentiles = (sorted: number[]) => ({ p50: jsonMs(percentile(sorted, 50)), p95: jsonMs(percentile(sorted, 95)), p99: jsonMs(percentile(sorted, 99)) });
  return {
    bench: "relay",
    ...runContext(command),
    parameters,
    rows: rows.map((r) => ({
      target: r.target,
      pairs: r.pairs,
      sessions: r.sessions,
      iceMs: percentiles(r.ice),
      speakingMs: percentiles(r.speaking),
      sent: r.sent,
      received: r.received,
      errors: r.errors,
      idleCpuPercent: r.idleCpu,
      loadCpuPercent: r.loadCpu,
      rssMb: r.rssMb,
      kbPerLearner: r.kbPerLearner,
      setupSeconds: r.setupSeconds,
    })),
  };
}

async function main(): Promise<void> {
  const sizes = arg("pairs", "500,1000,2500,5000").split(",").map(Number);
  const targets = arg("targets", "raw,bare,parley").split(",") as Target[];
  const generators = Number(arg("generators", "2"));
  const idle = Number(arg("idle", "10"));
  const load = Math.min(180, Number(arg("load", "20")));
  const maxMinutes = Number(arg("max-minutes", "30"));
  const json = process.argv.includes("--json") ? arg("json", "") : undefined;
  if (json === "") throw new Error("--json needs a file");
  const profileDir = process.argv.includes("--profile") ? arg("profile", "relay-profiles") : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const started = Date.now();
  const rows: Row[] = [];
  for (const pairs of sizes) {
    if (Date.now() - started > maxMinutes * 60_000) {
      console.error(`skipping ${pairs} pairs and more: past --max-minutes ${maxMinutes}`);
      break;
    }
    for (const target of targets) {
      rows.push(await runOne(target, pairs, { generators, idle, load, ...(profileDir ? { profileDir } : {}) }));
      console.error(table(rows.slice(-1)));
    }
  }
  console.log(`\nRelay, 1 message/s per session (ICE candidate and speaking edge in turn), idle ${idle} s, load ${load} s, ${generators} generator processes\n`);
  console.log(table(rows));
  const command = `npm run bench:relay -- ${process.argv.slice(2).join(" ")}`;
  console.log(`\n  ${command}`);
  if (json) {
    writeRunJson(json, runJson(rows, { pairs: sizes, targets, generators, idleSeconds: idle, loadSeconds: load }, command));
    console.log(`JSON: ${json}`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

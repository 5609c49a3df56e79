/**
 * The top self-time frames of a V8 `.cpuprofile` (from `node --cpu-prof` or the inspector's
 * `Profiler.stop`), as a table: self time in ms and in % of all samples (idle included), function,
 * file:line. Frames of one function are summed. Then the busy samples by call path from the event
 * loop's entry (which timer or socket event the time went to).
 *
 *   npx tsx loadtest/cpuProfileTop.ts <file.cpuprofile> [--top 15]
 */
import { readFileSync } from "node:fs";

/** The parts of a V8 CPU profile this reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * One row: a function's self time. `ms` in milliseconds, `percent` of the whole profile,
 * `busyPercent` of the time the process was not idle (all but `(idle)`).
 */
export interface FrameRow {
  frame: string;
  ms: number;
  percent: number;
  busyPercent: number;
}

/** Self time per function (by name, file and line), largest first; `(idle)`, `(program)` and `(garbage collector)` included. */
export function topSelfFrames(profile: CpuProfile, top = 15): FrameRow[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // A sample's time is the delta to the next one (the last: the mean interval).
  const total = profile.endTime - profile.startTime;
  const mean = samples.length > 0 ? total / samples.length : 0;
  samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? mean)));
  const byFrame = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const cf = byNode.get(id)?.callFrame;
    if (!cf) continue;
    const file = cf.url ? `${cf.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "~/").replace(/^.*\/wt-[^/]+\//, "")}:${cf.lineNumber + 1}` : "";
    const key = `${cf.functionName || "(anonymous)"} ${file}`.trim();
    byFrame.set(key, (byFrame.get(key) ?? 0) + us);
  }
  const busy = total - (byFrame.get("(idle)") ?? 0);
  const tenths = (share: number) => Math.round(share * 1000) / 10;
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([frame, us]) => ({ frame, ms: Math.round(us / 1000), percent: tenths(us / Math.max(1, total)), busyPercent: frame === "(idle)" ? 0 : tenths(us / Math.max(1, busy)) }));
}

/**
 * Busy samples grouped by their call path from the event loop's entry (the outermost `depth`
 * frames, e.g. `processTimers > listOnTimeout > ping`), largest first: which timer or socket
 * event the time went to. `percent` of the busy samples.
 */
export function topEntryPaths(profile: CpuProfile, top = 10, depth = 5): { path: string; percent: number }[] {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes as (CpuProfile["nodes"][number] & { children?: number[] })[]) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map<string, number>();
  let busy = 0;
  for (const id of profile.samples ?? []) {
    const chain: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) chain.push(byNode.get(at)?.callFrame.functionName || "(anonymous)");
    if (chain[0] === "(idle)") continue;
    busy++;
    const path = chain.reverse().slice(1, depth + 1).join(" > ");
    counts.set(path, (counts.get(path) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([path, n]) => ({ path, percent: Math.round((n / Math.max(1, busy)) * 1000) / 10 }));
}

/** The rows as a Markdown table. */
export function frameTable(rows: readonly FrameRow[]): string {
  return ["| self % of all | self % of busy | self ms | frame |", "|---:|---:|---:|---|", ...rows.map((r) => `| ${r.percent} | ${r.busyPercent} | ${r.ms} | \`${r.frame}\` |`)].join("\n");
}

if (process.argv[1]?.endsWith("cpuProfileTop.ts")) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: cpuProfileTop.ts <file.cpuprofile> [--top N]");
  const i = process.argv.indexOf("--top");
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  console.log(frameTable(topSelfFrames(profile, i >= 0 ? Number(process.argv[i + 1]) : 15)));
  console.log(["", "| % of busy | path from the event loop |", "|---:|---|", ...topEntryPaths(profile).map((r) => `| ${r.percent} | \`${r.path}\` |`)].join("\n"));
}

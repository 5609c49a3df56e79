/**
 * Scale-out benchmark (issue 11 §1, §5): `bench:matchmaking` for ONE queue on one process,
 * then on two (both on Redis presence/driver and the Mongo store, `scripts/services.sh`), the
 * same rates; prints both tables and the ratio of the highest sustained rates (p95 < 1 s, no
 * failure). DESIGN §11 target: two processes ≥ 1.6× one.
 *
 *   eval "$(bash scripts/services.sh env)"
 *   npm run bench:scaleout -- --rates 50,100,200,400 [--seconds 30] [--workers N]
 *                             [--json loadtest/results/matchmaking.json]
 *
 * `--json <file>` writes each run's JSON with its process count before the extension
 * (`matchmaking-1.json`, `matchmaking-2.json`: the files `npm run bench:charts` reads by default).
 */
import { optionsFromArgv, perProcessFile, runMatchmakingBench } from "./matchmakingBench.js";

async function main(): Promise<void> {
  // On Ctrl-C or a kill, exit through the "exit" handlers, which kill the servers and workers.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => process.exit(1));
  const options = optionsFromArgv();
  const json = (processes: 1 | 2) => (options.json ? { json: perProcessFile(options.json, processes) } : {});
  const one = await runMatchmakingBench({ ...options, processes: 1, store: "mongo", redis: true, ...json(1) });
  const two = await runMatchmakingBench({ ...options, processes: 2, store: "mongo", redis: true, ...json(2) });
  const ratio = one.sustained > 0 ? (two.sustained / one.sustained).toFixed(2) : "n/a (one process sustained none of the rates)";
  console.log(`\n### bench:scaleout — one queue, Redis + Mongo store\n\n| processes | highest sustained rate /s |\n|---:|---:|\n| 1 | ${one.sustained} |\n| 2 | ${two.sustained} |\n\nRatio 2 / 1: ${ratio} (target ≥ 1.6)`);
  console.log(`Command: npm run bench:scaleout -- --rates ${options.rates.join(",")} --seconds ${options.seconds}${options.workers ? ` --workers ${options.workers}` : ""}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

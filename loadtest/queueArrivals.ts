/**
 * Queue arrival benchmark (issue 8 §3–§4): learners arrive at a steady rate in one practice queue
 * (`en`, B1, one topic, premium, so every two arrivals make a pair) of a parley child process,
 * and the time from `joinOrCreate` to `match_found` is measured, with the failed joins.
 *
 *   eval "$(bash scripts/services.sh env)"   # MONGODB_URI → FerretDB (else the memory store)
 *   npx tsx loadtest/queueArrivals.ts --rate 20 --seconds 10 [--port 2631]
 *
 * The server gets a fresh database of its own (dropped afterwards); load and server share the machine.
 */
import { Inbox } from "../src/client/roomInbox.js";
import { dropDatabase, freshDatabaseUri, learnerAt, startChildParley } from "../test/integration/support/parleyCluster.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number);
}

async function main(): Promise<void> {
  const rate = arg("rate", 20);
  const seconds = arg("seconds", 10);
  const port = arg("port", 2631);
  const mongo = process.env.MONGODB_URI ? freshDatabaseUri(process.env.MONGODB_URI, "parley_queue_bench") : undefined;
  const server = await startChildParley(port, { ...(mongo ? { MONGODB_URI: mongo } : {}), LOG_LEVEL: "warn", RATE_LIMIT_MATCH_REQUESTS: "100000", RATE_LIMIT_SESSION_JOINS: "100000", RATE_LIMIT_REST_PER_MINUTE: "1000000" }, 60_000);
  const latencies: number[] = [];
  const failures: string[] = [];
  try {
    const total = rate * seconds;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, (i * 1000) / rate));
        const learner = learnerAt(server.baseUrl, "bench", { nativeLanguageCode: "it", levels: { en: "B1" }, tier: "premium" });
        const t0 = Date.now();
        try {
          const room = await learner.sdk.joinOrCreate("matchmaking", { queue: "en", targetLanguageCode: "en", topicCode: "daily_life.introductions" });
          const inbox = new Inbox(room);
          await inbox.next("match_found", 0, 120_000);
          latencies.push(Date.now() - t0);
          await Promise.race([room.leave(), new Promise((resolve) => setTimeout(resolve, 1000))]);
        } catch (err) {
          failures.push(String(err));
        }
      }),
    );
    latencies.sort((a, b) => a - b);
    console.log(JSON.stringify({
      store: mongo ? "mongo (MONGODB_URI)" : "memory",
      rate,
      seconds,
      arrivals: total,
      matched: latencies.length,
      failedJoins: failures.length,
      joinToMatchFoundMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: latencies.at(-1) },
      wallSeconds: (Date.now() - started) / 1000,
      firstFailures: failures.slice(0, 3),
    }));
  } finally {
    await server.stop(35_000);
    if (mongo) await dropDatabase(mongo).catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

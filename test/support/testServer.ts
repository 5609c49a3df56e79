import { boot, type ColyseusTestServer } from "@colyseus/testing";
import { mkdtempSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { mintDevToken, type DevTokenClaims } from "../../src/auth/devTokens.js";
import { loadConfig, type Config } from "../../src/config/config.js";
import type { EventEnvelope } from "../../src/events/envelope.js";
import { createParley, type Parley } from "../../src/server.js";

/** Port @colyseus/testing listens on (it ignores the one passed). */
export const TEST_PORT = 2568;
export const BASE_URL = `http://127.0.0.1:${TEST_PORT}`;

/** A settable clock for rooms and domain code: `now()` reads `clock.offsetMs` past real time. */
export const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

let shared: Promise<{ parley: Parley; colyseus: ColyseusTestServer; config: Config }> | undefined;

/**
 * Boots the one parley test server of this mocha process (the Colyseus matchmaker is a module
 * singleton, so every suite shares it). Embedded defaults, silent logs, events in a temp dir,
 * prompts every 180–300 s with a seeded random of 0 (→ 180 s).
 */
export function testServer(): Promise<{ parley: Parley; colyseus: ColyseusTestServer; config: Config }> {
  shared ??= (async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "parley-test-"));
    const config = loadConfig({
      NODE_ENV: "test",
      LOG_LEVEL: "silent",
      DATA_DIR: dataDir,
      PORT: String(TEST_PORT),
      RECONNECT_GRACE_SECONDS: "2",
      RATE_LIMIT_MATCH_REQUESTS: "1000",
      RATE_LIMIT_SESSION_JOINS: "1000",
      // The fuzz suites send ~11,000 messages on one connection; the budget test spends it all.
      RATE_LIMIT_ROOM_MESSAGES_PER_MINUTE: "15000",
      RATE_LIMIT_REST_PER_MINUTE: "100000",
      FREE_TIER_WEEKLY_LIMIT: "1000",
    });
    const parley = await createParley(config, { logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }), now: clock.now, random: () => 0, gracefullyShutdown: false });
    const colyseus = await boot(parley.server, TEST_PORT);
    parley.relay.start();
    return { parley, colyseus, config };
  })();
  return shared;
}

let userCounter = 0;

/** A unique user id per call, so suites never share quotas or tickets. */
export function uniqueUser(prefix: string): string {
  userCounter += 1;
  return `${prefix}-${process.pid}-${userCounter}`;
}

/**
 * The events the test server published so far (its file publisher, `DATA_DIR/events.jsonl`),
 * parsed; a line still being written (no newline yet) is left for the next read.
 */
export async function publishedEvents(): Promise<EventEnvelope[]> {
  const { config } = await testServer();
  const text = await readFile(join(config.dataDir, "events.jsonl"), "utf8").catch(() => "");
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  return complete.split("\n").filter(Boolean).map((line) => JSON.parse(line) as EventEnvelope);
}

/** Signs a token for the test server's config. */
export async function tokenFor(claims: DevTokenClaims): Promise<string> {
  const { config } = await testServer();
  return mintDevToken(config, claims);
}

after(async () => {
  if (!shared) return;
  const { colyseus, parley } = await shared;
  await parley.relay.stop();
  await colyseus.shutdown();
});

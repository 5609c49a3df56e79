import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { initializeRoomCache } from "@colyseus/core";
import { Redis } from "ioredis";
import pino from "pino";
import { loadConfig } from "../../src/config/config.js";
import { ParleyError } from "../../src/errors/errorCodes.js";
import { consumeOrThrow, createRedisRateLimits } from "../../src/limits/rateLimits.js";
import { leaderGatedOutbox, RedisOutboxLeadership } from "../../src/presence/outboxLeadership.js";
import { createMemoryStore } from "../../src/store/memory/memoryStore.js";
import { SEED_TOPICS } from "../../src/topics/seed/index.js";
import { TopicCatalog } from "../../src/topics/topicCatalog.js";
import { TopicCatalogSync } from "../../src/topics/topicCatalogSync.js";
import { connectRedis, InsertingRedisDriver, ROOM_CACHES_KEY, type RedisBackends } from "../../src/presence/redisBackends.js";
import { requireBackends, startChildParley, type ChildParley } from "./support/parleyCluster.js";

/**
 * The Redis-backed ports against a real Redis (`REDIS_URL`, from `scripts/services.sh`), and
 * `/readyz` of a process whose own private Redis (`redis-server` on 127.0.0.1:6391, started and
 * stopped here) goes down and comes back.
 */

const logger = pino({ level: "silent" });
const quotas = loadConfig({ NODE_ENV: "test", RATE_LIMIT_SESSION_JOINS: "3" }).quotas;

describe("integration: Redis backends (REDIS_URL)", function () {
  this.timeout(30_000);
  const opened: RedisBackends[] = [];
  const clients: Redis[] = [];

  before(function () {
    requireBackends(this, "Redis backends", ["REDIS_URL"]);
  });

  after(async () => {
    for (const b of opened) {
      await b.close();
      b.abort();
    }
    for (const c of clients) c.disconnect();
  });

  async function connect(): Promise<RedisBackends> {
    const backends = await connectRedis(process.env.REDIS_URL ?? "", logger);
    opened.push(backends);
    return backends;
  }

  it("records a room id once: of concurrent inserts of one roomId exactly one wins (duplicate creations settle on one owner)", async () => {
    const redis = new Redis(process.env.REDIS_URL ?? "");
    clients.push(redis);
    const drivers = [new InsertingRedisDriver(redis), new InsertingRedisDriver(new Redis(process.env.REDIS_URL ?? ""))];
    const roomId = randomUUID();
    try {
      const results = await Promise.all(
        ["process-1", "process-2", "process-1", "process-2"].map((processId, i) => drivers[i % 2]?.insert(initializeRoomCache({ roomId, name: "conversation", processId })) ?? Promise.resolve(false)),
      );
      assert.equal(results.filter(Boolean).length, 1, `one insert wins: ${results.join(",")}`);
      const winner = ["process-1", "process-2", "process-1", "process-2"][results.indexOf(true)];
      assert.equal((await drivers[0]?.findOne({ roomId }))?.processId, winner, "the listing is the winner's");
      assert.equal(await drivers[1]?.insert(initializeRoomCache({ roomId, name: "conversation", processId: "late" })), false);
    } finally {
      await redis.hdel(ROOM_CACHES_KEY, roomId);
      await drivers[1]?.shutdown();
    }
  });

  it("carries a topic invalidation from one process's catalog to another's over Redis pub/sub, within a second", async () => {
    const [p1, p2] = [await connect(), await connect()];
    const store = createMemoryStore();
    const syncs = [p1, p2].map((p) => {
      const catalog = new TopicCatalog([]);
      return { catalog, sync: new TopicCatalogSync({ topics: store.topics, catalog, bus: p.presence, logger }) };
    });
    const [one, two] = syncs as [(typeof syncs)[number], (typeof syncs)[number]];
    try {
      for (const s of syncs) await s.sync.start();
      const base = SEED_TOPICS[0];
      assert.ok(base);
      const code = `hobbies.redis_${randomUUID().replace(/[^a-f]/g, "")}`;
      await store.topics.create({ ...base, code });
      await one.sync.changed();
      const started = Date.now();
      while (!two.catalog.get(base.targetLanguageCode, code)) {
        if (Date.now() - started > 1000) assert.fail("the other catalog did not refresh within 1 s");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.ok(one.catalog.get(base.targetLanguageCode, code));
    } finally {
      for (const s of syncs) await s.sync.stop();
    }
  });

  it("shares one rate-limit budget between processes", async () => {
    const [p1, p2] = [await connect(), await connect()];
    const limits = [createRedisRateLimits(quotas, p1.rateLimitClient), createRedisRateLimits(quotas, p2.rateLimitClient)];
    const key = `session-${randomUUID()}`;
    await consumeOrThrow(limits[0]?.sessionJoins ?? assert.fail(), key, "session joins");
    await consumeOrThrow(limits[1]?.sessionJoins ?? assert.fail(), key, "session joins");
    await consumeOrThrow(limits[0]?.sessionJoins ?? assert.fail(), key, "session joins");
    await assert.rejects(consumeOrThrow(limits[1]?.sessionJoins ?? assert.fail(), key, "session joins"), (err: unknown) => err instanceof ParleyError && err.code === "RATE_LIMITED");
  });

  it("keeps limiting, per process, while Redis is unreachable (memory insurance), instead of failing requests", async () => {
    const p = await connect();
    const limits = createRedisRateLimits(quotas, p.rateLimitClient);
    p.rateLimitClient.disconnect();
    await assert.rejects(p.ping());
    const key = `session-${randomUUID()}`;
    for (let i = 0; i < 3; i++) await consumeOrThrow(limits.sessionJoins, key, "session joins");
    await assert.rejects(consumeOrThrow(limits.sessionJoins, key, "session joins"), (err: unknown) => err instanceof ParleyError && err.code === "RATE_LIMITED");
  });

  it("elects one outbox leader among processes, hands rows to the leader's relay only, and fails over when it steps down", async () => {
    const key = `parley:test:outbox-lease:${randomUUID()}`;
    const [c1, c2] = [new Redis(process.env.REDIS_URL ?? ""), new Redis(process.env.REDIS_URL ?? "")];
    clients.push(c1, c2);
    const [l1, l2] = [new RedisOutboxLeadership(c1, logger, { key, ttlMs: 2000, marginMs: 500 }), new RedisOutboxLeadership(c2, logger, { key, ttlMs: 2000, marginMs: 500 })];
    const held = await Promise.all([l1.tryAcquire(), l2.tryAcquire()]);
    assert.equal(held.filter(Boolean).length, 1, "exactly one leader");
    const [leader, follower] = held[0] ? [l1, l2] : [l2, l1];
    assert.equal(await leader.tryAcquire(), true, "the leader renews its lease");
    assert.equal(await follower.tryAcquire(), false);

    const store = createMemoryStore();
    await store.matchRequests.create({
      id: randomUUID(), userId: "u", queue: "en", sessionType: "practice", targetLanguageCode: "en", nativeLanguageCode: "fr", currentLevel: "B1",
      preferredPartnerLevel: "same", topicCode: "daily_life.introductions", mode: "now", maxWaitTimeSeconds: 60, recordingConsent: false,
      status: "pending", createdAt: new Date(), expiresAt: new Date(Date.now() + 60_000),
    }, { events: [{ eventId: randomUUID(), eventType: "match.requested", version: "1.0", timestamp: new Date().toISOString(), key: "u", payload: {}, metadata: { correlationId: "c", source: "conversation-service" } }] });
    assert.equal((await leaderGatedOutbox(store.outbox, leader).pending(10)).length, 1, "the leader's relay gets the rows");
    assert.equal((await leaderGatedOutbox(store.outbox, follower).pending(10)).length, 0, "the follower's relay gets none");
    assert.equal(await leaderGatedOutbox(store.outbox, follower).pendingCount(), 1, "counts pass through");

    await leader.stop();
    assert.equal(leader.isLeader(), false);
    assert.equal(await follower.tryAcquire(), true, "the lease is free at once after a graceful stop");
    await follower.stop();
  });

  it("refuses to boot on a REDIS_URL that does not answer, naming the variable", async () => {
    await assert.rejects(connectRedis("redis://127.0.0.1:1/0", logger, { connectTimeoutMs: 1000 }), /REDIS_URL: cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0/);
  });
});

describe("integration: /readyz follows Redis going down and coming back", function () {
  this.timeout(60_000);
  const REDIS_PORT = 6391;
  let redis: ChildProcess | undefined;
  let server: ChildParley | undefined;
  let redisDir = "";

  async function startRedis(): Promise<ChildProcess> {
    const child = spawn("redis-server", ["--port", String(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", redisDir], { stdio: "ignore" });
    const failed = new Promise<never>((_, reject) => child.once("error", reject));
    failed.catch(() => undefined);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis({ port: REDIS_PORT, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on("error", () => undefined);
      try {
        await Promise.race([probe.connect().then(() => probe.ping()), failed]);
        return child;
      } catch (err) {
        if (child.exitCode !== null || Date.now() > deadline) throw err;
      } finally {
        probe.disconnect();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  function stopRedis(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  }

  async function readyz(): Promise<{ status: number; body: { status: string; checks: Record<string, { ok: boolean; kind: string }> } }> {
    const res = await fetch(`${server?.baseUrl}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, { ok: boolean; kind: string }> } };
  }

  async function until(check: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  before(async function () {
    try {
      redisDir = mkdtempSync(join(tmpdir(), "parley-readyz-redis-"));
      redis = await startRedis();
    } catch (err) {
      if (process.env.CI === "true") throw err;
      console.warn(`\n  SKIPPED /readyz with a private Redis: redis-server could not start (${String(err)}).\n`);
      this.skip();
    }
    server = await startChildParley(2615, { REDIS_URL: `redis://127.0.0.1:${REDIS_PORT}`, PUBLIC_ADDRESS: "127.0.0.1:2615" });
  });

  after(async () => {
    await server?.stop(5000);
    await stopRedis(redis);
    if (redisDir) rmSync(redisDir, { recursive: true, force: true });
  });

  it("reports store, events and redis; answers 503 naming redis while it is down, and 200 again once it is back", async () => {
    const up = await readyz();
    assert.equal(up.status, 200, JSON.stringify(up.body));
    assert.deepEqual(Object.keys(up.body.checks).sort(), ["events", "recordings", "redis", "store"]);
    assert.equal(up.body.checks.redis?.kind, "redis");

    await stopRedis(redis);
    await until(async () => (await readyz()).status === 503, "503 while Redis is down");
    const down = await readyz();
    assert.equal(down.body.status, "not_ready");
    assert.equal(down.body.checks.redis?.ok, false);
    assert.equal(down.body.checks.store?.ok, true, "only the failing backend is named");

    redis = await startRedis();
    await until(async () => (await readyz()).status === 200, "200 once Redis is back");
    const health = await fetch(`${server?.baseUrl}/healthz`);
    assert.equal(health.status, 200, "the process stayed up through the outage");
  });
});

import type { IRoomCache } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";

/** The Redis hash in which `@colyseus/redis-driver` keeps the room listings (its `ROOMCACHES_KEY`). */
export const ROOM_CACHES_KEY = "roomcaches";

/** `redis://user:***@host:port/db`: the URL with its password hidden, for logs and errors. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable REDIS_URL)";
  }
}

/**
 * Logs a client's connection errors once per outage (ioredis retries for ever and would
 * otherwise print every failed attempt as an "Unhandled error event"), and its recovery.
 */
function watch(client: Redis, name: string, logger: Logger): void {
  let down = false;
  client.on("error", (err: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err, redis: name }, `redis (${name}): connection error; retrying`);
  });
  client.on("ready", () => {
    if (!down) return;
    down = false;
    logger.info({ redis: name }, `redis (${name}): connected again`);
  });
}

/**
 * `@colyseus/redis-driver` 0.18.3 plus the atomic `insert` that the 0.18 matchmaker uses to
 * settle which process owns a room when one create request is answered twice (an IPC call
 * that timed out, then the fallback creation on the caller's process): without it the core
 * falls back to `persist(room, true)`, "where the second write silently wins" (core
 * `MatchMakerDriver.insert` docs), and two `conversation` rooms would run one session.
 * `HSETNX` makes the first listing of a `roomId` win; the core then discards the duplicate
 * and answers with the owner's listing.
 */
export class InsertingRedisDriver extends RedisDriver {
  private readonly redis: Redis;

  constructor(redis: Redis) {
    super(redis);
    this.redis = redis;
  }

  /** Records `room` unless its `roomId` is listed already. @returns false when it was. */
  async insert(room: IRoomCache): Promise<boolean> {
    if (!room.roomId) return false;
    return (await this.redis.hsetnx(ROOM_CACHES_KEY, room.roomId, JSON.stringify(room))) === 1;
  }
}

/** `@colyseus/redis-presence` whose two connections log their outages through pino. */
class LoggedRedisPresence extends RedisPresence {
  constructor(url: string, logger: Logger) {
    super(url);
    watch(this.pub as Redis, "presence pub", logger);
    watch(this.sub as Redis, "presence sub", logger);
  }
}

/** The Redis-backed ports of one process (`REDIS_URL`, DESIGN §1). */
export interface RedisBackends {
  presence: RedisPresence;
  driver: InsertingRedisDriver;
  /** The client of the rate limiters and the outbox lease: no offline queue, so commands fail fast during an outage. */
  rateLimitClient: Redis;
  /** `PING` on the rate-limit client (fails at once while disconnected). */
  ping(): Promise<void>;
  /**
   * Closes the rate-limit client. The presence and the driver are closed by the Colyseus
   * shutdown sequence (`presence.shutdown()`, `driver.shutdown()`).
   */
  close(): Promise<void>;
  /** Drops every connection at once (a boot that failed half-way). */
  abort(): void;
}

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** How long the boot waits for Redis to answer, in ms. @default 5000 */
  connectTimeoutMs?: number;
}

/**
 * Connects the presence, the matchmaker driver and the rate-limit client to `url`, and waits
 * until the driver's and the rate limiter's connections answer, so that a wrong `REDIS_URL`
 * stops the boot with a clear error instead of a process that hangs on its first matchmake.
 * @throws Error naming `REDIS_URL` when Redis does not answer within `connectTimeoutMs`
 */
export async function connectRedis(url: string, logger: Logger, options: ConnectRedisOptions = {}): Promise<RedisBackends> {
  const timeoutMs = options.connectTimeoutMs ?? 5000;
  const base: RedisOptions = { lazyConnect: true, connectTimeout: timeoutMs };
  const driverClient = new Redis(url, { ...base, connectionName: "parley-driver" });
  const rateLimitClient = new Redis(url, { ...base, connectionName: "parley-rate-limits", enableOfflineQueue: false });
  const clients = [driverClient, rateLimitClient];
  const abortClients = () => clients.forEach((c) => c.disconnect());
  watch(driverClient, "driver", logger);
  watch(rateLimitClient, "rate limits", logger);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(clients.map((c) => c.connect())),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    abortClients();
    throw new Error(`REDIS_URL: cannot reach Redis at ${redactRedisUrl(url)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
  const presence = new LoggedRedisPresence(url, logger);
  const driver = new InsertingRedisDriver(driverClient);
  return {
    presence,
    driver,
    rateLimitClient,
    async ping() {
      await rateLimitClient.ping();
    },
    async close() {
      await rateLimitClient.quit().catch(() => rateLimitClient.disconnect());
    },
    abort() {
      abortClients();
      presence.shutdown();
    },
  };
}

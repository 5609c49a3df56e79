import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "pino";
import type { OutboxRepository } from "../store/repositories.js";

/**
 * Which process drains the shared outbox. With several processes on one store, every process
 * runs an outbox relay, but only the leader's relay is handed rows: two relays draining the
 * same rows would publish each event twice and interleave each user's events out of order.
 */
export interface OutboxLeadership {
  /** True while this process holds the lease (with a safety margin before it expires). */
  isLeader(): boolean;
  /** Starts acquiring and renewing the lease in the background. */
  start(): void;
  /** Tries once to take (or renew) the lease now. @returns whether this process holds it */
  tryAcquire(): Promise<boolean>;
  /** Stops renewing and gives the lease up, so that another process takes over at once. */
  stop(): Promise<void>;
}

/** The single-process leadership (no Redis: one process, always the leader). */
export function soleLeadership(): OutboxLeadership {
  return { isLeader: () => true, start: () => undefined, tryAcquire: async () => true, stop: async () => undefined };
}

/** Options of {@link RedisOutboxLeadership}; durations in ms. */
export interface RedisOutboxLeadershipOptions {
  /** The lease's Redis key. @default "parley:outbox:relay" */
  key?: string;
  /** Lease lifetime: how long a crashed leader blocks publishing. @default 10000 */
  ttlMs?: number;
  /** Period of acquire/renew attempts. @default 3000 */
  renewMs?: number;
  /** This process counts itself leader only until `ttlMs - marginMs` after its last renewal. @default 2000 */
  marginMs?: number;
}

const RENEW_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * A leader lease in Redis: `SET key token NX PX ttl` takes it, a compare-and-`PEXPIRE` renews
 * it, a compare-and-`DEL` gives it up. A leader that stops renewing (crash, Redis outage) loses
 * it after `ttlMs`, and counts itself leader only until `ttlMs - marginMs` after its last
 * renewal, so two processes do not drain at once (clock rates being equal). While no process
 * can reach Redis nobody publishes: the events wait in the outbox, which is durable.
 * Residual: a leader paused longer than the margin between reading rows and publishing them
 * may overlap with its successor — at-least-once, like a crash after publish (consumers
 * dedupe by `eventId`).
 */
export class RedisOutboxLeadership implements OutboxLeadership {
  private readonly token = randomUUID();
  private readonly key: string;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private readonly marginMs: number;
  private validUntil = 0;
  private timer?: NodeJS.Timeout;
  private leading = false;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    options: RedisOutboxLeadershipOptions = {},
  ) {
    this.key = options.key ?? "parley:outbox:relay";
    this.ttlMs = options.ttlMs ?? 10_000;
    this.renewMs = options.renewMs ?? 3000;
    this.marginMs = options.marginMs ?? 2000;
  }

  isLeader(): boolean {
    return Date.now() < this.validUntil;
  }

  start(): void {
    if (this.timer) return;
    const loop = () => {
      this.tryAcquire().finally(() => {
        if (this.timer) this.timer = setTimeout(loop, this.renewMs).unref();
      });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  async tryAcquire(): Promise<boolean> {
    const askedAt = Date.now();
    try {
      const renewed = Number(await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.token, String(this.ttlMs))) === 1;
      const held = renewed || (await this.redis.set(this.key, this.token, "PX", this.ttlMs, "NX")) === "OK";
      this.validUntil = held ? askedAt + this.ttlMs - this.marginMs : 0;
    } catch (err) {
      // Keep what is left of the current lease; it lapses by itself.
      if (this.leading) this.logger.warn({ err }, "outbox leadership: could not renew the lease");
    }
    this.noteChange();
    return this.isLeader();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.validUntil = 0;
    this.noteChange();
    await this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.token).catch(() => undefined);
  }

  private noteChange(): void {
    const leading = this.isLeader();
    if (leading === this.leading) return;
    this.leading = leading;
    this.logger.info({ leader: leading }, leading ? "outbox leadership: this process publishes the outbox" : "outbox leadership: another process publishes the outbox");
  }
}

/**
 * The outbox as the relay of one process sees it: `pending()` hands out rows only while this
 * process is the leader (else none), everything else passes through.
 */
export function leaderGatedOutbox(outbox: OutboxRepository, leadership: OutboxLeadership): OutboxRepository {
  const pending: OutboxRepository["pending"] = (limit) => (leadership.isLeader() ? outbox.pending(limit) : Promise.resolve([]));
  return new Proxy(outbox, {
    get(target, property) {
      if (property === "pending") return pending;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

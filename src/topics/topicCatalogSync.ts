import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import type { TopicRepository } from "../store/repositories.js";
import type { TopicCatalog } from "./topicCatalog.js";

/** The pub/sub channel on which a process announces that the stored topics changed. */
export const TOPIC_CHANGES_CHANNEL = "parley:topics:changed";

/**
 * The publish/subscribe part of a Colyseus `Presence` (LocalPresence in one process,
 * RedisPresence across processes), declared here so that `topics/` imports no Colyseus.
 */
export interface TopicChangeBus {
  publish(channel: string, data: unknown): unknown;
  subscribe(channel: string, callback: (data: unknown) => void): Promise<unknown>;
  unsubscribe(channel: string, callback?: (data: unknown) => void): unknown;
}

/** Dependencies of {@link TopicCatalogSync}. */
export interface TopicCatalogSyncDeps {
  /** Where topics live (the store's `topics`). */
  topics: TopicRepository;
  /** This process's read model, refreshed from `topics`. */
  catalog: TopicCatalog;
  /** The presence every process shares (`matchMaker.presence`'s implementation). */
  bus: TopicChangeBus;
  logger: Logger;
}

/** Tuning of {@link TopicCatalogSync}. */
export interface TopicCatalogSyncOptions {
  /** Period of the safety-net refresh (a missed invalidation), in ms. @default 30000 */
  refreshIntervalMs?: number;
}

/**
 * Keeps this process's {@link TopicCatalog} (read synchronously by rooms and REST) equal to
 * the stored topics (issue 7 §4 "every process sees the change within a second"):
 * - {@link changed}, called after a write to the store, refreshes this process's catalog and
 *   publishes an invalidation on {@link TOPIC_CHANGES_CHANNEL};
 * - every process subscribed ({@link start}) refreshes when an invalidation from another
 *   process arrives — a store read, a few ms after the write;
 * - and every `refreshIntervalMs` anyway, in case a message was lost (Redis pub/sub is
 *   at-most-once, e.g. across a reconnection).
 * Refreshes never overlap: one asked for while another runs starts when it ends (so a write
 * made before the call is always seen by the refresh the call waits for). A failed refresh
 * keeps the catalog as it was and is logged.
 */
export class TopicCatalogSync {
  private readonly origin = randomUUID();
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private readonly onMessage = (data: unknown) => {
    if (typeof data === "object" && data !== null && (data as { origin?: unknown }).origin === this.origin) return;
    this.refresh().catch((err: unknown) => this.deps.logger.error({ err }, "topics: refresh after an invalidation failed; the periodic refresh will retry"));
  };

  constructor(
    private readonly deps: TopicCatalogSyncDeps,
    private readonly options: TopicCatalogSyncOptions = {},
  ) {}

  /**
   * Subscribes to invalidations, loads the catalog from the store (awaited) and starts the
   * periodic refresh.
   * @throws the store's error when the first load fails
   */
  async start(): Promise<void> {
    await this.deps.bus.subscribe(TOPIC_CHANGES_CHANNEL, this.onMessage);
    await this.refresh();
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.deps.logger.warn({ err }, "topics: periodic refresh failed; keeping the catalog as it was"));
    }, this.options.refreshIntervalMs ?? 30_000);
    this.timer.unref();
  }

  /** Unsubscribes, stops the periodic refresh and waits for a refresh in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.resolve(this.deps.bus.unsubscribe(TOPIC_CHANGES_CHANNEL, this.onMessage)).catch((err: unknown) => this.deps.logger.warn({ err }, "topics: unsubscribe failed"));
    await this.settled();
  }

  /**
   * To call after writing topics to the store: tells every other process, and resolves once
   * this process's catalog shows the write. A failed publish (Redis down) is logged, not
   * thrown: the write is stored, and the other processes catch up at their periodic refresh.
   * @throws the store's error when this process's refresh fails (the others still refresh)
   */
  async changed(): Promise<void> {
    try {
      await Promise.resolve(this.deps.bus.publish(TOPIC_CHANGES_CHANNEL, { origin: this.origin }));
    } catch (err) {
      this.deps.logger.warn({ err }, "topics: the invalidation could not be published; other processes see the change at their periodic refresh");
    }
    await this.refresh();
  }

  /** Reloads the catalog from the store; resolves when a load that started after this call is done. */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.load().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  /** Resolves when no refresh is running or queued (tests, shutdown); never rejects. */
  async settled(): Promise<void> {
    while (this.running || this.queued) await (this.queued ?? this.running)?.catch(() => undefined);
  }

  private async load(): Promise<void> {
    const topics = await this.deps.topics.list();
    const { rejected } = this.deps.catalog.replaceAll(topics);
    if (rejected.length > 0) this.deps.logger.error({ rejected }, "topics: stored topics that are not valid were left out of the catalog");
  }
}

import type { Logger } from "pino";
import type { OutboxRepository } from "../store/repositories.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventPublisher } from "./eventPublisher.js";

/** Options of {@link OutboxRelay}; delays in milliseconds. */
export interface OutboxRelayOptions {
  batchSize?: number;
  /** Poll period while idle. @default 250 */
  pollMs?: number;
  /** First retry delay after a failed publish, doubled per failure. @default 500 */
  retryBaseMs?: number;
  /** Ceiling of the retry delay. @default 30000 */
  retryMaxMs?: number;
}

/**
 * Drains the outbox to the publisher (DESIGN §8): oldest first, a batch at a time; a batch is
 * marked published only after the publisher acknowledged it, so a failure keeps the events
 * pending and they are retried with exponential backoff, never dropped.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private failures = 0;
  private stopped = true;
  private readonly opts: Required<OutboxRelayOptions>;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly publisher: EventPublisher,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
    /** Told each batch once the publisher acknowledged it (metrics). */
    private readonly onPublished: (events: readonly EventEnvelope[]) => void = () => {},
  ) {
    this.opts = { batchSize: 100, pollMs: 250, retryBaseMs: 500, retryMaxMs: 30_000, ...options };
  }

  /** Starts the polling loop. */
  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Asks for a drain soon (after a write); coalesced with the running one. */
  nudge(): void {
    if (!this.stopped && this.failures === 0) this.schedule(0);
  }

  /**
   * Publishes everything pending now, batch after batch.
   * @returns the number of events published
   * @throws the publisher's error (the events stay pending)
   */
  async drain(): Promise<number> {
    this.running ??= this.drainOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops polling, then tries one last drain (graceful shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
    await this.drain().catch((err) => this.logger.warn({ err }, "outbox: final drain failed; events stay pending"));
  }

  private async drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.outbox.pending(this.opts.batchSize);
      if (rows.length === 0) return total;
      const seqs = rows.map((r) => r.seq);
      const events = rows.map((r) => r.event);
      try {
        await this.publisher.publish(events);
      } catch (err) {
        await this.outbox.markFailed(seqs).catch(() => undefined);
        throw err;
      }
      await this.outbox.markPublished(seqs, new Date());
      total += rows.length;
      this.onPublished(events);
    }
  }

  private schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.drain().then(
        () => {
          this.failures = 0;
          if (!this.stopped) this.schedule(this.opts.pollMs);
        },
        (err: unknown) => {
          this.failures++;
          const delay = Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** (this.failures - 1));
          this.logger.warn({ err, failures: this.failures, retryInMs: delay }, "outbox: publish failed, will retry");
          if (!this.stopped) this.schedule(delay);
        },
      );
    }, delayMs);
    this.timer.unref();
  }
}

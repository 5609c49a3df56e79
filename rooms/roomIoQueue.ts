import { backOff } from "exponential-backoff";
import type { Logger } from "pino";
import { isParleyError } from "../src/errors/errorCodes.js";
import type { Counter } from "prom-client";
import type { Store } from "../src/store/repositories.js";
import type { StoreWrite, StoreWriteOutcome } from "../src/store/storeWrites.js";

/** Retry policy of a room's I/O queue: attempts in all, delays in ms (exponential, full jitter). */
export interface IoRetryPolicy {
  attempts: number;
  startingDelayMs: number;
  maxDelayMs: number;
}

/** Default {@link IoRetryPolicy}: 4 attempts, 50 ms then doubling, at most 1 s between two. */
export const DEFAULT_IO_RETRY: Readonly<IoRetryPolicy> = Object.freeze({ attempts: 4, startingDelayMs: 50, maxDelayMs: 1000 });

/** Thrown (rejected) when queued I/O failed for good after its retries. `operation` names it. */
export class RoomIoFailure extends Error {
  constructor(
    readonly operation: string,
    override readonly cause: unknown,
  ) {
    super(`${operation} failed after retries`);
    this.name = "RoomIoFailure";
  }
}

/** What a {@link RoomIoQueue} needs. */
export interface RoomIoQueueOptions {
  /** The room name, the `room` label of the failure metric. */
  room: string;
  store: Pick<Store, "writeBatch">;
  logger: Logger;
  /** `room_io_failures_total{room,operation}`. */
  failures: Counter<"room" | "operation">;
  /** Called after a batch applied at least one write (the outbox relay may publish). */
  onWritten: () => void;
  retry?: IoRetryPolicy;
}

/** A ParleyError of a client's making (4xx): an answer, not a failure; never retried. */
function isRefusal(err: unknown): boolean {
  return isParleyError(err) && err.status < 500;
}

interface Waiter {
  from: number;
  count: number;
  resolve: (outcomes: StoreWriteOutcome[]) => void;
  reject: (err: RoomIoFailure) => void;
}

interface Batch {
  writes: StoreWrite[];
  waiters: Waiter[];
}

/**
 * A room's one ordered I/O queue (DESIGN §1). Work runs one item after the other, in the order
 * queued; {@link write}s queued while the queue is busy (or in the same tick) are joined into one
 * `store.writeBatch` call (group commit). A transient failure is retried with exponential
 * backoff (`exponential-backoff`), each failed attempt counted in `room_io_failures_total` and
 * logged; a write that still fails rejects with {@link RoomIoFailure}, and the room tells its
 * clients (the caller decides what). Refused writes (a condition that did not hold) are not
 * failures: their outcome says `refused`.
 */
export class RoomIoQueue {
  private tail: Promise<void> = Promise.resolve();
  private open?: Batch;
  private readonly beside = new Set<Promise<void>>();
  private readonly retry: IoRetryPolicy;

  constructor(private readonly options: RoomIoQueueOptions) {
    this.retry = options.retry ?? DEFAULT_IO_RETRY;
  }

  /**
   * Queues `writes` into the next batch.
   * @returns their outcomes, once stored (same order)
   * @throws RoomIoFailure (rejection) when one of them failed for good; the others of the
   *   call may have been applied (each write is atomic with its events, the call is not).
   */
  write(writes: readonly StoreWrite[]): Promise<StoreWriteOutcome[]> {
    if (writes.length === 0) return this.run("noop", async () => []);
    let batch = this.open;
    if (!batch) {
      const fresh: Batch = { writes: [], waiters: [] };
      batch = fresh;
      this.open = fresh;
      this.tail = this.tail.then(() => {
        if (this.open === fresh) this.open = undefined;
        return this.flush(fresh);
      });
    }
    const from = batch.writes.length;
    batch.writes.push(...writes);
    return new Promise((resolve, reject) => batch.waiters.push({ from, count: writes.length, resolve, reject }));
  }

  /**
   * Queues other I/O (creating a room, reserving seats, a rating) after everything queued so far,
   * retried like writes when `retried` (only for idempotent work).
   * @throws RoomIoFailure (rejection) when it failed for good
   */
  run<T>(operation: string, task: () => Promise<T>, retried = false): Promise<T> {
    this.open = undefined;
    const result = this.tail.then(() => this.attempt(operation, task, retried ? this.retry.attempts : 1));
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Runs I/O now, beside the queue (its order does not matter: e.g. opening the room of a match
   * already stored), retried like queued work when `retried`; {@link idle} waits for it too.
   * @throws RoomIoFailure (rejection) when it failed for good
   */
  now<T>(operation: string, task: () => Promise<T>, retried = false): Promise<T> {
    const result = this.attempt(operation, task, retried ? this.retry.attempts : 1);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.beside.add(settled);
    void settled.then(() => this.beside.delete(settled));
    return result;
  }

  /** Resolves once everything queued so far is done (succeeded or failed). */
  async idle(): Promise<void> {
    this.open = undefined;
    await this.tail;
    await Promise.all(this.beside);
  }

  private async attempt<T>(operation: string, task: () => Promise<T>, attempts: number): Promise<T> {
    try {
      return await backOff(task, this.backOffOptions(attempts, (err, next) => this.failed(operation, err, next)));
    } catch (err) {
      if (isRefusal(err)) throw err;
      throw new RoomIoFailure(operation, err);
    }
  }

  /** `exponential-backoff` options; `onFailure` gets the next attempt's number, or undefined after the last. */
  private backOffOptions(attempts: number, onFailure: (err: unknown, next: number | undefined) => void) {
    return {
      numOfAttempts: attempts,
      startingDelay: this.retry.startingDelayMs,
      maxDelay: this.retry.maxDelayMs,
      jitter: "full" as const,
      retry: (err: unknown, attemptNumber: number) => {
        if (isRefusal(err)) return false;
        onFailure(err, attemptNumber < attempts ? attemptNumber + 1 : undefined);
        return true;
      },
    };
  }

  private failed(operation: string, err: unknown, nextAttempt: number | undefined): void {
    const { room, logger, failures } = this.options;
    failures.inc({ room, operation });
    if (nextAttempt === undefined) logger.error({ err, room, operation }, "room I/O failed for good");
    else logger.warn({ err, room, operation, nextAttempt }, "room I/O failed; retrying");
  }

  private async flush(batch: Batch): Promise<void> {
    const outcomes: StoreWriteOutcome[] = new Array<StoreWriteOutcome>(batch.writes.length);
    let todo = batch.writes.map((_, i) => i);
    let appliedAny = false;
    // Each attempt sends only the writes that failed so far; a failed one makes the attempt throw.
    const attemptBatch = async () => {
      let results: StoreWriteOutcome[];
      try {
        results = await this.options.store.writeBatch(todo.map((i) => batch.writes[i] as StoreWrite));
      } catch (error) {
        results = todo.map(() => ({ status: "failed", error }) as const);
      }
      const again: number[] = [];
      results.forEach((outcome, k) => {
        const i = todo[k] as number;
        outcomes[i] = outcome;
        if (outcome.status === "failed") again.push(i);
        else if (outcome.status === "applied") appliedAny = true;
      });
      if (again.length > 0) {
        const failedKinds = again.map((i) => (batch.writes[i] as StoreWrite).kind);
        todo = again;
        throw Object.assign(new Error(`${again.length} of the batch's writes failed`), { failedKinds, cause: (outcomes[again[0] as number] as { error: unknown }).error });
      }
    };
    await backOff(attemptBatch, this.backOffOptions(this.retry.attempts, (err, next) => {
      for (const kind of new Set((err as { failedKinds?: string[] }).failedKinds ?? ["write"])) this.failed(kind, (err as { cause?: unknown }).cause ?? err, next);
    })).catch(() => undefined);
    if (appliedAny) this.options.onWritten();
    for (const w of batch.waiters) {
      const mine = outcomes.slice(w.from, w.from + w.count);
      const failure = mine.find((o): o is Extract<StoreWriteOutcome, { status: "failed" }> => o.status === "failed");
      if (failure) w.reject(new RoomIoFailure(batch.writes[w.from]?.kind ?? "write", failure.error));
      else w.resolve(mine);
    }
  }
}

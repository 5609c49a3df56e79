import { randomInt, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Model, mongo } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import type { EventEnvelope } from "../../events/envelope.js";
import type { OutboxRecord } from "../records.js";
import type { OutboxRepository } from "../repositories.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import { insertEach, type InsertOutcome } from "./insertEach.js";
import { toOutboxRecord, type OutboxDocument, type OutboxRowStatus } from "./outboxModel.js";
import type { StateRef, TokenHolderDocument } from "./stateCollections.js";

/** Staged rows resolved per recovery pass. */
const RECOVERY_BATCH = 500;
/** Attempts at drawing seqs before giving up (each clash with another process costs one). */
const SEQ_ATTEMPTS = 50;

/** Options of {@link MongoOutbox}. */
export interface MongoOutboxOptions {
  /**
   * How long a staged row may wait for its state write before recovery decides its fate
   * (promote when the write applied, delete when not), in ms. Longer than any write takes;
   * a writer slower than this still gets its events out (see the class docs). @default 30000
   */
  stagedGraceMs?: number;
}

/**
 * The transactional outbox without transactions (DESIGN §8; FerretDB 1.24 has none):
 * `WriteOptions.events` become publishable if and only if their state change is applied.
 *
 * Protocol of one write with events ({@link writeWithEvents}):
 * 1. **stage** — insert the events with `status: "staged"` and `stateRef` = the state
 *    document + a fresh write token. The relay never reads staged rows.
 * 2. **apply** — the state write (an insert, or a {@link ClaimedWriter} write) records the
 *    token in the document's `writeTokens` in the same single-document write as the change.
 * 3. **resolve** — applied: mark the rows `pending`. Refused: delete them. A write that
 *    *failed* (network, timeout) leaves them staged: it may have applied anyway, and only the
 *    token in the document can tell.
 *
 * Recovery ({@link recoverStaged}, at boot and from {@link pending} every half grace period)
 * resolves staged rows older than the grace period by looking for their token in the state
 * document: present → `pending`; absent → the write never applied, delete. Documents keep
 * their newest 20 tokens (`WRITE_TOKENS_KEPT`), far more event-producing writes than one
 * document gets within a grace period. A writer slower than the grace period (recovery
 * deleted its rows just before its write applied) finds them missing at step 3 and
 * re-inserts them as `pending`. Residual risk: that same writer crashing between its late
 * write and step 3 loses those events; keep the grace period far above operation timeouts.
 *
 * Order: `seq` comes from a clock of this process, not from the collection ({@link SeqClock}):
 * (milliseconds × 64 + a counter) × 16 + a process tag, strictly increasing in one process
 * and ahead of every seq it saw at boot. No read of the highest seq and no shared counter
 * (FerretDB 1.24 loses concurrent `$inc`s, see {@link ClaimedWriter}); the unique index on
 * `seq` still arbitrates: a clash with another process (same millisecond, same tag) makes the
 * loser change tag and draw again. A write that completes before another starts gets the
 * smaller seq (across processes: up to their clocks' skew), so causally ordered writes publish
 * in order; two concurrent writes may become pending in either order — they had none.
 * A batch ({@link stage} … {@link settle}) stages the events of many writes in one insert and
 * resolves them in one update and one delete (group commit, issue 11 §4).
 *
 * Published rows move to a collection of their own (`outboxPublished`, {@link markPublished}),
 * so that `outbox` holds only the rows not published yet and every query of the hot path reads
 * a backlog, not the history (FerretDB 1.24 scans a whole collection for any filter but `_id`).
 */
export class MongoOutbox implements OutboxRepository {
  private readonly stagedGraceMs: number;
  private lastRecoveryAt = 0;
  private readonly seqs = new SeqClock();

  /**
   * @param rows the unpublished rows (`outbox`)
   * @param published the published ones, kept as history (`outboxPublished`)
   */
  constructor(
    private readonly rows: Model<OutboxDocument>,
    private readonly published: Model<OutboxDocument>,
    private readonly db: mongo.Db,
    options: MongoOutboxOptions = {},
  ) {
    this.stagedGraceMs = options.stagedGraceMs ?? 30_000;
  }

  /**
   * Runs the state write `apply` with `events` staged around it (see the class docs).
   * @param apply performs the write, recording `token` on the document when one is given
   *   (no events → no token); resolves true when applied, false when known not applied; a
   *   throw means "outcome unknown" and leaves the staged rows to {@link recoverStaged}
   * @returns what `apply` returned
   */
  async writeWithEvents(
    ref: StateRef,
    events: readonly EventEnvelope[] | undefined,
    apply: (token: string | undefined) => Promise<boolean>,
  ): Promise<boolean> {
    if (!events || events.length === 0) return apply(undefined);
    const staged: StagedWrite = { ref, token: randomUUID(), events };
    const stagedAt = await this.stage([staged]);
    const applied = await apply(staged.token);
    await this.settle(applied ? [staged] : [], applied ? [] : [staged], stagedAt);
    return applied;
  }

  /**
   * Step 1 of the protocol for several writes at once: inserts all their events as `staged`
   * rows in one `insertMany`, in the order given (seqs increasing).
   * @returns when they were staged (epoch ms), for {@link settle}
   * @throws ParleyError `INVALID_REQUEST` when an eventId is in the outbox already (nothing of
   *   this call is left staged); the backend's error otherwise
   */
  async stage(writes: readonly StagedWrite[]): Promise<number> {
    const stagedAt = Date.now();
    await this.insertRows(writes, "staged");
    return stagedAt;
  }

  /**
   * Step 3 for several writes at once: `applied` ones become `pending` (one `updateMany`),
   * `refused` ones are deleted (one `deleteMany`). Writes whose outcome is unknown are left
   * out (recovery resolves them). When the rows were staged longer than half the grace period
   * ago, recovery may have deleted some of them meanwhile: then they are looked for and the
   * missing ones inserted as `pending`; sooner, no recovery can have touched them (clocks
   * within half the grace period of each other), and the check is skipped.
   * @param stagedAt what {@link stage} returned
   */
  async settle(applied: readonly StagedWrite[], refused: readonly StagedWrite[], stagedAt: number): Promise<void> {
    const tokens = (writes: readonly StagedWrite[]) => ({ $in: writes.map((w) => w.token) });
    await Promise.all([
      applied.length === 0 ? undefined : this.rows.updateMany({ "stateRef.token": tokens(applied), status: "staged" }, { $set: { status: "pending" } }).exec(),
      refused.length === 0 ? undefined : this.rows.deleteMany({ "stateRef.token": tokens(refused), status: "staged" }).exec(),
    ]);
    if (applied.length === 0 || Date.now() - stagedAt < this.stagedGraceMs / 2) return;
    // Check rather than trust modifiedCount: recovery may have deleted the rows (this write
    // having been slower than the grace period) even while the update above ran.
    const ids = applied.flatMap((w) => w.events.map((e) => e.eventId));
    const present = await this.rows.find({ _id: { $in: ids } }, { _id: 1 }).lean<Pick<OutboxDocument, "_id">[]>().exec();
    const presentIds = new Set(present.map((d) => d._id));
    const missing = applied.map((w) => ({ ...w, events: w.events.filter((e) => !presentIds.has(e.eventId)) })).filter((w) => w.events.length > 0);
    if (missing.length > 0) await this.insertRows(missing, "pending");
  }

  /**
   * Resolves staged rows older than the grace period: promoted when their state document
   * carries their write token, deleted when it does not.
   * @param now epoch milliseconds
   * @returns how many write tokens were resolved
   */
  async recoverStaged(now: number = Date.now()): Promise<number> {
    this.lastRecoveryAt = now;
    const stale = await this.rows
      .find({ status: "staged", createdAt: { $lte: new Date(now - this.stagedGraceMs) } }, { stateRef: 1 })
      .sort({ seq: 1 })
      .limit(RECOVERY_BATCH)
      .lean<Pick<OutboxDocument, "_id" | "stateRef">[]>()
      .exec();
    const byToken = new Map<string, StateRef>();
    for (const row of stale) byToken.set(row.stateRef.token, { collectionName: row.stateRef.collectionName, id: row.stateRef.id });
    for (const [token, ref] of byToken) {
      const holder = await this.db
        .collection<TokenHolderDocument>(ref.collectionName)
        .findOne({ _id: ref.id, writeTokens: token }, { projection: { _id: 1 } });
      if (holder) await this.rows.updateMany({ "stateRef.token": token, status: "staged" }, { $set: { status: "pending" } }).exec();
      else await this.rows.deleteMany({ "stateRef.token": token, status: "staged" }).exec();
    }
    return byToken.size;
  }

  /** Oldest pending rows first (by seq); runs {@link recoverStaged} every half grace period. */
  async pending(limit: number): Promise<OutboxRecord[]> {
    if (Date.now() - this.lastRecoveryAt >= this.stagedGraceMs / 2) await this.recoverStaged();
    if (limit <= 0) return [];
    const docs = await this.rows.find({ status: "pending" }).sort({ seq: 1 }).limit(limit).lean<OutboxDocument[]>().exec();
    return docs.map(toOutboxRecord);
  }

  /**
   * Moves the rows to the history (`outboxPublished`, with `publishedAt` = `at`): one read,
   * one insert, one delete for the whole batch. A repeat after a crash between the insert and
   * the delete finds the history row there already and only deletes.
   */
  async markPublished(seqs: readonly number[], at: Date): Promise<void> {
    if (seqs.length === 0) return;
    const rows = await this.rows.find({ seq: { $in: [...seqs] } }).lean<OutboxDocument[]>().exec();
    const outcomes = await insertEach(this.published, rows.map((row) => ({ ...row, status: "published" as const, publishedAt: at })));
    const failed = outcomes.find((o): o is Extract<InsertOutcome, { status: "failed" }> => o.status === "failed");
    if (failed) throw failed.error;
    await this.rows.deleteMany({ seq: { $in: [...seqs] } }).exec();
  }

  /** Counts a failed publish attempt; the rows stay pending. */
  async markFailed(seqs: readonly number[]): Promise<void> {
    if (seqs.length === 0) return;
    await this.rows.updateMany({ seq: { $in: [...seqs] } }, { $inc: { attempts: 1 } }).exec();
  }

  /** Rows waiting to be published (staged rows are not counted). */
  async pendingCount(): Promise<number> {
    return this.rows.countDocuments({ status: "pending" }).exec();
  }

  /** Every row kept: staged, pending or published. */
  async rowCount(): Promise<number> {
    const [unpublished, published] = await Promise.all([this.rows.countDocuments({}).exec(), this.published.countDocuments({}).exec()]);
    return unpublished + published;
  }

  /**
   * Deletes published rows published before `before`, except the row with the highest seq:
   * a starting process's {@link SeqClock} begins above it, so keeping it means seqs never go
   * back even when a clock does (no TTL index: FerretDB 1.24 has none; the cleanup job calls this).
   */
  async prunePublished(before: Date): Promise<number> {
    const top = await this.published.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<Pick<OutboxDocument, "seq">>().exec();
    if (!top) return 0;
    const [result, legacy] = await Promise.all([
      this.published.deleteMany({ publishedAt: { $lt: before }, seq: { $lt: top.seq } }).exec(),
      // Rows published before the history had a collection of its own.
      this.rows.deleteMany({ status: "published", publishedAt: { $lt: before } }).exec(),
    ]);
    return result.deletedCount + legacy.deletedCount;
  }

  /** Inserts the rows of `writes` in one `insertMany`, numbered by the seq clock; a seq clash with another process makes it draw again. */
  private async insertRows(writes: readonly StagedWrite[], status: OutboxRowStatus): Promise<void> {
    const ids = writes.flatMap((w) => w.events.map((e) => e.eventId));
    const tokens = writes.map((w) => w.token);
    await this.seqs.ready([this.rows, this.published]);
    for (let attempt = 1; ; attempt++) {
      const seqs = this.seqs.next(ids.length);
      const createdAt = new Date();
      let i = 0;
      const docs: OutboxDocument[] = writes.flatMap((w) =>
        w.events.map((event) => ({
          _id: event.eventId,
          seq: seqs[i++] as number,
          status,
          // The envelope is not kept by the caller after the write: no copy needed.
          event: event as EventEnvelope,
          createdAt,
          attempts: 0,
          stateRef: { ...w.ref, token: w.token },
        })),
      );
      try {
        await this.rows.insertMany(docs, { ordered: true, lean: true });
        return;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      // Remove what this attempt inserted before the duplicate, then tell a seq clash
      // (draw again) from an event id already in the outbox (a caller's mistake).
      await this.rows.deleteMany({ _id: { $in: ids }, "stateRef.token": { $in: tokens } }).exec();
      if (await this.rows.exists({ _id: { $in: ids } }).exec()) throw new ParleyError("INVALID_REQUEST", "an event with this eventId is already in the outbox");
      if (attempt >= SEQ_ATTEMPTS) throw new ParleyError("INTERNAL_ERROR", `outbox: ${SEQ_ATTEMPTS} seq clashes in a row`);
      this.seqs.retag();
      await sleep(Math.random() * attempt);
    }
  }
}

/** The events of one state write, staged under its write token. */
export interface StagedWrite {
  ref: StateRef;
  token: string;
  events: readonly EventEnvelope[];
}

/** Tags a process draws its seqs' low bits from. */
const SEQ_TAGS = 16;
/** Seqs a process may draw per millisecond before running ahead of the clock. */
const SEQS_PER_MS = 64;

/**
 * The outbox's seq source (see {@link MongoOutbox}): a hybrid logical clock of this process.
 * seq = h × 16 + tag, h = max(last h + 1, now ms × 64): strictly increasing here, close to wall
 * time (≈ 1.8e15 today, exact in a double until the year 2250), and ahead of the highest seq
 * stored when the process started (rows written under the former "highest + 1" scheme sort first).
 */
export class SeqClock {
  private last = 0;
  private tag = randomInt(SEQ_TAGS);
  private loaded?: Promise<void>;

  /** Reads the highest seq stored in `collections` once (the first call), so that seqs never go back. */
  ready(collections: readonly Model<OutboxDocument>[]): Promise<void> {
    this.loaded ??= Promise.all(collections.map((rows) => rows.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<Pick<OutboxDocument, "seq">>().exec()))
      .then((tops) => {
        for (const top of tops) this.last = Math.max(this.last, Math.floor((top?.seq ?? 0) / SEQ_TAGS));
      })
      .catch((err: unknown) => {
        this.loaded = undefined;
        throw err;
      });
    return this.loaded;
  }

  /** `count` increasing seqs, each above every seq this clock gave before. */
  next(count: number, now: number = Date.now()): number[] {
    const seqs: number[] = [];
    for (let i = 0; i < count; i++) {
      this.last = Math.max(this.last + 1, now * SEQS_PER_MS);
      seqs.push(this.last * SEQ_TAGS + this.tag);
    }
    return seqs;
  }

  /** Draws another tag (after a clash with another process's seq). */
  retag(): void {
    this.tag = (this.tag + 1 + randomInt(SEQ_TAGS - 1)) % SEQ_TAGS;
  }
}

import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Model, mongo } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import type { EventEnvelope } from "../../events/envelope.js";
import type { OutboxRecord } from "../records.js";
import type { OutboxRepository } from "../repositories.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import { toOutboxRecord, type OutboxDocument, type OutboxRowStatus } from "./outboxModel.js";
import type { StateRef, TokenHolderDocument } from "./stateCollections.js";

/** Staged rows resolved per recovery pass. */
const RECOVERY_BATCH = 500;
/** Attempts at drawing seqs before giving up (each lost race costs one). */
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
 * Order: `seq` = the highest seq + 1, the unique index on `seq` arbitrating between
 * concurrent writers (the loser draws again). Not a `$inc` counter: FerretDB 1.24 loses
 * concurrent `$inc`s (see {@link ClaimedWriter}). A write that completes before another
 * starts gets the smaller seq and becomes pending first, so causally ordered writes publish
 * in order; two concurrent writes may become pending in either order — they had none.
 */
export class MongoOutbox implements OutboxRepository {
  private readonly stagedGraceMs: number;
  private lastRecoveryAt = 0;

  constructor(
    private readonly rows: Model<OutboxDocument>,
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
    const token = randomUUID();
    await this.insertRows(events, "staged", { ...ref, token });
    const applied = await apply(token);
    if (applied) await this.promote(ref, token, events);
    else await this.rows.deleteMany({ "stateRef.token": token, status: "staged" }).exec();
    return applied;
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

  /** Marks rows published at `at`; they are kept as history. */
  async markPublished(seqs: readonly number[], at: Date): Promise<void> {
    if (seqs.length === 0) return;
    await this.rows.updateMany({ seq: { $in: [...seqs] } }, { $set: { status: "published", publishedAt: at } }).exec();
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
    return this.rows.countDocuments({}).exec();
  }

  /**
   * Deletes published rows published before `before`, except the row with the highest seq:
   * the next seq is drawn from it, so keeping it means seqs never go back (no TTL index:
   * FerretDB 1.24 has none; the cleanup job calls this).
   */
  async prunePublished(before: Date): Promise<number> {
    const top = await this.rows.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<Pick<OutboxDocument, "seq">>().exec();
    if (!top) return 0;
    const result = await this.rows.deleteMany({ status: "published", publishedAt: { $lt: before }, seq: { $lt: top.seq } }).exec();
    return result.deletedCount;
  }

  private async promote(ref: StateRef, token: string, events: readonly EventEnvelope[]): Promise<void> {
    await this.rows.updateMany({ "stateRef.token": token, status: "staged" }, { $set: { status: "pending" } }).exec();
    // Check rather than trust modifiedCount: recovery may have deleted the rows (this write
    // having been slower than the grace period) even while the update above ran.
    const ids = events.map((e) => e.eventId);
    const present = await this.rows.find({ _id: { $in: ids } }, { _id: 1 }).lean<Pick<OutboxDocument, "_id">[]>().exec();
    const presentIds = new Set(present.map((d) => d._id));
    const missing = events.filter((e) => !presentIds.has(e.eventId));
    if (missing.length > 0) await this.insertRows(missing, "pending", { ...ref, token });
  }

  /** Inserts rows numbered after the highest seq; a concurrent writer that took those seqs makes it draw again. */
  private async insertRows(events: readonly EventEnvelope[], status: OutboxRowStatus, stateRef: OutboxDocument["stateRef"]): Promise<void> {
    const ids = events.map((e) => e.eventId);
    for (let attempt = 1; ; attempt++) {
      const top = await this.rows.findOne({}, { seq: 1 }).sort({ seq: -1 }).lean<Pick<OutboxDocument, "seq">>().exec();
      const first = (top?.seq ?? 0) + 1;
      const createdAt = new Date();
      const docs: OutboxDocument[] = events.map((event, i) => ({
        _id: event.eventId,
        seq: first + i,
        status,
        event: structuredClone(event),
        createdAt,
        attempts: 0,
        stateRef,
      }));
      try {
        await this.rows.insertMany(docs, { ordered: true });
        return;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      // Remove what this attempt inserted before the duplicate, then tell a lost seq race
      // (draw again) from an event id already in the outbox (a caller's mistake).
      await this.rows.deleteMany({ _id: { $in: ids }, "stateRef.token": stateRef.token }).exec();
      if (await this.rows.exists({ _id: { $in: ids } }).exec()) throw new ParleyError("INVALID_REQUEST", "an event with this eventId is already in the outbox");
      if (attempt >= SEQ_ATTEMPTS) throw new ParleyError("INTERNAL_ERROR", `outbox: lost ${SEQ_ATTEMPTS} seq races in a row`);
      await sleep(Math.random() * 5 * attempt);
    }
  }
}

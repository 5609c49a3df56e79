import { setTimeout as sleep } from "node:timers/promises";
import { Schema, type Connection, type Model } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import { isDuplicateKeyError } from "./documentUpdates.js";

/** Write tokens a state document keeps (the newest), for {@link MongoOutbox} recovery. */
export const WRITE_TOKENS_KEPT = 20;

/** The fields every document written through {@link ClaimedWriter} carries. */
export interface VersionedDocument {
  /** Incremented by every write. */
  version: number;
  /** Outbox write tokens of the newest event-producing writes, at most {@link WRITE_TOKENS_KEPT}. */
  writeTokens: string[];
}

/** A claim on one version of one document (`_id` = `collection:id:version[#generation]`). */
export interface ClaimDocument {
  _id: string;
  createdAt: Date;
}

/** What a write changes, decided from the current document; `undefined` refuses the write. */
export type WriteDecision = { set: Record<string, unknown>; unset?: readonly string[] } | undefined;

/** The outcome of {@link ClaimedWriter.write}. */
export type ClaimedWriteOutcome = "applied" | "refused" | "missing";

/** Options of {@link ClaimedWriter}. */
export interface ClaimedWriterOptions {
  /**
   * Age after which a claim is presumed abandoned (its writer crashed between claim and
   * write) and the next writer takes over with a new generation, in ms. @default 30000
   */
  claimStaleMs?: number;
}

const claimSchema = new Schema<ClaimDocument>(
  { _id: { type: String, required: true }, createdAt: { type: Date, required: true } },
  { collection: "writeClaims", versionKey: false },
);

/** Registers the claim model on `connection`. */
export function claimModel(connection: Connection): Model<ClaimDocument> {
  return connection.model<ClaimDocument>("WriteClaim", claimSchema);
}

/**
 * Read-decide-write of one document with no lost update, on MongoDB *and* FerretDB 1.24.
 *
 * Why not a plain conditional update: FerretDB 1.24 (SQLite) runs `update`/`findAndModify`
 * as a query, then `UPDATE … SET <whole document> WHERE _id = ?`, outside any transaction, so
 * two concurrent `updateOne({ _id, status: "waiting" }, …)` can both match, and concurrent
 * `$inc`/`$push` lose writes (measured: 50 concurrent `$inc` → +9). What it does make atomic
 * is an insert against a unique index. So every write to a state document:
 * 1. reads it (with its `version` v) and lets `decide` compute the change — or refuse it;
 * 2. inserts the claim `collection:id:v` — unique `_id`: one writer per version; the others
 *    wait a few ms and start over from the read (and then usually refuse: the status moved);
 * 3. `updateOne({ _id, version: v }, { …change, version: v + 1 })`, then deletes its claim
 *    (safe: the document is past v, so a late claimant of v matches nothing).
 * A claim older than `claimStaleMs` is taken over with the next generation (`…:v#1`).
 * Residual risk: a writer stalled longer than that between its claim and its update may
 * write concurrently with the taker — on MongoDB the version filter still lets only one win.
 * Every write to a state document must go through here; inserts need not (unique `_id`).
 */
export class ClaimedWriter {
  private readonly claimStaleMs: number;

  constructor(
    private readonly claims: Model<ClaimDocument>,
    options: ClaimedWriterOptions = {},
  ) {
    this.claimStaleMs = options.claimStaleMs ?? 30_000;
  }

  /**
   * @param key `collection:id`, the document's claim prefix
   * @param read the current document, `null` when there is none
   * @param decide the change to make to `current`, or `undefined` to refuse the write
   * @param update `updateOne({ _id, version: expectedVersion }, update)`; true when it matched
   * @param token an outbox write token to record on the document (writes with events)
   * @throws ParleyError `INTERNAL_ERROR` when no claim could be had for twice `claimStaleMs`
   */
  async write<D extends VersionedDocument>(
    key: string,
    read: () => Promise<D | null>,
    decide: (current: D) => WriteDecision,
    update: (expectedVersion: number, update: Record<string, Record<string, unknown>>) => Promise<boolean>,
    token?: string,
  ): Promise<ClaimedWriteOutcome> {
    const deadline = Date.now() + 2 * this.claimStaleMs;
    for (let round = 0; ; round++) {
      const current = await read();
      if (!current) return "missing";
      const decision = decide(current);
      if (!decision) return "refused";
      const version = current.version;
      const claimIds = await this.claim(`${key}:${version}`);
      if (claimIds) {
        let applied: boolean;
        try {
          applied = await update(version, this.updateDocument(current, decision, token));
        } finally {
          // By `_id` equality when there is one claim (the usual case): FerretDB 1.24 looks up
          // `_id` equality without scanning the collection, but not `$in`.
          if (claimIds.length === 1) await this.claims.deleteOne({ _id: claimIds[0] }).exec();
          else await this.claims.deleteMany({ _id: { $in: claimIds } }).exec();
        }
        if (applied) return "applied";
      }
      if (Date.now() > deadline) throw new ParleyError("INTERNAL_ERROR", `could not write ${key}: it stayed claimed by another writer`);
      // Another writer holds this version: let it finish, then decide again on what it wrote.
      await sleep(Math.min(2 + Math.random() * 4 * (round + 1), 50));
    }
  }

  /** The update of a decided change: the next version, and the token on `writeTokens`. */
  private updateDocument(current: VersionedDocument, decision: NonNullable<WriteDecision>, token: string | undefined): Record<string, Record<string, unknown>> {
    const $set: Record<string, unknown> = { ...decision.set, version: current.version + 1 };
    if (token !== undefined) $set.writeTokens = [...(current.writeTokens ?? []), token].slice(-WRITE_TOKENS_KEPT);
    const $unset: Record<string, unknown> = {};
    for (const field of decision.unset ?? []) if (!(field in $set)) $unset[field] = "";
    return Object.keys($unset).length > 0 ? { $set, $unset } : { $set };
  }

  /**
   * Inserts the claim `base` (or, over stale ones, the next generation `base#g`).
   * @returns the claim ids to delete after the write (the held one and the stale ones below
   *   it), or undefined when a live claim is held by another writer
   */
  private async claim(base: string): Promise<string[] | undefined> {
    const ids: string[] = [];
    for (let generation = 0; generation < 100; generation++) {
      const id = generation === 0 ? base : `${base}#${generation}`;
      ids.push(id);
      try {
        await this.claims.create({ _id: id, createdAt: new Date() });
        return ids;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
      }
      const held = await this.claims.findById(id).lean<ClaimDocument>().exec();
      // Released meanwhile (the version moved on), or held by a live writer: start over.
      if (!held || Date.now() - held.createdAt.getTime() < this.claimStaleMs) return undefined;
    }
    return undefined;
  }
}

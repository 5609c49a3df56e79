import type { Model } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import type { MatchRequestRecord, MatchRequestStatus } from "../records.js";
import type { MatchRequestRepository, WriteOptions } from "../repositories.js";
import type { ClaimedWriter } from "./claimedWrites.js";
import { splitPatch } from "./documentUpdates.js";
import { insertEach, type InsertOutcome } from "./insertEach.js";
import { toMatchRequestDocument, toMatchRequestRecord, type MatchRequestDocument } from "./matchRequestModel.js";
import type { MongoOutbox } from "./mongoOutbox.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

/**
 * Tickets in MongoDB (seed 002 §2.1 MatchRequest). One pending ticket per user is enforced by
 * the unique sparse index on `pendingUserId` (set only while pending): an insert against a
 * unique index is atomic on MongoDB and FerretDB alike, so two concurrent `create`s of one
 * user cannot both succeed, on any number of processes. Transitions are claimed writes.
 */
export class MongoMatchRequestRepository implements MatchRequestRepository {
  constructor(
    private readonly model: Model<MatchRequestDocument>,
    private readonly outbox: MongoOutbox,
    private readonly writer: ClaimedWriter,
  ) {}

  /** @throws ParleyError `ALREADY_MATCHED` when the user has a pending ticket; `INVALID_REQUEST` when the id exists. */
  async create(record: MatchRequestRecord, options?: WriteOptions): Promise<void> {
    const applied = await this.outbox.writeWithEvents(this.ref(record.id), options?.events, async (token) => {
      const [outcome] = await this.insert([{ record, token }]);
      if (outcome?.status === "failed") throw outcome.error;
      return outcome?.status === "inserted";
    });
    if (!applied) throw await this.duplicateError(record);
  }

  /**
   * Inserts new pending tickets in one `insertMany` (each with its outbox write token, if its
   * write has events): the state part of {@link create}, for a write batch.
   * @returns one outcome per ticket; `duplicate`: see {@link duplicateError}
   */
  insert(entries: readonly { record: MatchRequestRecord; token: string | undefined }[]): Promise<InsertOutcome[]> {
    return insertEach(this.model, entries.map((e) => toMatchRequestDocument(e.record, e.token)));
  }

  /** Why the insert of `record` was a duplicate: `INVALID_REQUEST` when the id exists, else `ALREADY_MATCHED`. */
  async duplicateError(record: MatchRequestRecord): Promise<ParleyError> {
    // FerretDB's duplicate-key error does not name the index: tell the two apart by looking.
    if (await this.model.exists({ _id: record.id }).exec()) return new ParleyError("INVALID_REQUEST", `match request ${record.id} exists`);
    return new ParleyError("ALREADY_MATCHED", "a match request is already pending");
  }

  async get(id: string): Promise<MatchRequestRecord | undefined> {
    const doc = await this.read(id);
    return doc ? toMatchRequestRecord(doc) : undefined;
  }

  async latestByUser(userId: string): Promise<MatchRequestRecord | undefined> {
    const doc = await this.model.findOne({ userId }).sort({ createdAt: -1 }).lean<MatchRequestDocument>().exec();
    return doc ? toMatchRequestRecord(doc) : undefined;
  }

  async pendingByUser(userId: string): Promise<MatchRequestRecord | undefined> {
    const doc = await this.model.findOne({ userId, status: "pending" }).lean<MatchRequestDocument>().exec();
    return doc ? toMatchRequestRecord(doc) : undefined;
  }

  /**
   * A claimed write applied only while the ticket is in `expected` status: exactly one of
   * several concurrent transitions from the same status applies. Leaving `pending` frees the
   * user's pending slot.
   * @throws ParleyError `INVALID_REQUEST` for a transition back to `pending` (tickets never return there)
   */
  async transition(id: string, expected: MatchRequestStatus, patch: Partial<MatchRequestRecord>, options?: WriteOptions): Promise<boolean> {
    assertNotBackToPending(expected, patch);
    return this.outbox.writeWithEvents(this.ref(id), options?.events, (token) => this.applyTransition(id, expected, patch, token));
  }

  /**
   * The state part of {@link transition} (its outbox rows staged by the caller under `token`).
   * @returns true when applied
   * @throws ParleyError `INVALID_REQUEST` for a transition back to `pending`
   */
  async applyTransition(id: string, expected: MatchRequestStatus, patch: Partial<MatchRequestRecord>, token: string | undefined): Promise<boolean> {
    assertNotBackToPending(expected, patch);
    const { set, unset } = splitPatch(patch);
    if (patch.status !== undefined && patch.status !== "pending") unset.push("pendingUserId");
    const outcome = await this.writer.write(
      `${STATE_COLLECTIONS.matchRequests}:${id}`,
      () => this.read(id),
      (current) => (current.status === expected ? { set, unset } : undefined),
      async (version, update) => (await this.model.updateOne({ _id: id, version }, update).exec()).matchedCount === 1,
      token,
    );
    return outcome === "applied";
  }

  async listExpiredPending(now: Date, limit: number): Promise<MatchRequestRecord[]> {
    if (limit <= 0) return [];
    const docs = await this.model
      .find({ status: "pending", expiresAt: { $lte: now } })
      .sort({ expiresAt: 1 })
      .limit(limit)
      .lean<MatchRequestDocument[]>()
      .exec();
    return docs.map(toMatchRequestRecord);
  }

  async listPendingScheduled(queue?: string): Promise<MatchRequestRecord[]> {
    const docs = await this.model.find({ status: "pending", mode: "scheduled", ...(queue === undefined ? {} : { queue }) }).sort({ createdAt: 1, _id: 1 }).lean<MatchRequestDocument[]>().exec();
    return docs.map(toMatchRequestRecord);
  }

  /**
   * Deletes every ticket of `userId`, pending or past (user erasure). A plain delete: a racing
   * claimed write then finds the ticket missing, and outbox recovery drops its staged events.
   * @returns how many
   */
  async deleteByUser(userId: string): Promise<number> {
    return (await this.model.deleteMany({ userId }).exec()).deletedCount;
  }

  private read(id: string): Promise<MatchRequestDocument | null> {
    return this.model.findById(id).lean<MatchRequestDocument>().exec();
  }

  private ref(id: string) {
    return { collectionName: STATE_COLLECTIONS.matchRequests, id };
  }
}

/** @throws ParleyError `INVALID_REQUEST` for a transition back to `pending` (tickets never return there). */
function assertNotBackToPending(expected: MatchRequestStatus, patch: Partial<MatchRequestRecord>): void {
  if (patch.status === "pending" && expected !== "pending") throw new ParleyError("INVALID_REQUEST", "a match request does not return to pending");
}

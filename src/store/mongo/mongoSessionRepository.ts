import type { Model } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import { seatInGroup } from "../groupSeats.js";
import type { ParticipantRecord, RatingRecord, SessionRecord, SessionStatus } from "../records.js";
import type { GroupListQuery, SessionListQuery, SessionRepository, WriteOptions } from "../repositories.js";
import { activityOf, type ActivitySession, type UserSessionActivity } from "../userActivity.js";
import { anonymizedSessionFields } from "../userErasure.js";
import type { ClaimedWriter, WriteDecision } from "./claimedWrites.js";
import type { LearnerSessionIndex } from "./learnerSessionIndex.js";
import { splitPatch } from "./documentUpdates.js";
import { insertEach, type InsertOutcome } from "./insertEach.js";
import type { MongoOutbox } from "./mongoOutbox.js";
import { toSessionDocument, toSessionRecord, type SessionDocument } from "./sessionModel.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

const LIVE_STATUSES: SessionStatus[] = ["waiting", "active"];

/**
 * Conversation sessions in MongoDB (seed 002 §2.1 ConversationSession, seed 000 groups).
 * Every change to a stored session is a {@link ClaimedWriter} write: decided on the current
 * document, applied with no lost update, conditional ones exactly once under races.
 */
export class MongoSessionRepository implements SessionRepository {
  constructor(
    private readonly model: Model<SessionDocument>,
    private readonly outbox: MongoOutbox,
    private readonly writer: ClaimedWriter,
    private readonly learners: LearnerSessionIndex,
  ) {}

  /**
   * FerretDB names neither the index nor the key of a duplicate, so an invite-code clash is
   * told apart from an id clash by looking the code up.
   * @throws ParleyError `INVITE_CODE_TAKEN` when another session has the invite code,
   *   `INVALID_REQUEST` when the id exists.
   */
  async create(record: SessionRecord, options?: WriteOptions): Promise<void> {
    const applied = await this.outbox.writeWithEvents(this.ref(record.id), options?.events, async (token) => {
      const [outcome] = await this.insert([{ record, token }]);
      if (outcome?.status === "failed") throw outcome.error;
      return outcome?.status === "inserted";
    });
    if (!applied) throw await this.duplicateError(record);
  }

  /**
   * Inserts new sessions in one `insertMany` (each with its outbox write token, if its write
   * has events): the state part of {@link create}, for a write batch.
   * @returns one outcome per session; `duplicate`: see {@link duplicateError}
   */
  async insert(entries: readonly { record: SessionRecord; token: string | undefined }[]): Promise<InsertOutcome[]> {
    try {
      // The participants' indexes first: a session is never stored without its entries.
      await this.learners.add(entries.map((e) => ({ id: e.record.id, createdAt: e.record.createdAt, userIds: e.record.participants.map((p) => p.userId) })));
    } catch (error) {
      return entries.map(() => ({ status: "failed", error }));
    }
    return insertEach(this.model, entries.map((e) => toSessionDocument(e.record, e.token)));
  }

  /** Why the insert of `record` was a duplicate: `INVITE_CODE_TAKEN` when another session has its invite code, else `INVALID_REQUEST` (the id exists). */
  async duplicateError(record: SessionRecord): Promise<ParleyError> {
    if (record.inviteCode !== undefined) {
      const holder = await this.model.findOne({ inviteCode: record.inviteCode }, { _id: 1 }).lean<Pick<SessionDocument, "_id">>().exec();
      if (holder && holder._id !== record.id) return new ParleyError("INVITE_CODE_TAKEN", "another session has this invite code");
    }
    return new ParleyError("INVALID_REQUEST", `session ${record.id} exists`);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const doc = await this.read(id);
    return doc ? toSessionRecord(doc) : undefined;
  }

  /** Applies `patch` only while the status is one of `expected`: one of several racing transitions applies. */
  async transition(id: string, expected: readonly SessionStatus[], patch: Partial<SessionRecord>, options?: WriteOptions): Promise<boolean> {
    return this.outbox.writeWithEvents(this.ref(id), options?.events, (token) => this.applyTransition(id, expected, patch, token));
  }

  /**
   * The state part of {@link transition} (its outbox rows staged by the caller under `token`).
   * @returns true when applied
   */
  async applyTransition(id: string, expected: readonly SessionStatus[], patch: Partial<SessionRecord>, token: string | undefined): Promise<boolean> {
    const outcome = await this.write(id, (current) => (expected.includes(current.status) ? patchDecision(current, patch) : undefined), token);
    return outcome === "applied";
  }

  async patch(id: string, patch: Partial<SessionRecord>): Promise<void> {
    await this.write(id, (current) => patchDecision(current, patch), undefined);
  }

  /** Newest first by `endedAt ?? createdAt` (the stored `historyAt`). */
  async listByUser(query: SessionListQuery): Promise<{ items: SessionRecord[]; total: number }> {
    const filter = {
      "participants.userId": query.userId,
      ...(query.statuses ? { status: { $in: query.statuses } } : {}),
      ...(query.targetLanguageCode ? { targetLanguageCode: query.targetLanguageCode } : {}),
    };
    const [docs, total] = await Promise.all([
      query.limit > 0
        ? this.model.find(filter).sort({ historyAt: -1, _id: 1 }).skip(query.offset).limit(query.limit).lean<SessionDocument[]>().exec()
        : Promise.resolve([]),
      this.model.countDocuments(filter).exec(),
    ]);
    return { items: docs.map(toSessionRecord), total };
  }

  /**
   * The user's live session they have not left. The "not left" test runs here, not in the
   * query: FerretDB 1.24 has no `$elemMatch` on fields of array elements.
   */
  async liveByUser(userId: string): Promise<SessionRecord | undefined> {
    const docs = await this.model
      .find({ "participants.userId": userId, status: { $in: LIVE_STATUSES } })
      .sort({ createdAt: 1 })
      .lean<SessionDocument[]>()
      .exec();
    const live = docs.find((d) => d.participants.some((p) => p.userId === userId && !p.leftAt));
    return live ? toSessionRecord(live) : undefined;
  }

  async countCountedSince(userId: string, since: Date): Promise<number> {
    return this.model.countDocuments({ "participants.userId": userId, status: { $ne: "expired" }, createdAt: { $gte: since } }).exec();
  }

  async partnersSince(userId: string, since: Date): Promise<string[]> {
    const docs = await this.model
      .find({ "participants.userId": userId, startedAt: { $gte: since } }, { participants: 1 })
      .lean<Pick<SessionDocument, "participants">[]>()
      .exec();
    const partners = new Set<string>();
    for (const doc of docs) for (const p of doc.participants) if (p.userId !== userId) partners.add(p.userId);
    return [...partners];
  }

  /**
   * The user's recent sessions from their {@link LearnerSessionIndex} (one `_id` lookup), then
   * each of those by `_id`, at once, only the fields read: a cost bounded by the user's last
   * 14 days, not by the collection (FerretDB 1.24 would scan it for a query by participant).
   */
  async activitySince(userId: string, since: Date): Promise<UserSessionActivity> {
    const ids = await this.learners.sessionIds(userId);
    const docs = await Promise.all(ids.map((id) => this.model.findById(id, { status: 1, createdAt: 1, startedAt: 1, participants: 1 }).lean<ActivitySession>().exec()));
    return activityOf(docs.filter((d): d is ActivitySession => d !== null), userId, since);
  }

  async listLive(limit: number): Promise<SessionRecord[]> {
    if (limit <= 0) return [];
    const docs = await this.model.find({ status: { $in: LIVE_STATUSES } }).sort({ createdAt: 1 }).limit(limit).lean<SessionDocument[]>().exec();
    return docs.map(toSessionRecord);
  }

  async findByInviteCode(inviteCode: string): Promise<SessionRecord | undefined> {
    const doc = await this.model.findOne({ inviteCode }).lean<SessionDocument>().exec();
    return doc ? toSessionRecord(doc) : undefined;
  }

  async listPublicGroups(query: GroupListQuery): Promise<SessionRecord[]> {
    if (query.limit <= 0) return [];
    const { after } = query;
    const filter = {
      type: "public" as const,
      status: query.status,
      ...(query.targetLanguageCode ? { targetLanguageCode: query.targetLanguageCode } : {}),
      ...(after ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after.id } }] } : {}),
    };
    const docs = await this.model.find(filter).sort({ createdAt: 1, _id: 1 }).limit(query.limit).lean<SessionDocument[]>().exec();
    return docs.map(toSessionRecord);
  }

  /**
   * A claimed write of the whole `participants` array, decided by `seatInGroup` on the
   * current document: racing joiners are decided one version at a time, so the last seat
   * goes to exactly one of them (a conditional `$push` would overfill on FerretDB 1.24).
   */
  async addGroupParticipant(id: string, participant: ParticipantRecord): Promise<SessionRecord> {
    // The newcomer's index first (see LearnerSessionIndex); an entry for a seat refused is harmless.
    if (await this.model.exists({ _id: id }).exec()) await this.learners.add([{ id, createdAt: new Date(), userIds: [participant.userId] }]);
    let refusal: unknown;
    const outcome = await this.write(id, (current) => {
      refusal = undefined;
      try {
        const decision = seatInGroup(toSessionRecord(current), participant);
        return decision.kind === "seat" ? { set: { participants: decision.participants, updatedAt: new Date() } } : undefined;
      } catch (err) {
        refusal = err;
        return undefined;
      }
    }, undefined);
    if (refusal) throw refusal;
    const after = outcome === "missing" ? undefined : await this.get(id);
    if (!after) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    return after;
  }

  /**
   * A claimed write of the whole `ratings` array, computed from the current one: two users
   * rating at once both keep their rating, one user rating twice at once keeps exactly one.
   * (MongoDB's positional `$`/`arrayFilters` would edit one element in place, and `$pull` +
   * `$push` of one path in one update is a conflict; FerretDB 1.24 has neither positional
   * form, ignores a `$pull` by a condition on element fields, and loses concurrent `$push`es.)
   * @throws ParleyError `SESSION_NOT_FOUND`
   */
  async upsertRating(id: string, rating: RatingRecord, options?: WriteOptions): Promise<RatingRecord[]> {
    if (!(await this.model.exists({ _id: id }).exec())) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    let written: RatingRecord[] = [];
    const applied = await this.outbox.writeWithEvents(this.ref(id), options?.events, async (token) => {
      const outcome = await this.write(id, (current) => {
        written = current.ratings.filter((r) => r.userId !== rating.userId).concat(structuredClone(rating));
        return { set: { ratings: written, updatedAt: new Date() } };
      }, token);
      return outcome === "applied";
    });
    if (!applied) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    return written;
  }

  /**
   * Anonymizes `userId` in every session they took part in (user erasure, see
   * `anonymizedSessionFields`): one claimed write per session, refused when nothing is left
   * to change, so a repeated erasure writes nothing.
   * @returns how many sessions changed
   */
  async anonymizeParticipant(userId: string): Promise<number> {
    const docs = await this.model.find({ "participants.userId": userId }, { _id: 1 }).lean<Pick<SessionDocument, "_id">[]>().exec();
    let changed = 0;
    for (const { _id: id } of docs) {
      const outcome = await this.write(id, (current) => {
        const fields = anonymizedSessionFields(current, userId);
        return fields && { set: { ...fields, updatedAt: new Date() } };
      }, undefined);
      if (outcome === "applied") changed++;
    }
    await this.learners.deleteUser(userId);
    return changed;
  }

  private write(id: string, decide: (current: SessionDocument) => WriteDecision, token: string | undefined) {
    return this.writer.write(
      `${STATE_COLLECTIONS.sessions}:${id}`,
      () => this.read(id),
      decide,
      async (version, update) => (await this.model.updateOne({ _id: id, version }, update).exec()).matchedCount === 1,
      token,
    );
  }

  private read(id: string): Promise<SessionDocument | null> {
    return this.model.findById(id).lean<SessionDocument>().exec();
  }

  private ref(id: string) {
    return { collectionName: STATE_COLLECTIONS.sessions, id };
  }
}

/** The change of a patch: `updatedAt` now, `historyAt` = the result's `endedAt ?? createdAt`. */
function patchDecision(current: SessionDocument, patch: Partial<SessionRecord>): WriteDecision {
  const { set, unset } = splitPatch(patch);
  const endedAt = "endedAt" in patch ? patch.endedAt : current.endedAt;
  const createdAt = patch.createdAt ?? current.createdAt;
  return { set: { ...set, updatedAt: new Date(), historyAt: endedAt ?? createdAt }, unset };
}

import { randomUUID } from "node:crypto";
import type { Model } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import type { ModerationResolution, ReportRecord, UserModerationRecord } from "../records.js";
import type { ModerationRepository, ReportListFilter, WriteOptions } from "../repositories.js";
import { resolvedState } from "../moderationState.js";
import type { ClaimedWriter, WriteDecision } from "./claimedWrites.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import {
  toReportDocument,
  toReportRecord,
  toUserModerationRecord,
  type BlockDocument,
  type ReportDocument,
  type UserModerationDocument,
} from "./moderationModels.js";
import type { MongoOutbox } from "./mongoOutbox.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

/**
 * Reports, blocks and users' moderation state in MongoDB (DESIGN §7). A block pair is unique
 * (index on blocker, blocked); a report is unique per (session, reporter, reported user); a
 * user's state is one versioned document written through {@link ClaimedWriter}, so a flag is
 * set once under races and concurrent resolutions all apply.
 */
export class MongoModerationRepository implements ModerationRepository {
  constructor(
    private readonly reports: Model<ReportDocument>,
    private readonly blocks: Model<BlockDocument>,
    private readonly states: Model<UserModerationDocument>,
    private readonly outbox: MongoOutbox,
    private readonly writer: ClaimedWriter,
  ) {}

  /**
   * @throws ParleyError `ALREADY_REPORTED` when the (session, reporter, reported) triple
   *   exists, `INVALID_REQUEST` when the id exists.
   */
  async createReport(report: ReportRecord, options?: WriteOptions): Promise<void> {
    const ref = { collectionName: STATE_COLLECTIONS.reports, id: report.id };
    const applied = await this.outbox.writeWithEvents(ref, options?.events, async (token) => {
      try {
        await this.reports.create(toReportDocument(report, token));
        return true;
      } catch (err) {
        if (isDuplicateKeyError(err)) return false;
        throw err;
      }
    });
    if (applied) return;
    // FerretDB's duplicate-key error names no index: look up which one refused the insert.
    if (await this.reports.exists({ _id: report.id }).exec()) throw new ParleyError("INVALID_REQUEST", `report ${report.id} exists`);
    throw new ParleyError("ALREADY_REPORTED", "you reported this participant in this session already");
  }

  async countReportsAgainst(userId: string): Promise<number> {
    return this.reports.countDocuments({ reportedUserId: userId }).exec();
  }

  async countDistinctReporters(userId: string, since?: Date, exceptReporterUserId?: string): Promise<number> {
    const filter = {
      reportedUserId: userId,
      ...(since ? { createdAt: { $gte: since } } : {}),
      ...(exceptReporterUserId !== undefined ? { reporterUserId: { $ne: exceptReporterUserId } } : {}),
    };
    return (await this.reports.distinct("reporterUserId", filter).exec()).length;
  }

  /** Newest first; `flaggedOnly` reads the flagged users first (few), then their reports. */
  async listReports(limit: number, offset: number, filter: ReportListFilter = {}): Promise<{ items: ReportRecord[]; total: number }> {
    let query = {};
    if (filter.flaggedOnly) {
      const flagged = await this.states.find({ flaggedForReview: true }, { _id: 1 }).lean<Pick<UserModerationDocument, "_id">[]>().exec();
      query = { reportedUserId: { $in: flagged.map((d) => d._id) } };
    }
    const [docs, total] = await Promise.all([
      limit > 0 ? this.reports.find(query).sort({ createdAt: -1, _id: 1 }).skip(offset).limit(limit).lean<ReportDocument[]>().exec() : Promise.resolve([]),
      this.reports.countDocuments(query).exec(),
    ]);
    return { items: docs.map(toReportRecord), total };
  }

  async userState(userId: string): Promise<UserModerationRecord | undefined> {
    const doc = await this.readState(userId);
    return doc ? toUserModerationRecord(doc) : undefined;
  }

  async userStates(userIds: readonly string[]): Promise<UserModerationRecord[]> {
    if (userIds.length === 0) return [];
    const docs = await this.states.find({ _id: { $in: [...new Set(userIds)] } }).lean<UserModerationDocument[]>().exec();
    return docs.map(toUserModerationRecord);
  }

  async flagForReview(userId: string, at: Date, options?: WriteOptions): Promise<boolean> {
    return this.outbox.writeWithEvents(this.ref(userId), options?.events, (token) =>
      this.writeState(userId, (current) => (current.flaggedForReview ? undefined : { set: { flaggedForReview: true, flaggedAt: at } }), token),
    );
  }

  async resolve(userId: string, resolution: ModerationResolution, options?: WriteOptions): Promise<UserModerationRecord> {
    let next: UserModerationRecord | undefined;
    await this.outbox.writeWithEvents(this.ref(userId), options?.events, (token) =>
      this.writeState(userId, (current) => {
        next = resolvedState(current, resolution);
        const { userId: _userId, ...fields } = next;
        return { set: fields, unset: ["flaggedAt"] };
      }, token),
    );
    if (!next) throw new ParleyError("INTERNAL_ERROR", `moderation state of ${userId}: the resolution was not written`);
    return next;
  }

  /** Idempotent: blocking twice keeps one block. */
  async block(blockerUserId: string, blockedUserId: string): Promise<void> {
    try {
      await this.blocks.create({ _id: randomUUID(), blockerUserId, blockedUserId, createdAt: new Date() });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
    }
  }

  async blockedPeers(userId: string): Promise<string[]> {
    const docs = await this.blocks
      .find({ $or: [{ blockerUserId: userId }, { blockedUserId: userId }] })
      .lean<BlockDocument[]>()
      .exec();
    const peers = new Set<string>();
    for (const d of docs) peers.add(d.blockerUserId === userId ? d.blockedUserId : d.blockerUserId);
    return [...peers];
  }

  /**
   * A claimed write of the user's state, decided on the current one (a fresh state when there
   * is none: then an insert, the unique `_id` arbitrating a race with another first write).
   * @returns true when applied, false when `decide` refused
   */
  private async writeState(userId: string, decide: (current: UserModerationRecord) => WriteDecision, token: string | undefined): Promise<boolean> {
    for (;;) {
      const outcome = await this.writer.write(
        `${STATE_COLLECTIONS.userModeration}:${userId}`,
        () => this.readState(userId),
        (doc) => decide(toUserModerationRecord(doc)),
        async (version, update) => (await this.states.updateOne({ _id: userId, version }, update).exec()).matchedCount === 1,
        token,
      );
      if (outcome !== "missing") return outcome === "applied";
      const decision = decide({ userId, flaggedForReview: false, warnings: 0 });
      if (!decision) return false;
      try {
        await this.states.create({ _id: userId, flaggedForReview: false, warnings: 0, ...decision.set, version: 0, writeTokens: token === undefined ? [] : [token] });
        return true;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Created meanwhile by another writer: decide again on what it wrote.
      }
    }
  }

  private readState(userId: string): Promise<UserModerationDocument | null> {
    return this.states.findById(userId).lean<UserModerationDocument>().exec();
  }

  private ref(userId: string) {
    return { collectionName: STATE_COLLECTIONS.userModeration, id: userId };
  }

  /** Deletes the reports `userId` made and their blocks in both directions (user erasure). */
  async eraseUser(userId: string): Promise<{ reportsDeleted: number; blocksDeleted: number }> {
    const reports = await this.reports.deleteMany({ reporterUserId: userId }).exec();
    const blocks = await this.blocks.deleteMany({ $or: [{ blockerUserId: userId }, { blockedUserId: userId }] }).exec();
    return { reportsDeleted: reports.deletedCount, blocksDeleted: blocks.deletedCount };
  }
}

import { randomUUID } from "node:crypto";
import type { Model } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import type { ReportRecord } from "../records.js";
import type { ModerationRepository, WriteOptions } from "../repositories.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import { toReportDocument, toReportRecord, type BlockDocument, type ReportDocument } from "./moderationModels.js";
import type { MongoOutbox } from "./mongoOutbox.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

/** Reports and blocks in MongoDB (DESIGN §7). A block pair is unique (index on blocker, blocked). */
export class MongoModerationRepository implements ModerationRepository {
  constructor(
    private readonly reports: Model<ReportDocument>,
    private readonly blocks: Model<BlockDocument>,
    private readonly outbox: MongoOutbox,
  ) {}

  /** @throws ParleyError `INVALID_REQUEST` when the id exists. */
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
    if (!applied) throw new ParleyError("INVALID_REQUEST", `report ${report.id} exists`);
  }

  async countReportsAgainst(userId: string): Promise<number> {
    return this.reports.countDocuments({ reportedUserId: userId }).exec();
  }

  /** Newest first. */
  async listReports(limit: number, offset: number): Promise<{ items: ReportRecord[]; total: number }> {
    const [docs, total] = await Promise.all([
      limit > 0 ? this.reports.find({}).sort({ createdAt: -1, _id: 1 }).skip(offset).limit(limit).lean<ReportDocument[]>().exec() : Promise.resolve([]),
      this.reports.countDocuments({}).exec(),
    ]);
    return { items: docs.map(toReportRecord), total };
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

  /** Deletes the reports `userId` made and their blocks in both directions (user erasure). */
  async eraseUser(userId: string): Promise<{ reportsDeleted: number; blocksDeleted: number }> {
    const reports = await this.reports.deleteMany({ reporterUserId: userId }).exec();
    const blocks = await this.blocks.deleteMany({ $or: [{ blockerUserId: userId }, { blockedUserId: userId }] }).exec();
    return { reportsDeleted: reports.deletedCount, blocksDeleted: blocks.deletedCount };
  }
}

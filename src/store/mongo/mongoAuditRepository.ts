import type { Model } from "mongoose";
import type { AuditRecord, AuditRepository } from "../repositories.js";
import { toAuditRecord, type AuditDocument } from "./auditModel.js";

/** The admin audit log in MongoDB (seeds 003/004), newest first by `at`. */
export class MongoAuditRepository implements AuditRepository {
  constructor(private readonly model: Model<AuditDocument>) {}

  async append(entry: AuditRecord): Promise<void> {
    const { id, ...fields } = entry;
    await this.model.create({ ...fields, _id: id });
  }

  async list(limit: number, offset: number): Promise<{ items: AuditRecord[]; total: number }> {
    const [docs, total] = await Promise.all([
      limit > 0 ? this.model.find({}).sort({ at: -1, _id: 1 }).skip(offset).limit(limit).lean<AuditDocument[]>().exec() : Promise.resolve([]),
      this.model.countDocuments({}).exec(),
    ]);
    return { items: docs.map(toAuditRecord), total };
  }
}

import { randomUUID } from "node:crypto";
import type { Model } from "mongoose";
import type { LearnerSkillRepository } from "../repositories.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import type { LearnerSkillDocument } from "./learnerSkillModel.js";

/**
 * Acquired skills in MongoDB (seed 002 §5.2 `skill.acquired`). A skill is added by an insert
 * against the unique (userId, skillCode) index: concurrent adds keep one row, the first.
 */
export class MongoLearnerSkillRepository implements LearnerSkillRepository {
  constructor(private readonly model: Model<LearnerSkillDocument>) {}

  async add(userId: string, skillCode: string, acquiredAt: Date = new Date()): Promise<boolean> {
    try {
      await this.model.create({ _id: randomUUID(), userId, skillCode, acquiredAt });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async list(userId: string): Promise<string[]> {
    const docs = await this.model.find({ userId }, { skillCode: 1 }).lean<Pick<LearnerSkillDocument, "skillCode">[]>().exec();
    return docs.map((d) => d.skillCode).sort();
  }

  /** Deletes the user's skills (user erasure). @returns how many */
  async deleteByUser(userId: string): Promise<number> {
    return (await this.model.deleteMany({ userId }).exec()).deletedCount;
  }
}

import type { Model } from "mongoose";
import type { ProcessedEventRepository } from "../repositories.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import { processedEventId, type ProcessedEventDocument } from "./processedEventModel.js";

/**
 * Handled events in MongoDB (DESIGN §8 idempotent consumers). {@link markProcessed} is an
 * insert against the unique `_id`: atomic on MongoDB and FerretDB alike, so of two concurrent
 * calls for one (consumer, eventId) exactly one gets true.
 */
export class MongoProcessedEventRepository implements ProcessedEventRepository {
  constructor(private readonly model: Model<ProcessedEventDocument>) {}

  async isProcessed(eventId: string, consumer: string): Promise<boolean> {
    return (await this.model.exists({ _id: processedEventId(consumer, eventId) }).exec()) !== null;
  }

  async markProcessed(eventId: string, consumer: string, at: Date): Promise<boolean> {
    try {
      await this.model.create({ _id: processedEventId(consumer, eventId), consumer, eventId, processedAt: at });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async pruneBefore(before: Date): Promise<number> {
    return (await this.model.deleteMany({ processedAt: { $lt: before } }).exec()).deletedCount;
  }

  async count(): Promise<number> {
    return this.model.countDocuments({}).exec();
  }
}

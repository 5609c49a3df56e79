import type { Model } from "mongoose";
import { ParleyError } from "../../errors/errorCodes.js";
import type { Topic } from "../../topics/topic.js";
import type { TopicRepository } from "../repositories.js";
import { isDuplicateKeyError } from "./documentUpdates.js";
import { toTopicDocument, topicId, type TopicDocument } from "./topicModel.js";

/**
 * The topic catalog in MongoDB. Writes are whole-document: an insert against the unique `_id`
 * (atomic on FerretDB 1.24 too) or a replacement of the stored topic; two admins replacing one
 * topic at once leave one of the two versions, whole. No upsert: FerretDB's is not atomic, so
 * {@link put} updates, else inserts, and on a lost insert race updates again.
 */
export class MongoTopicRepository implements TopicRepository {
  constructor(private readonly model: Model<TopicDocument>) {}

  async list(): Promise<Topic[]> {
    const docs = await this.model.find({}, { topic: 1 }).lean<Pick<TopicDocument, "topic">[]>().exec();
    return docs.map((d) => d.topic);
  }

  async get(targetLanguageCode: string, code: string): Promise<Topic | undefined> {
    const doc = await this.model.findById(topicId(targetLanguageCode, code), { topic: 1 }).lean<Pick<TopicDocument, "topic">>().exec();
    return doc?.topic;
  }

  /** @throws ParleyError `INVALID_REQUEST` when it exists already. */
  async create(topic: Topic): Promise<void> {
    if (!(await this.insert(topic))) throw new ParleyError("INVALID_REQUEST", `topic "${topic.code}" in "${topic.targetLanguageCode}" exists already`);
  }

  async put(topic: Topic): Promise<"created" | "replaced"> {
    for (;;) {
      if (await this.replace(topic)) return "replaced";
      if (await this.insert(topic)) return "created";
    }
  }

  async remove(targetLanguageCode: string, code: string): Promise<boolean> {
    return (await this.model.deleteOne({ _id: topicId(targetLanguageCode, code) }).exec()).deletedCount === 1;
  }

  /** One insert per topic (a duplicate — another process seeding at once — is skipped). */
  async seedIfEmpty(topics: readonly Topic[]): Promise<number> {
    if ((await this.model.countDocuments({}).exec()) > 0) return 0;
    let inserted = 0;
    for (const topic of topics) if (await this.insert(topic)) inserted++;
    return inserted;
  }

  /** @returns false when a topic with that key exists */
  private async insert(topic: Topic): Promise<boolean> {
    try {
      await this.model.create(toTopicDocument(topic, new Date()));
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** @returns false when there is no such topic */
  private async replace(topic: Topic): Promise<boolean> {
    const { _id, ...fields } = toTopicDocument(topic, new Date());
    return (await this.model.replaceOne({ _id }, fields).exec()).matchedCount === 1;
  }
}

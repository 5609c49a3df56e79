import { Schema, type Connection, type Model } from "mongoose";
import type { Topic } from "../../topics/topic.js";

/**
 * A stored topic (seed 002 §2.1 ConversationTopic): `_id` = `"<targetLanguageCode>:<code>"`
 * (unique per language and code), the key fields for queries, and the whole validated topic
 * as written (prompts and all), so that a read returns exactly what was stored.
 */
export interface TopicDocument {
  _id: string;
  targetLanguageCode: string;
  code: string;
  topic: Topic;
  updatedAt: Date;
}

const topicSchema = new Schema<TopicDocument>(
  {
    _id: { type: String, required: true },
    targetLanguageCode: { type: String, required: true },
    code: { type: String, required: true },
    topic: { type: Schema.Types.Mixed, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: "topics", versionKey: false, minimize: false },
);

/** Registers the topic model on `connection`. */
export function topicModel(connection: Connection): Model<TopicDocument> {
  return connection.model<TopicDocument>("Topic", topicSchema);
}

/** The `_id` of the topic `code` in `targetLanguageCode`. */
export function topicId(targetLanguageCode: string, code: string): string {
  return `${targetLanguageCode}:${code}`;
}

/** The document stored for `topic`, written at `updatedAt`. */
export function toTopicDocument(topic: Topic, updatedAt: Date): TopicDocument {
  return { _id: topicId(topic.targetLanguageCode, topic.code), targetLanguageCode: topic.targetLanguageCode, code: topic.code, topic: structuredClone(topic), updatedAt };
}

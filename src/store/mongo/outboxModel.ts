import { Schema, type Connection, type Model } from "mongoose";
import type { EventEnvelope } from "../../events/envelope.js";
import type { OutboxRecord } from "../records.js";
import type { StateCollection } from "./stateCollections.js";

/**
 * Where an outbox row is in the protocol of {@link MongoOutbox}: `staged` (written before its
 * state change, invisible to the relay), `pending` (the change is applied: to publish),
 * `published`.
 */
export type OutboxRowStatus = "staged" | "pending" | "published";

/** An outbox row as stored; `_id` is the event's `eventId`. */
export interface OutboxDocument {
  _id: string;
  seq: number;
  status: OutboxRowStatus;
  event: EventEnvelope;
  createdAt: Date;
  publishedAt?: Date;
  attempts: number;
  /** The state write this row belongs to: the document and the write token it carries once applied. */
  stateRef: { collectionName: StateCollection; id: string; token: string };
}

const outboxSchema = new Schema<OutboxDocument>(
  {
    _id: { type: String, required: true },
    seq: { type: Number, required: true },
    status: { type: String, enum: ["staged", "pending", "published"], required: true },
    event: { type: Schema.Types.Mixed, required: true },
    createdAt: { type: Date, required: true },
    publishedAt: Date,
    attempts: { type: Number, required: true, default: 0 },
    stateRef: {
      type: new Schema(
        {
          collectionName: { type: String, required: true },
          id: { type: String, required: true },
          token: { type: String, required: true },
        },
        { _id: false },
      ),
      required: true,
    },
  },
  // minimize: false keeps empty objects inside the event (`payload: {}`) as written.
  { collection: "outbox", versionKey: false, minimize: false },
);
outboxSchema.index({ seq: 1 }, { name: "uniq_outbox_seq", unique: true });
outboxSchema.index({ status: 1, seq: 1 }, { name: "idx_outbox_status_seq" });
outboxSchema.index({ publishedAt: 1, seq: 1 }, { name: "idx_outbox_published_seq" });
outboxSchema.index({ "stateRef.token": 1 }, { name: "idx_outbox_token" });

/** Registers the outbox model on `connection`: the rows not published yet (staged, pending). */
export function outboxModel(connection: Connection): Model<OutboxDocument> {
  return connection.model<OutboxDocument>("OutboxRow", outboxSchema);
}

/**
 * Registers the model of published rows (`outboxPublished`, same shape): the outbox's history,
 * kept apart so that the queries of the hot path (the relay's, a write's settle) read only
 * unpublished rows — FerretDB 1.24 scans a whole collection for any filter but `_id`.
 */
export function publishedOutboxModel(connection: Connection): Model<OutboxDocument> {
  return connection.model<OutboxDocument>("PublishedOutboxRow", outboxSchema, "outboxPublished");
}

/** The record of a stored (lean) outbox row. */
export function toOutboxRecord(doc: OutboxDocument): OutboxRecord {
  return {
    seq: doc.seq,
    event: doc.event,
    createdAt: doc.createdAt,
    ...(doc.publishedAt ? { publishedAt: doc.publishedAt } : {}),
    attempts: doc.attempts,
  };
}

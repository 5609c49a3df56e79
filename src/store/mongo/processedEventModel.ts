import { Schema, type Connection, type Model } from "mongoose";

/**
 * A record that a consumer handled an event (DESIGN §8 idempotent consumers).
 * `_id` = `JSON.stringify([consumer, eventId])`: unique per pair, so that the insert that
 * records it is the atomic "first time?" test (FerretDB 1.24 included).
 */
export interface ProcessedEventDocument {
  _id: string;
  consumer: string;
  eventId: string;
  processedAt: Date;
}

const processedEventSchema = new Schema<ProcessedEventDocument>(
  {
    _id: { type: String, required: true },
    consumer: { type: String, required: true },
    eventId: { type: String, required: true },
    processedAt: { type: Date, required: true },
  },
  { collection: "processedEvents", versionKey: false },
);
// Retention (`pruneBefore`); FerretDB 1.24 has no TTL indexes.
processedEventSchema.index({ processedAt: 1 }, { name: "idx_processed_at" });

/** Registers the processed-event model on `connection`. */
export function processedEventModel(connection: Connection): Model<ProcessedEventDocument> {
  return connection.model<ProcessedEventDocument>("ProcessedEvent", processedEventSchema);
}

/** The `_id` of the record of `consumer` having handled `eventId`. */
export function processedEventId(consumer: string, eventId: string): string {
  return JSON.stringify([consumer, eventId]);
}

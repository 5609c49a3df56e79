import { Schema, type Connection, type Model } from "mongoose";
import { CEFR_LEVELS } from "../../topics/cefr.js";
import type { MatchRequestRecord } from "../records.js";
import type { VersionedDocument } from "./claimedWrites.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

/** A ticket as stored: the record with `_id` = its UUID, plus bookkeeping fields. */
export interface MatchRequestDocument extends Omit<MatchRequestRecord, "id">, VersionedDocument {
  _id: string;
  /**
   * The userId while the ticket is `pending`, absent otherwise. A unique *sparse* index on it
   * allows one pending ticket per user: MongoDB's partial index (`WHERE status = 'pending'`)
   * would say it more directly, but FerretDB 1.24 rejects `partialFilterExpression`.
   */
  pendingUserId?: string;
}

const matchRequestSchema = new Schema<MatchRequestDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    queue: { type: String, required: true },
    sessionType: { type: String, enum: ["practice", "tandem"], required: true },
    targetLanguageCode: { type: String, required: true },
    nativeLanguageCode: { type: String, required: true },
    currentLevel: { type: String, enum: CEFR_LEVELS, required: true },
    preferredPartnerLevel: { type: String, enum: ["same", "higher", "lower", "any"], required: true },
    preferredPartnerNativeLanguageCode: String,
    topicCode: { type: String, required: true },
    preferredAccent: String,
    mode: { type: String, enum: ["now", "scheduled"], required: true },
    scheduledFor: Date,
    maxWaitTimeSeconds: { type: Number, required: true },
    recordingConsent: { type: Boolean, required: true },
    holder: { type: new Schema({ displayName: { type: String, required: true }, avatarUrl: String, tier: { type: String, enum: ["free", "premium"], required: true } }, { _id: false }), required: false },
    status: { type: String, enum: ["pending", "matched", "expired", "cancelled"], required: true },
    matchedSessionId: String,
    matchExplanation: {
      type: new Schema(
        {
          compatibilityScore: { type: Number, required: true },
          stage: { type: String, enum: ["strict", "level_1", "same_category", "any_level"], required: true },
          levelDifference: { type: Number, required: true },
          scoreBreakdown: {
            type: new Schema({ level: Number, tandem: Number, accent: Number, nativeLanguage: Number, notRecent: Number, premium: Number }, { _id: false }),
            required: true,
          },
        },
        { _id: false },
      ),
      required: false,
    },
    createdAt: { type: Date, required: true },
    matchedAt: Date,
    expiresAt: { type: Date, required: true },
    pendingUserId: String,
    version: { type: Number, required: true, default: 0 },
    writeTokens: { type: [String], default: [] },
  },
  { collection: STATE_COLLECTIONS.matchRequests, versionKey: false },
);
// Seed 002 §2.1 indexes.
matchRequestSchema.index({ status: 1, targetLanguageCode: 1, createdAt: 1 }, { name: "idx_match_status_language" });
matchRequestSchema.index({ userId: 1, status: 1 }, { name: "idx_match_user" });
matchRequestSchema.index({ pendingUserId: 1 }, { name: "uniq_match_pending_user", unique: true, sparse: true });

/** Registers the ticket model on `connection` (never on the global mongoose connection). */
export function matchRequestModel(connection: Connection): Model<MatchRequestDocument> {
  return connection.model<MatchRequestDocument>("MatchRequest", matchRequestSchema);
}

/** The document stored for a new ticket; `token` is the outbox write token, if it has events. */
export function toMatchRequestDocument(record: MatchRequestRecord, token: string | undefined): MatchRequestDocument {
  const { id, ...fields } = record;
  return {
    ...fields,
    _id: id,
    ...(record.status === "pending" ? { pendingUserId: record.userId } : {}),
    version: 0,
    writeTokens: token === undefined ? [] : [token],
  };
}

/** The record of a stored (lean) ticket document, without bookkeeping fields. */
export function toMatchRequestRecord(doc: MatchRequestDocument): MatchRequestRecord {
  const { _id, pendingUserId: _pendingUserId, version: _version, writeTokens: _writeTokens, ...fields } = doc;
  return { id: _id, ...fields };
}

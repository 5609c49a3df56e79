import { Schema, type Connection, type Model } from "mongoose";
import { CEFR_LEVELS } from "../../topics/cefr.js";
import type { ParticipantRecord, RatingRecord, SessionRecord } from "../records.js";
import type { VersionedDocument } from "./claimedWrites.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

/** A session as stored: the record with `_id` = its UUID, plus bookkeeping fields. */
export interface SessionDocument extends Omit<SessionRecord, "id">, VersionedDocument {
  _id: string;
  /**
   * `endedAt ?? createdAt`, the order of a user's history (newest first). Kept as a field
   * because FerretDB 1.24 has no `$ifNull` to compute it in an aggregation.
   */
  historyAt: Date;
}

const participantSchema = new Schema<ParticipantRecord>(
  {
    userId: { type: String, required: true },
    displayName: { type: String, required: true },
    avatarUrl: String,
    nativeLanguageCode: { type: String, required: true },
    targetLanguageCode: { type: String, required: true },
    level: { type: String, enum: CEFR_LEVELS, required: true },
    role: { type: String, enum: ["learner", "partner", "host", "participant"], required: true },
    tier: { type: String, enum: ["free", "premium"], required: true },
    recordingConsent: { type: Boolean, required: true },
    joinedAt: Date,
    leftAt: Date,
    spokenSeconds: { type: Number, required: true },
    turnCount: { type: Number, required: true },
    // { <languageCode>: { spokenSeconds, turnCount } } (DESIGN §10).
    byLanguage: { type: Schema.Types.Mixed },
    talkShare: Number,
  },
  { _id: false },
);

const promptSchema = new Schema<SessionRecord["prompts"][number]>(
  {
    promptKey: { type: String, required: true },
    category: { type: String, enum: ["icebreaker", "main_topic", "follow_up"], required: true },
    displayedAt: { type: Date, required: true },
    languageCode: String,
  },
  { _id: false },
);

const ratingSchema = new Schema<RatingRecord>(
  {
    userId: { type: String, required: true },
    rating: { type: Number, required: true },
    feedback: String,
    partnerLevelFeedback: { type: String, enum: ["lower", "right", "higher"] },
    ratedAt: { type: Date, required: true },
  },
  { _id: false },
);

const sessionSchema = new Schema<SessionDocument>(
  {
    _id: { type: String, required: true },
    sessionType: { type: String, enum: ["practice", "tandem", "group"], required: true },
    targetLanguageCode: { type: String, required: true },
    topicCode: { type: String, required: true },
    targetLevel: { type: String, enum: CEFR_LEVELS, required: true },
    status: { type: String, enum: ["waiting", "active", "completed", "expired", "aborted"], required: true },
    participants: { type: [participantSchema], default: [] },
    prompts: { type: [promptSchema], default: [] },
    matchRequestIds: { type: [String], default: [] },
    compatibilityScore: Number,
    hostUserId: String,
    // A path named `type` is declared as `{ type: { type: … } }` in Mongoose.
    type: { type: String, enum: ["public", "private"] },
    inviteCode: String,
    minParticipants: Number,
    maxParticipants: Number,
    scheduledStartAt: Date,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    startedAt: Date,
    endedAt: Date,
    endReason: { type: String, enum: ["completed", "partner_left", "timeout", "host_ended", "error"] },
    durationSeconds: { type: Number, required: true },
    xpEligible: Boolean,
    recordingUrl: String,
    recordingDeletedAt: Date,
    reminderSentAt: Date,
    transcriptId: String,
    transcriptUrl: String,
    ratings: { type: [ratingSchema], default: [] },
    historyAt: { type: Date, required: true },
    version: { type: Number, required: true, default: 0 },
    writeTokens: { type: [String], default: [] },
  },
  { collection: STATE_COLLECTIONS.sessions, versionKey: false },
);
// Seed 002 §2.1 indexes. The seed's idx_session_completed is partial (WHERE status='completed');
// FerretDB 1.24 has no partial indexes, so it covers every status.
sessionSchema.index({ status: 1, createdAt: 1 }, { name: "idx_session_status" });
sessionSchema.index({ "participants.userId": 1, historyAt: -1 }, { name: "idx_session_user" });
sessionSchema.index({ status: 1, endedAt: 1 }, { name: "idx_session_completed" });
// Seed 000 group indexes. `inviteCode` is absent on pairs and public groups, so the
// unique index is sparse; a clash on insert is told apart from an id clash by looking it up.
sessionSchema.index({ status: 1, targetLanguageCode: 1 }, { name: "idx_session_status_language" });
sessionSchema.index({ hostUserId: 1, createdAt: -1 }, { name: "idx_session_host" });
sessionSchema.index({ inviteCode: 1 }, { name: "uniq_session_invite_code", unique: true, sparse: true });
sessionSchema.index({ type: 1, status: 1 }, { name: "idx_session_type_status" });

/** Registers the session model on `connection` (never on the global mongoose connection). */
export function sessionModel(connection: Connection): Model<SessionDocument> {
  return connection.model<SessionDocument>("Session", sessionSchema);
}

/** The document stored for a new session; `token` is the outbox write token, if it has events. */
export function toSessionDocument(record: SessionRecord, token: string | undefined): SessionDocument {
  const { id, ...fields } = record;
  return {
    ...fields,
    _id: id,
    historyAt: record.endedAt ?? record.createdAt,
    version: 0,
    writeTokens: token === undefined ? [] : [token],
  };
}

/** The record of a stored (lean) session document, without bookkeeping fields. */
export function toSessionRecord(doc: SessionDocument): SessionRecord {
  const { _id, historyAt: _historyAt, version: _version, writeTokens: _writeTokens, ...fields } = doc;
  return { id: _id, ...fields };
}

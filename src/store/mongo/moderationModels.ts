import { Schema, type Connection, type Model } from "mongoose";
import type { ModerationResolution, ReportRecord, UserModerationRecord } from "../records.js";
import type { VersionedDocument } from "./claimedWrites.js";
import { STATE_COLLECTIONS } from "./stateCollections.js";

/** A report as stored: the record with `_id` = its UUID. */
export interface ReportDocument extends Omit<ReportRecord, "id"> {
  _id: string;
  writeTokens: string[];
}

/** One block, `blockerUserId` → `blockedUserId` (DESIGN §7: never matched again). */
export interface BlockDocument {
  _id: string;
  blockerUserId: string;
  blockedUserId: string;
  createdAt: Date;
}

const reportSchema = new Schema<ReportDocument>(
  {
    _id: { type: String, required: true },
    sessionId: { type: String, required: true },
    reporterUserId: { type: String, required: true },
    reportedUserId: { type: String, required: true },
    reason: { type: String, required: true },
    details: String,
    block: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    writeTokens: { type: [String], default: [] },
  },
  { collection: STATE_COLLECTIONS.reports, versionKey: false },
);
reportSchema.index({ reportedUserId: 1 }, { name: "idx_report_reported" });
// One report per reporter per reported user per session: the insert against it is the
// atomic "reported already?" test (FerretDB 1.24 included).
reportSchema.index({ sessionId: 1, reporterUserId: 1, reportedUserId: 1 }, { name: "uniq_report_session_pair", unique: true });
reportSchema.index({ createdAt: -1 }, { name: "idx_report_created" });

const blockSchema = new Schema<BlockDocument>(
  {
    _id: { type: String, required: true },
    blockerUserId: { type: String, required: true },
    blockedUserId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: "blocks", versionKey: false },
);
blockSchema.index({ blockerUserId: 1, blockedUserId: 1 }, { name: "uniq_block_pair", unique: true });
blockSchema.index({ blockedUserId: 1 }, { name: "idx_block_blocked" });

/**
 * The moderation state of one user, `_id` = the userId; written through `ClaimedWriter`
 * (versioned, with the outbox write tokens of `participant.flagged`).
 */
export interface UserModerationDocument extends Omit<UserModerationRecord, "userId">, VersionedDocument {
  _id: string;
}

const resolutionSchema = new Schema<ModerationResolution>(
  {
    action: { type: String, enum: ["dismiss", "warn", "ban"], required: true },
    moderatorUserId: { type: String, required: true },
    at: { type: Date, required: true },
    note: String,
    bannedUntil: Date,
  },
  { _id: false },
);

const userModerationSchema = new Schema<UserModerationDocument>(
  {
    _id: { type: String, required: true },
    flaggedForReview: { type: Boolean, required: true },
    flaggedAt: Date,
    bannedUntil: Date,
    warnings: { type: Number, required: true },
    lastResolution: resolutionSchema,
    version: { type: Number, required: true },
    writeTokens: { type: [String], default: [] },
  },
  { collection: STATE_COLLECTIONS.userModeration, versionKey: false },
);
userModerationSchema.index({ flaggedForReview: 1 }, { name: "idx_moderation_flagged" });

/** Registers the user-moderation model on `connection`. */
export function userModerationModel(connection: Connection): Model<UserModerationDocument> {
  return connection.model<UserModerationDocument>("UserModeration", userModerationSchema);
}

/** The record of a stored (lean) user-moderation document. */
export function toUserModerationRecord(doc: UserModerationDocument): UserModerationRecord {
  const { _id, version: _version, writeTokens: _writeTokens, ...fields } = doc;
  return { userId: _id, ...fields };
}

/** Registers the report model on `connection`. */
export function reportModel(connection: Connection): Model<ReportDocument> {
  return connection.model<ReportDocument>("Report", reportSchema);
}

/** Registers the block model on `connection`. */
export function blockModel(connection: Connection): Model<BlockDocument> {
  return connection.model<BlockDocument>("Block", blockSchema);
}

/** The document stored for a new report; `token` is the outbox write token, if it has events. */
export function toReportDocument(record: ReportRecord, token: string | undefined): ReportDocument {
  const { id, ...fields } = record;
  return { ...fields, _id: id, writeTokens: token === undefined ? [] : [token] };
}

/** The record of a stored (lean) report document. */
export function toReportRecord(doc: ReportDocument): ReportRecord {
  const { _id, writeTokens: _writeTokens, ...fields } = doc;
  return { id: _id, ...fields };
}

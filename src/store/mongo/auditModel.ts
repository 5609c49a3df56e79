import { Schema, type Connection, type Model } from "mongoose";
import type { AuditRecord } from "../repositories.js";

/** An audit entry as stored: the record with `_id` = its UUID. */
export interface AuditDocument extends Omit<AuditRecord, "id"> {
  _id: string;
}

const auditSchema = new Schema<AuditDocument>(
  {
    _id: { type: String, required: true },
    actorUserId: { type: String, required: true },
    action: { type: String, required: true },
    target: { type: String, required: true },
    details: Schema.Types.Mixed,
    at: { type: Date, required: true },
  },
  // minimize: false keeps `details: {}` as written.
  { collection: "auditLog", versionKey: false, minimize: false },
);
auditSchema.index({ at: -1 }, { name: "idx_audit_at" });

/** Registers the audit model on `connection`. */
export function auditModel(connection: Connection): Model<AuditDocument> {
  return connection.model<AuditDocument>("AuditEntry", auditSchema);
}

/** The record of a stored (lean) audit document. */
export function toAuditRecord(doc: AuditDocument): AuditRecord {
  const { _id, ...fields } = doc;
  return { id: _id, ...fields };
}

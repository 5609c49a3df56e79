import { Schema, type Connection, type Model } from "mongoose";
import { applyFileUploadProgress, fileUploadId, type FileUploadRecord, type FileUploadRepository } from "../fileUploads.js";

/** A `file_uploads` document: the record, `_id` = `uploadId`. */
export interface FileUploadDocument extends Omit<FileUploadRecord, "uploadId"> {
  _id: string;
}

const fileUploadSchema = new Schema<FileUploadDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    sessionId: { type: String, required: true },
    storageKey: { type: String, required: true },
    mimeType: { type: String, required: true },
    status: { type: String, enum: ["uploading", "completed", "failed", "cancelled"], required: true },
    chunks: { type: Number, required: true },
    bytes: { type: Number, required: true },
    error: String,
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    endedAt: Date,
  },
  { collection: "file_uploads", versionKey: false },
);
// Seed 003 indexes the uploads by user and status; parley reads them by session.
fileUploadSchema.index({ sessionId: 1 }, { name: "idx_upload_session" });
fileUploadSchema.index({ userId: 1, status: 1 }, { name: "idx_upload_user_status" });

/** Registers the `file_uploads` model on `connection`. */
export function fileUploadModel(connection: Connection): Model<FileUploadDocument> {
  return connection.model<FileUploadDocument>("FileUpload", fileUploadSchema);
}

function toRecord({ _id, ...fields }: FileUploadDocument): FileUploadRecord {
  return { uploadId: _id, ...fields };
}

/**
 * `file_uploads` in MongoDB. One room writes a track's reports, in order, through its I/O queue,
 * so a read-then-replace is enough; an ended upload is never rewritten (the filter says so).
 */
export class MongoFileUploadRepository implements FileUploadRepository {
  constructor(private readonly model: Model<FileUploadDocument>) {}

  async record(progress: Parameters<FileUploadRepository["record"]>[0], mimeType: string): Promise<void> {
    const id = fileUploadId(progress.sessionId, progress.userId);
    const current = await this.model.findById(id).lean<FileUploadDocument>().exec();
    const next = applyFileUploadProgress(current ? toRecord(current) : undefined, progress, mimeType);
    if (!next) return;
    const { uploadId: _id, ...fields } = next;
    await this.model.replaceOne({ _id, status: { $nin: ["completed", "failed", "cancelled"] } }, { _id, ...fields }, { upsert: !current }).exec();
  }

  async listBySession(sessionId: string): Promise<FileUploadRecord[]> {
    const docs = await this.model.find({ sessionId }).sort({ userId: 1 }).lean<FileUploadDocument[]>().exec();
    return docs.map(toRecord);
  }
}

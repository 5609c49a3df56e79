/**
 * `file_uploads` (seed 003 §4, "Gestion Uploads Temporaires"), for the recording tracks of issue
 * 10: one record per participant's track, with its progress (chunks, bytes) and status. The seed's
 * per-chunk array is kept as counts: a 30-minute track has 1,800 one-second chunks.
 */

/** Status of an upload (seed 003: `uploading`, `completed`, `failed`, `cancelled`). */
export type FileUploadStatus = "uploading" | "completed" | "failed" | "cancelled";

/** One upload: a participant's recording track. Times are `Date`s. */
export interface FileUploadRecord {
  /** `<sessionId>/<userId>`: one upload per track. */
  uploadId: string;
  userId: string;
  sessionId: string;
  /** The object's key in the recording storage (`<prefix><sessionId>/<userId>.webm`). */
  storageKey: string;
  mimeType: string;
  status: FileUploadStatus;
  /** Chunks and bytes accepted so far. */
  chunks: number;
  bytes: number;
  /** Why it failed (status `failed`). */
  error?: string;
  createdAt: Date;
  updatedAt: Date;
  /** When it ended (completed, failed or cancelled). */
  endedAt?: Date;
}

/** What a track's progress report carries (the `SessionRecorder`'s `TrackUploadProgress`). */
export interface FileUploadProgress {
  sessionId: string;
  userId: string;
  key: string;
  status: FileUploadStatus;
  chunks: number;
  bytes: number;
  error?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** The id of a track's upload. */
export function fileUploadId(sessionId: string, userId: string): string {
  return `${sessionId}/${userId}`;
}

/** `file_uploads` (seed 003 §4): recording uploads and their progress. */
export interface FileUploadRepository {
  /**
   * Records a progress report: creates the upload on its first report, then updates status,
   * counts and error. An ended upload (completed, failed, cancelled) is never reopened: a late
   * `uploading` report is ignored.
   * @param mimeType stored on creation
   */
  record(progress: FileUploadProgress, mimeType: string): Promise<void>;
  /** The uploads of a session, by user id. */
  listBySession(sessionId: string): Promise<FileUploadRecord[]>;
}

/** The record after `progress` is applied to `current` (pure; `undefined` when nothing changes). */
export function applyFileUploadProgress(current: FileUploadRecord | undefined, progress: FileUploadProgress, mimeType: string): FileUploadRecord | undefined {
  const at = new Date(progress.at);
  if (current && current.status !== "uploading") return undefined;
  if (current && progress.status === "uploading" && progress.chunks <= current.chunks) return undefined;
  return {
    uploadId: fileUploadId(progress.sessionId, progress.userId),
    userId: progress.userId,
    sessionId: progress.sessionId,
    storageKey: progress.key,
    mimeType: current?.mimeType ?? mimeType,
    status: progress.status,
    chunks: progress.chunks,
    bytes: progress.bytes,
    ...(progress.error ? { error: progress.error } : {}),
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
    ...(progress.status !== "uploading" ? { endedAt: at } : {}),
  };
}

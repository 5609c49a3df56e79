/**
 * The recording storage port (DESIGN §1 ports table, §6 "Recording"; seed 002 §6.4).
 *
 * A conversation room opens one {@link RecordingWriter} per recorded session and hands it the
 * WebM/Opus `audio_chunk` bytes as they arrive; the bytes stream to the backend, never the
 * whole file in memory. The finished recording is known by its *ref* — the value stored as
 * `session.recordingUrl` (`s3://bucket/key` for S3, `file:///…/key` for the local directory) —
 * and is served to participants and admins only through a short-lived
 * {@link RecordingStorage.presignedGetUrl}. The retention job deletes what
 * {@link RecordingStorage.listOlderThan} returns for `now − RECORDING_RETENTION_DAYS`.
 *
 * Keys: `${prefix}${sessionId}.webm` — `S3_RECORDINGS_PREFIX` (default `sessions/`) for S3, no
 * prefix in the local directory. One recording per session: a second finished recording of
 * the same session replaces the first.
 *
 * Implementations: `localRecordingStorage.ts` (embedded default, `${DATA_DIR}/recordings`) and
 * `s3RecordingStorage.ts` (`S3_BUCKET`, `S3_ENDPOINT`, …). Both pass
 * `test/storage/recordingStorageContract.ts`.
 */

/** Which implementation a {@link RecordingStorage} is (logged at boot, DESIGN §1). */
export type RecordingStorageKind = "local" | "s3";

/** What {@link RecordingWriter.finish} resolves to. */
export interface FinishedRecording {
  /** The stored reference (`s3://bucket/key` or `file:///…/key`), for `session.recordingUrl`. */
  ref: string;
  /** Bytes stored: the sum of the accepted chunks' lengths. */
  bytes: number;
}

/**
 * One recording being streamed to storage. Nothing is visible under the recording's key until
 * {@link finish} resolves (S3: the upload completes; local: a temporary file is renamed).
 *
 * Memory is bounded per writer, not per file: the local writer buffers at most its stream's
 * high-water mark; the S3 writer at most one 5 MiB part plus ~2 MiB of stream buffer (S3's
 * minimum part size means a recording under 5 MiB is sent as one PUT at `finish`).
 */
export interface RecordingWriter {
  /**
   * Appends `chunk`. Resolves once the chunk is accepted — immediately while the writer's
   * buffer has room, later (backpressure) while the backend catches up. Await each call before
   * the next to keep memory bounded; calls that are not awaited are still written in order.
   * The writer may keep a reference to `chunk` until it is written: do not modify it.
   * @throws Error when the writer was finished or aborted, or the backend failed (the
   *   recording is then lost; call {@link abort} to clean up).
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Ends the recording and makes it durable under its key. Calling it again returns the same
   * promise.
   * @returns the ref and the byte count
   * @throws Error when the writer was aborted or the backend failed (nothing is left stored).
   */
  finish(): Promise<FinishedRecording>;
  /**
   * Discards the recording: nothing is left under its key, no partial file or S3 multipart
   * upload remains. Idempotent. Once {@link finish} was called, only waits for it to settle
   * (a finished recording is removed with {@link RecordingStorage.delete}). Never throws.
   */
  abort(): Promise<void>;
}

/** The recording storage port (DESIGN §1, §6). */
export interface RecordingStorage {
  readonly kind: RecordingStorageKind;
  /**
   * Starts streaming the recording of `sessionId`.
   * @param sessionId the session id (a UUID; letters, digits, `-`, `_`, at most 128)
   * @param contentType the MIME type of the bytes, e.g. `audio/webm;codecs=opus` (S3 stores it
   *   as the object's `Content-Type`; the local directory serves `.webm` as `audio/webm`)
   * @throws RangeError for an invalid session id or content type; Error after {@link close}
   */
  openWriter(sessionId: string, contentType: string): RecordingWriter;
  /** The key of `sessionId`'s recording: `${prefix}${sessionId}.webm`. @throws RangeError */
  keyFor(sessionId: string): string;
  /** The stored reference of `key`: `s3://bucket/key` or `file:///absolute/dir/key`. */
  url(key: string): string;
  /**
   * A URL that lets its holder GET the recording `ref` for `expiresInSeconds`, without other
   * credentials (S3: a SigV4 presigned GetObject URL; local: an HMAC-signed relative URL, see
   * `localRecordingStorage.ts`). Does not check that the recording exists: a missing one is a
   * 404 when fetched.
   * @param expiresInSeconds 1 … 604800 (7 days, SigV4's limit)
   * @throws RangeError when `ref` is not of this storage, or the expiry is out of range
   */
  presignedGetUrl(ref: string, expiresInSeconds: number): Promise<string>;
  /** Deletes the recording `ref`; deleting a missing one succeeds. @throws RangeError when `ref` is not of this storage */
  delete(ref: string): Promise<void>;
  /**
   * Refs of the finished recordings last modified strictly before `cutoff` (retention job,
   * `RECORDING_RETENTION_DAYS`), in no particular order. Unfinished recordings are not listed.
   */
  listOlderThan(cutoff: Date): Promise<string[]>;
  /** Resolves when the backend is reachable and writable enough to record (readiness, `/readyz`). @throws Error otherwise, and after {@link close} */
  ping(): Promise<void>;
  /** Aborts the writers still open (their recordings are discarded) and releases the backend. */
  close(): Promise<void>;
}

/** File extension of every recording (WebM/Opus, seed 002 §6.4). */
export const RECORDING_EXTENSION = ".webm";

/** Longest lifetime of a presigned URL, seconds (SigV4's 7 days). */
export const MAX_PRESIGNED_URL_SECONDS = 604_800;

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The key of a session's recording, `${prefix}${sessionId}.webm`.
 * @throws RangeError when `sessionId` is not 1–128 letters, digits, `-` or `_` (it becomes a
 *   path/key segment, so nothing that could escape the prefix is accepted)
 */
export function recordingKey(prefix: string, sessionId: string): string {
  if (!SESSION_ID.test(sessionId)) throw new RangeError(`invalid session id for a recording key: ${JSON.stringify(sessionId)}`);
  return `${prefix}${sessionId}${RECORDING_EXTENSION}`;
}

/** @throws RangeError unless `contentType` is a plausible MIME type (`type/subtype[;params]`, ≤ 255 chars, no control characters). */
export function assertContentType(contentType: string): void {
  // eslint-disable-next-line no-control-regex
  if (contentType.length > 255 || /[\u0000-\u001f\u007f]/.test(contentType) || !/^[\w.+-]+\/[\w.+-]+\s*(;.*)?$/.test(contentType)) {
    throw new RangeError(`invalid recording content type: ${JSON.stringify(contentType)}`);
  }
}

/** @throws RangeError unless `expiresInSeconds` is an integer in 1 … {@link MAX_PRESIGNED_URL_SECONDS}. */
export function assertPresignedExpiry(expiresInSeconds: number): void {
  if (!Number.isInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > MAX_PRESIGNED_URL_SECONDS) {
    throw new RangeError(`presigned URL expiry must be an integer number of seconds in 1…${MAX_PRESIGNED_URL_SECONDS}, got ${expiresInSeconds}`);
  }
}

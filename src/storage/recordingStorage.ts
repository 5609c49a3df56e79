import { z } from "zod";

/**
 * The recording storage port (DESIGN §1 ports table, §6 "Recording"; seed 002 §6.4).
 *
 * A session's recording is one *track* per participant plus a JSON *manifest*:
 * - `${prefix}<sessionId>/<userId>.webm` — the WebM/Opus `audio_chunk` bytes of one participant,
 *   streamed as they arrive through a {@link RecordingWriter} (never the whole file in memory);
 * - `${prefix}<sessionId>/manifest.json` — a {@link RecordingManifest} (tracks, start offsets,
 *   durations, corrections' offsets), written once every track is finished.
 *
 * The recording is known by the *ref* of its manifest — the value stored as
 * `session.recordingUrl` (`s3://bucket/key` for S3, `file:///…/key` for the local directory) —
 * and is served to participants and admins only through short-lived
 * {@link RecordingStorage.presignedGetUrl}s. The retention job deletes what
 * {@link RecordingStorage.listOlderThan} returns for `now − RECORDING_RETENTION_DAYS`.
 *
 * `prefix` is `S3_RECORDINGS_PREFIX` (default `sessions/`) for S3, empty in the local directory.
 * A track or manifest written again for the same session replaces the earlier one.
 *
 * Implementations: `localRecordingStorage.ts` (embedded default, `${DATA_DIR}/recordings`) and
 * `s3RecordingStorage.ts` (`S3_BUCKET`, `S3_ENDPOINT`, …). Both pass
 * `test/storage/recordingStorageContract.ts`.
 */

/** Which implementation a {@link RecordingStorage} is (logged at boot, DESIGN §1). */
export type RecordingStorageKind = "local" | "s3";

/** What {@link RecordingWriter.finish} resolves to. */
export interface FinishedRecording {
  /** The stored reference of the track (`s3://bucket/key` or `file:///…/key`). */
  ref: string;
  /** Bytes stored: the sum of the accepted chunks' lengths. */
  bytes: number;
}

/** One participant's track in a {@link RecordingManifest}. */
export interface RecordingManifestTrack {
  userId: string;
  /** The track's key (`${prefix}<sessionId>/<userId>.webm`). */
  key: string;
  /** Seconds from the manifest's `startedAt` to the track's first chunk. */
  startOffsetSeconds: number;
  /** Seconds from the track's first chunk to its last one. */
  durationSeconds: number;
  /** Bytes stored. */
  bytes: number;
  /** Chunks stored. */
  chunks: number;
}

/** A correction of the session chat, placed on the recording's time line (DESIGN §10 "Corrections"). */
export interface RecordingManifestCorrection {
  messageId: string;
  /** The user who corrected. */
  from: string;
  /** Seconds since the session start. */
  offsetSeconds: number;
}

/** The JSON manifest of a session's recording (`${prefix}<sessionId>/manifest.json`). */
export interface RecordingManifest {
  version: 1;
  sessionId: string;
  /** MIME type of every track, e.g. `audio/webm;codecs=opus`. */
  contentType: string;
  /** When the recording started (ISO 8601): the time line's zero. */
  startedAt: string;
  /** When it ended (ISO 8601). */
  endedAt: string;
  tracks: RecordingManifestTrack[];
  corrections: RecordingManifestCorrection[];
}

/** A finished recording listed by {@link RecordingStorage.listOlderThan}. */
export interface StoredRecording {
  sessionId: string;
  /** The manifest's ref. */
  ref: string;
}

/**
 * One track being streamed to storage. Nothing is visible under the track's key until
 * {@link finish} resolves (S3: the upload completes; local: a temporary file is renamed).
 *
 * Memory is bounded per writer, not per file: the local writer buffers at most its stream's
 * high-water mark; the S3 writer at most one 5 MiB part plus ~1 MiB of stream buffer (S3's
 * minimum part size means a track under 5 MiB is sent as one PUT at `finish`).
 */
export interface RecordingWriter {
  /**
   * Appends `chunk`. Resolves once the chunk is accepted — immediately while the writer's
   * buffer has room, later (backpressure) while the backend catches up. Await each call before
   * the next to keep memory bounded; calls that are not awaited are still written in order.
   * The writer may keep a reference to `chunk` until it is written: do not modify it.
   * @throws Error when the writer was finished or aborted, or the backend failed (after the
   *   backend's own retries; the track is then lost: call {@link abort} to clean up).
   */
  write(chunk: Uint8Array): Promise<void>;
  /**
   * Ends the track and makes it durable under its key. Calling it again returns the same
   * promise.
   * @returns the ref and the byte count
   * @throws Error when the writer was aborted or the backend failed (nothing is left stored).
   */
  finish(): Promise<FinishedRecording>;
  /**
   * Discards the track: nothing is left under its key, no partial file or S3 multipart
   * upload remains (AbortMultipartUpload). Idempotent. Once {@link finish} was called, only
   * waits for it to settle. Never throws.
   */
  abort(): Promise<void>;
}

/** The recording storage port (DESIGN §1, §6). */
export interface RecordingStorage {
  readonly kind: RecordingStorageKind;
  /**
   * Starts streaming `userId`'s track of `sessionId`.
   * @param sessionId the session id (letters, digits, `-`, `_`, at most 128)
   * @param userId the participant (any 1–128 characters; encoded into the key)
   * @param contentType the MIME type of the bytes, e.g. `audio/webm;codecs=opus`
   * @throws RangeError for an invalid session id, user id or content type; Error after {@link close}
   */
  openWriter(sessionId: string, userId: string, contentType: string): RecordingWriter;
  /** The key of a track: `${prefix}<sessionId>/<encoded userId>.webm`. @throws RangeError */
  trackKey(sessionId: string, userId: string): string;
  /** The key of a session's manifest: `${prefix}<sessionId>/manifest.json`. @throws RangeError */
  manifestKey(sessionId: string): string;
  /** The stored reference of `key`: `s3://bucket/key` or `file:///absolute/dir/key`. */
  url(key: string): string;
  /**
   * Stores the manifest of `manifest.sessionId` (replacing an earlier one): the recording is
   * then finished and listed.
   * @returns the manifest's ref (the session's `recordingUrl`)
   * @throws RangeError for an invalid session id; Error when the backend fails
   */
  writeManifest(manifest: RecordingManifest): Promise<string>;
  /** The manifest `ref` points at, or `undefined` when it does not exist. @throws RangeError when `ref` is not a manifest of this storage */
  readManifest(ref: string): Promise<RecordingManifest | undefined>;
  /**
   * A URL that lets its holder GET the track or manifest `ref` for `expiresInSeconds`, without
   * other credentials (S3: a SigV4 presigned GetObject URL; local: an HMAC-signed relative URL,
   * see `localRecordingStorage.ts`). Does not check that the object exists: a missing one is a
   * 404 when fetched.
   * @param expiresInSeconds 1 … 604800 (7 days, SigV4's limit)
   * @throws RangeError when `ref` is not of this storage, or the expiry is out of range
   */
  presignedGetUrl(ref: string, expiresInSeconds: number): Promise<string>;
  /** Deletes everything stored for `sessionId` (tracks and manifest); deleting a missing recording succeeds. @throws RangeError for an invalid session id */
  deleteRecording(sessionId: string): Promise<void>;
  /**
   * The finished recordings (those with a manifest) whose manifest was last modified strictly
   * before `cutoff` (retention job, `RECORDING_RETENTION_DAYS`), in no particular order.
   */
  listOlderThan(cutoff: Date): Promise<StoredRecording[]>;
  /** Resolves when the backend is reachable and writable enough to record (readiness, `/readyz`). @throws Error otherwise, and after {@link close} */
  ping(): Promise<void>;
  /** Aborts the writers still open (their tracks are discarded) and releases the backend. */
  close(): Promise<void>;
}

/** File extension of every recording (WebM/Opus, seed 002 §6.4). */
export const RECORDING_EXTENSION = ".webm";

/** Longest lifetime of a presigned URL, seconds (SigV4's 7 days). */
export const MAX_PRESIGNED_URL_SECONDS = 604_800;

/** File name of a session's manifest, under the session's folder. */
export const MANIFEST_FILE = "manifest.json";

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/**
 * The folder of a session's recording, `${prefix}<sessionId>/`.
 * @throws RangeError when `sessionId` is not 1–128 letters, digits, `-` or `_` (it becomes a
 *   path/key segment, so nothing that could escape the prefix is accepted)
 */
export function recordingFolder(prefix: string, sessionId: string): string {
  if (!SESSION_ID.test(sessionId)) throw new RangeError(`invalid session id for a recording key: ${JSON.stringify(sessionId)}`);
  return `${prefix}${sessionId}/`;
}

/**
 * The key of a participant's track, `${prefix}<sessionId>/<userId>.webm`; the user id is
 * percent-encoded (`encodeURIComponent`), so it never adds a path segment.
 * @throws RangeError for an invalid session id, or a user id that is empty or over 128 characters
 */
export function trackKey(prefix: string, sessionId: string, userId: string): string {
  if (userId.length === 0 || userId.length > 128) throw new RangeError(`invalid user id for a recording key: ${JSON.stringify(userId)}`);
  return `${recordingFolder(prefix, sessionId)}${encodeURIComponent(userId)}${RECORDING_EXTENSION}`;
}

/** The key of a session's manifest, `${prefix}<sessionId>/manifest.json`. @throws RangeError for an invalid session id */
export function manifestKey(prefix: string, sessionId: string): string {
  return `${recordingFolder(prefix, sessionId)}${MANIFEST_FILE}`;
}

/**
 * The session id of a key under `prefix` when the key is a track or manifest of a session, else
 * `undefined`: `{ sessionId, file }` where `file` is the name in the session's folder.
 */
export function parseRecordingKey(prefix: string, key: string): { sessionId: string; file: string } | undefined {
  if (!key.startsWith(prefix)) return undefined;
  const [sessionId, file, ...rest] = key.slice(prefix.length).split("/");
  if (rest.length > 0 || !sessionId || !file || !SESSION_ID.test(sessionId)) return undefined;
  if (file !== MANIFEST_FILE && !/^[A-Za-z0-9%_.!~*'()-]+\.webm$/.test(file)) return undefined;
  return { sessionId, file };
}

/** The content type of a stored object, by its key: the manifest is JSON, a track is WebM audio. */
export function contentTypeOfKey(key: string): string {
  return key.endsWith(`/${MANIFEST_FILE}`) ? "application/json" : "audio/webm";
}

/** The zod schema of a stored {@link RecordingManifest} (what {@link RecordingStorage.readManifest} checks). */
export const recordingManifestSchema = z.object({
  version: z.literal(1),
  sessionId: z.string(),
  contentType: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  tracks: z.array(z.object({ userId: z.string(), key: z.string(), startOffsetSeconds: z.number(), durationSeconds: z.number(), bytes: z.number(), chunks: z.number() })),
  corrections: z.array(z.object({ messageId: z.string(), from: z.string(), offsetSeconds: z.number() })),
});

/** Parses a stored manifest's JSON text. @throws RangeError when it is not a version 1 manifest */
export function parseManifest(text: string): RecordingManifest {
  try {
    return recordingManifestSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new RangeError("not a recording manifest (version 1)", { cause: err });
  }
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

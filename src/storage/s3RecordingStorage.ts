import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, NoSuchKey, paginateListObjectsV2, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { type Config, ConfigError } from "../config/config.js";
import {
  assertContentType,
  assertPresignedExpiry,
  manifestKey,
  MANIFEST_FILE,
  parseManifest,
  parseRecordingKey,
  recordingFolder,
  trackKey,
  type RecordingStorage,
  type RecordingWriter,
  type StoredRecording,
} from "./recordingStorage.js";
import { PartUploadSlots, SpooledMultipartUpload } from "./spooledMultipartUpload.js";
import { createStreamingRecordingWriter } from "./streamingRecordingWriter.js";

/** Size of each multipart upload part, bytes (S3's minimum; every part but the last has exactly this size). */
export const RECORDING_PART_BYTES = 5 * 1024 * 1024;

/** Part uploads in flight at once in the process, all tracks together (each holds one part in memory). */
export const DEFAULT_PART_UPLOAD_CONCURRENCY = 4;

/** Thrown into an upload's body to stop it when a writer is aborted. */
class RecordingAbortedError extends Error {
  constructor() {
    super("recording aborted");
    this.name = "RecordingAbortedError";
  }
}

/** Options of {@link createS3RecordingStorage}. */
export interface S3RecordingStorageOptions {
  /** A client to share (or to observe, in tests). @default one built by {@link createS3Client} */
  client?: S3Client;
  /** Directory of the tracks' spool files. @default `<os tmpdir>/parley-recording-spool` */
  spoolDir?: string;
  /** Part uploads in flight at once, all tracks together (each holds one part in memory). @default 4 */
  partUploadConcurrency?: number;
}

/**
 * Attempts per S3 request (the SDK's standard retry strategy: exponential backoff with jitter on
 * throttling, 5xx and network errors). A part upload that still fails after them fails the
 * track's writer, whose multipart upload is then aborted.
 */
export const S3_MAX_ATTEMPTS = 4;

/**
 * The S3 client `S3_*` describes: `region`, `endpoint` (when set), `forcePathStyle`,
 * {@link S3_MAX_ATTEMPTS} attempts per request, and static credentials when both keys are set
 * (else the SDK's default credential chain).
 */
export function createS3Client(s3: Config["s3"]): S3Client {
  return new S3Client({
    region: s3.region,
    maxAttempts: S3_MAX_ATTEMPTS,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    forcePathStyle: s3.forcePathStyle,
    ...(s3.accessKeyId && s3.secretAccessKey ? { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } } : {}),
  });
}

/**
 * The production recording storage (DESIGN §1, §6, §9): objects in `S3_BUCKET` on any
 * S3-compatible endpoint (AWS S3, Cloudflare R2, MinIO; `S3_ENDPOINT` and
 * `S3_FORCE_PATH_STYLE` for the non-AWS ones).
 *
 * - Keys are `${S3_RECORDINGS_PREFIX}<sessionId>/<userId>.webm` and
 *   `${S3_RECORDINGS_PREFIX}<sessionId>/manifest.json` (default prefix `sessions/`); refs are
 *   `s3://<bucket>/<key>`.
 * - A track writer spools its bytes to a file on local disk (`spoolDir`) and sends each full
 *   part of {@link RECORDING_PART_BYTES} as an `UploadPart` while the session goes on (a track
 *   under 5 MiB becomes one PutObject at `finish`); at most `partUploadConcurrency` parts are in
 *   memory in the whole process, so memory does not grow with the number of recordings (see
 *   `spooledMultipartUpload.ts`). Each request is retried by the client ({@link S3_MAX_ATTEMPTS});
 *   a part that still fails (or an abort) aborts the multipart upload, so no parts are left
 *   billed; still, give the bucket a lifecycle rule `AbortIncompleteMultipartUpload` for uploads
 *   orphaned by a crash.
 * - The manifest is one PutObject (`application/json`).
 * - Presigned URLs: SigV4 `GetObject` URLs from `@aws-sdk/s3-request-presigner`.
 * - `ping` is `HeadBucket`; `listOlderThan` lists the `manifest.json` keys under the prefix by
 *   `LastModified`; `deleteRecording` lists the session's folder and deletes each object.
 *
 * Credentials: `S3_ACCESS_KEY_ID` + `S3_SECRET_ACCESS_KEY` when set, else the SDK's default
 * chain (environment, shared files, instance/task role).
 * @param options.client an S3 client to use instead of building one from `s3` (its owner
 *   destroys it: `close()` does not)
 * @throws ConfigError naming `S3_BUCKET` when it is missing, or the half of the key pair that is
 */
export function createS3RecordingStorage(s3: Config["s3"], options: S3RecordingStorageOptions = {}): RecordingStorage {
  const { bucket, recordingsPrefix: prefix } = s3;
  if (!bucket) throw new ConfigError("S3_BUCKET", "the S3 recording storage needs a bucket");
  if (Boolean(s3.accessKeyId) !== Boolean(s3.secretAccessKey)) {
    throw new ConfigError(s3.accessKeyId ? "S3_SECRET_ACCESS_KEY" : "S3_ACCESS_KEY_ID", "set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither");
  }
  const client = options.client ?? createS3Client(s3);
  const refPrefix = `s3://${bucket}/`;
  const writers = new Set<RecordingWriter>();
  const spoolDir = options.spoolDir ?? join(tmpdir(), "parley-recording-spool");
  const slots = new PartUploadSlots(options.partUploadConcurrency ?? DEFAULT_PART_UPLOAD_CONCURRENCY);
  let closed = false;

  /** The key of a ref of this storage. @throws RangeError otherwise */
  function keyOfRef(ref: string): string {
    const key = ref.startsWith(refPrefix) ? ref.slice(refPrefix.length) : "";
    if (!parseRecordingKey(prefix, key)) throw new RangeError(`not a recording of s3://${bucket}: ${ref}`);
    return key;
  }

  const storage: RecordingStorage = {
    kind: "s3",

    openWriter(sessionId, userId, contentType) {
      if (closed) throw new Error("S3 recording storage is closed");
      const key = trackKey(prefix, sessionId, userId);
      assertContentType(contentType);
      const body = new SpooledMultipartUpload({ client, bucket, key, contentType, spoolDir, partBytes: RECORDING_PART_BYTES, slots });
      // Settles once the stream is done: finished (uploaded) or destroyed (multipart aborted, spool deleted).
      const settled = finished(body).then(
        () => undefined,
        () => undefined,
      );
      const writer = createStreamingRecordingWriter(
        {
          stream: body,
          async complete() {
            await finished(body);
            return storage.url(key);
          },
          async discard() {
            body.destroy(new RecordingAbortedError());
            await settled;
          },
        },
        () => writers.delete(writer),
      );
      writers.add(writer);
      return writer;
    },

    trackKey(sessionId, userId) {
      return trackKey(prefix, sessionId, userId);
    },

    manifestKey(sessionId) {
      return manifestKey(prefix, sessionId);
    },

    async writeManifest(manifest) {
      if (closed) throw new Error("S3 recording storage is closed");
      const key = manifestKey(prefix, manifest.sessionId);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(manifest), ContentType: "application/json" }));
      return storage.url(key);
    },

    async readManifest(ref) {
      const key = keyOfRef(ref);
      if (!key.endsWith(`/${MANIFEST_FILE}`)) throw new RangeError(`not a recording manifest: ${ref}`);
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return parseManifest((await object.Body?.transformToString("utf8")) ?? "");
      } catch (err) {
        if (err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },

    url(key) {
      return `${refPrefix}${key}`;
    },

    async presignedGetUrl(ref, expiresInSeconds) {
      assertPresignedExpiry(expiresInSeconds);
      const key = keyOfRef(ref);
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
    },

    async deleteRecording(sessionId) {
      const folder = recordingFolder(prefix, sessionId);
      const keys: string[] = [];
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: folder })) {
        for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
      }
      // The manifest last: a deletion that stops half-way leaves a recording still listed, deleted again by the next retention pass.
      const manifest = manifestKey(prefix, sessionId);
      for (const key of [...keys.filter((k) => k !== manifest), ...keys.filter((k) => k === manifest)]) {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }
    },

    async listOlderThan(cutoff) {
      const found: StoredRecording[] = [];
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
        for (const object of page.Contents ?? []) {
          const parsed = object.Key ? parseRecordingKey(prefix, object.Key) : undefined;
          if (parsed?.file === MANIFEST_FILE && object.Key && object.LastModified && object.LastModified.getTime() < cutoff.getTime()) {
            found.push({ sessionId: parsed.sessionId, ref: storage.url(object.Key) });
          }
        }
      }
      return found;
    },

    async ping() {
      if (closed) throw new Error("S3 recording storage is closed");
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (err) {
        throw new Error(`S3 bucket ${bucket} is not reachable${s3.endpoint ? ` at ${s3.endpoint}` : ""}: ${err instanceof Error ? err.name + " " + err.message : String(err)}`, { cause: err });
      }
    },

    async close() {
      closed = true;
      await Promise.all([...writers].map((w) => w.abort()));
      if (!options.client) client.destroy();
    },
  };
  return storage;
}

import type { Logger } from "pino";
import { ParleyError } from "../errors/errorCodes.js";
import type { Metrics } from "../observability/metrics.js";
import type { RecordingManifestTrack, RecordingStorage, RecordingWriter } from "../storage/recordingStorage.js";

/** The EBML magic every WebM file starts with (`1A 45 DF A3`): the first chunk of a track must begin with it. */
export const EBML_HEADER: readonly number[] = [0x1a, 0x45, 0xdf, 0xa3];

/** Content type of every track (MediaRecorder's WebM/Opus, seed 002 §6.4). */
export const RECORDING_CONTENT_TYPE = "audio/webm;codecs=opus";

/** Limits of a {@link SessionRecorder}, bytes. */
export interface RecordingLimits {
  /** Largest `audio_chunk` (DESIGN §5: 64 KiB). @default 65536 */
  maxChunkBytes: number;
  /** Largest track of one participant (issue 10: 60 MB). @default 60000000 */
  maxTrackBytes: number;
  /**
   * Bytes of one participant that may wait for storage (accepted, not yet taken by the writer).
   * A chunk that would go over it is refused with `RATE_LIMITED`. @default 262144
   */
  bufferBytes: number;
}

/** The defaults of {@link RecordingLimits}. */
export const DEFAULT_RECORDING_LIMITS: Readonly<RecordingLimits> = Object.freeze({ maxChunkBytes: 64 * 1024, maxTrackBytes: 60_000_000, bufferBytes: 256 * 1024 });

/**
 * The consent rule (DESIGN §6 "Recording", seed 002 §6.4): a session records only when
 * `ENABLE_RECORDING` is on and every participant consented (`recordingConsent`); a session
 * without participants does not record.
 */
export function recordingAllowed(enabled: boolean, participants: readonly { recordingConsent: boolean }[]): boolean {
  return enabled && participants.length > 0 && participants.every((p) => p.recordingConsent);
}

/** True when `chunk` starts with the WebM EBML header. */
export function startsWithEbmlHeader(chunk: Uint8Array): boolean {
  return chunk.byteLength >= EBML_HEADER.length && EBML_HEADER.every((byte, i) => chunk[i] === byte);
}

/** What a {@link SessionRecorder} tells about one track's upload (for the `file_uploads` record, seed 003). */
export interface TrackUploadProgress {
  sessionId: string;
  userId: string;
  /** The track's key in storage. */
  key: string;
  /** `uploading` when the track opens, then `completed`, `failed` (after the storage's retries; aborted) or `cancelled` (recording aborted). */
  status: "uploading" | "completed" | "failed" | "cancelled";
  chunks: number;
  bytes: number;
  error?: string;
  /** Epoch milliseconds. */
  at: number;
}

/** Dependencies of a {@link SessionRecorder}. */
export interface SessionRecorderDeps {
  storage: RecordingStorage;
  logger: Logger;
  metrics: Pick<Metrics, "recordingUploadFailures">;
  /** Told when a track opens and when it settles (the room persists it as a `file_uploads` record). Must not throw. */
  onTrackProgress?: (progress: TrackUploadProgress) => void;
}

/** One participant's track being recorded. */
interface Track {
  userId: string;
  writer: RecordingWriter;
  /** Bytes and chunks accepted. */
  bytes: number;
  chunks: number;
  /** Bytes accepted whose `write` has not resolved yet (the bounded buffer). */
  waiting: number;
  /** Epoch ms of the first and last chunk. */
  firstAt: number;
  lastAt: number;
  /** Set when the writer failed: the track is lost and was aborted. */
  failure?: Error;
  /** Settles when the failure was handled (writer aborted, progress told). */
  aborting?: Promise<void>;
}

/** What {@link SessionRecorder.finish} resolves to. */
export interface FinishedSessionRecording {
  /** The manifest's ref (`s3://bucket/<manifest key>` or `file:///…`), for `session.recordingUrl`; undefined when nothing was recorded or the manifest could not be stored. */
  recordingUrl?: string;
  /** The tracks stored (those that failed are left out). */
  tracks: RecordingManifestTrack[];
}

/**
 * Records one session (DESIGN §6 "Recording", §5 `audio_chunk`; seed 002 §6.4): one
 * {@link RecordingWriter} per participant, opened on its first chunk, and a manifest at the end.
 * The room only hands it bytes ({@link acceptChunk}) and calls {@link finish} when the session
 * ends (or {@link abort} when it is discarded).
 *
 * Rules of a chunk, checked synchronously so the room can answer `error` at once (a refused
 * chunk is not stored, and the sender is told — never dropped silently):
 * - the sender is one of the consenting participants the recorder was made for, else `FORBIDDEN`;
 * - 1 … `maxChunkBytes` bytes, else `INVALID_REQUEST` (empty) / `PAYLOAD_TOO_LARGE`;
 * - a track's first chunk starts with the EBML header `1A 45 DF A3`, else `INVALID_REQUEST`;
 * - a track stays within `maxTrackBytes`, else `PAYLOAD_TOO_LARGE`;
 * - at most `bufferBytes` of a track wait for storage: a client sending faster than storage
 *   takes gets `RATE_LIMITED` for the chunk that would overflow (and may send it again later);
 * - a track whose upload failed refuses further chunks with `INTERNAL_ERROR`.
 *
 * Failures: a writer that fails (after the storage's own retries) is aborted (S3:
 * AbortMultipartUpload), counted in `recording_upload_failures_total` and logged; the other
 * tracks go on. The manifest lists the tracks that were stored; a manifest that cannot be
 * stored deletes the session's tracks (nothing half-recorded is left) and is reported the same way.
 *
 * Memory per participant: `bufferBytes` plus the writer's own buffers (see `RecordingWriter`).
 */
export class SessionRecorder {
  private readonly tracks = new Map<string, Track>();
  /** The participants whose chunks are recorded. */
  private readonly recorded: Set<string>;
  private readonly limits: RecordingLimits;
  private state: "recording" | "finishing" | "finished" | "aborted" = "recording";
  private finishing?: Promise<FinishedSessionRecording>;

  /**
   * @param sessionId the session recorded
   * @param userIds the participants who may send chunks (every one of them consented)
   * @param startedAt epoch ms: the time line's zero (track start offsets count from it)
   */
  constructor(
    private readonly deps: SessionRecorderDeps,
    readonly sessionId: string,
    userIds: readonly string[],
    readonly startedAt: number,
    limits: Partial<RecordingLimits> = {},
  ) {
    this.limits = { ...DEFAULT_RECORDING_LIMITS, ...limits };
    this.recorded = new Set(userIds);
  }

  /** Lets `userId` (a consenting group newcomer) send chunks from now on. */
  allow(userId: string): void {
    if (this.state === "recording") this.recorded.add(userId);
  }

  /** True until {@link finish} or {@link abort} is called. */
  get isRecording(): boolean {
    return this.state === "recording";
  }

  /** Bytes of `userId` waiting for storage (0 when it has no track). */
  waitingBytes(userId: string): number {
    return this.tracks.get(userId)?.waiting ?? 0;
  }

  /**
   * Takes one `audio_chunk` of `userId` (see the class rules). The bytes are copied, so the
   * caller may reuse its buffer.
   * @param now epoch milliseconds
   * @throws ParleyError `FORBIDDEN`, `INVALID_REQUEST`, `PAYLOAD_TOO_LARGE`, `RATE_LIMITED`,
   *   `INTERNAL_ERROR` — the chunk was not stored
   */
  acceptChunk(userId: string, chunk: Uint8Array, now: number): void {
    if (this.state !== "recording") throw new ParleyError("FORBIDDEN", "this session is not being recorded");
    if (!this.recorded.has(userId)) throw new ParleyError("FORBIDDEN", "your audio is not recorded in this session");
    if (chunk.byteLength === 0) throw new ParleyError("INVALID_REQUEST", "audio_chunk is empty");
    if (chunk.byteLength > this.limits.maxChunkBytes) throw new ParleyError("PAYLOAD_TOO_LARGE", `audio_chunk is ${chunk.byteLength} bytes; at most ${this.limits.maxChunkBytes}`);
    let track = this.tracks.get(userId);
    if (!track) {
      if (!startsWithEbmlHeader(chunk)) throw new ParleyError("INVALID_REQUEST", "the first audio_chunk must start with the WebM EBML header (1A 45 DF A3)");
      track = this.open(userId, now);
    }
    if (track.failure) throw new ParleyError("INTERNAL_ERROR", "your recording could not be stored; it was stopped");
    if (track.bytes + chunk.byteLength > this.limits.maxTrackBytes) throw new ParleyError("PAYLOAD_TOO_LARGE", `a recording track is at most ${this.limits.maxTrackBytes} bytes`);
    if (track.waiting + chunk.byteLength > this.limits.bufferBytes) throw new ParleyError("RATE_LIMITED", "audio is arriving faster than it can be stored; send this chunk again later");
    const bytes = new Uint8Array(chunk);
    const size = bytes.byteLength;
    track.bytes += size;
    track.chunks += 1;
    track.waiting += size;
    track.lastAt = now;
    const current = track;
    current.writer.write(bytes).then(
      () => {
        current.waiting -= size;
      },
      (err: unknown) => {
        current.waiting -= size;
        // Once finishing, the writer's finish reports the failure (a write after it is not one).
        if (this.state === "recording") void this.fail(current, err, now);
      },
    );
  }

  /**
   * Ends the recording: every track is finished (durable), then the manifest is written.
   * Idempotent (a second call returns the same promise). Never rejects: failures are aborted,
   * counted and logged, and leave `recordingUrl` undefined.
   * @param now epoch milliseconds (the manifest's `endedAt`)
   */
  finish(now: number): Promise<FinishedSessionRecording> {
    if (this.finishing) return this.finishing;
    if (this.state === "aborted") return Promise.resolve({ tracks: [] });
    this.state = "finishing";
    this.finishing = this.finishAll(now).finally(() => {
      this.state = "finished";
    });
    return this.finishing;
  }

  /** Discards the recording: every writer is aborted, nothing is stored. Idempotent; waits for a {@link finish} in progress instead. Never rejects. */
  async abort(now: number): Promise<void> {
    if (this.finishing) {
      await this.finishing;
      return;
    }
    if (this.state === "aborted") return;
    this.state = "aborted";
    await Promise.all(
      [...this.tracks.values()].map(async (track) => {
        await track.writer.abort();
        if (!track.failure) this.progress(track, "cancelled", now);
      }),
    );
  }

  private open(userId: string, now: number): Track {
    const writer = this.deps.storage.openWriter(this.sessionId, userId, RECORDING_CONTENT_TYPE);
    const track: Track = { userId, writer, bytes: 0, chunks: 0, waiting: 0, firstAt: now, lastAt: now };
    this.tracks.set(userId, track);
    this.progress(track, "uploading", now);
    return track;
  }

  private async finishAll(now: number): Promise<FinishedSessionRecording> {
    const stored: RecordingManifestTrack[] = [];
    await Promise.all(
      [...this.tracks.values()].map(async (track) => {
        if (track.failure) return track.aborting;
        try {
          await track.writer.finish();
        } catch (err) {
          return this.fail(track, err, now);
        }
        this.progress(track, "completed", now);
        stored.push({
          userId: track.userId,
          key: this.deps.storage.trackKey(this.sessionId, track.userId),
          startOffsetSeconds: Math.max(0, (track.firstAt - this.startedAt) / 1000),
          durationSeconds: (track.lastAt - track.firstAt) / 1000,
          bytes: track.bytes,
          chunks: track.chunks,
        });
      }),
    );
    if (stored.length === 0) return { tracks: [] };
    stored.sort((a, b) => a.userId.localeCompare(b.userId));
    try {
      const recordingUrl = await this.deps.storage.writeManifest({
        version: 1,
        sessionId: this.sessionId,
        contentType: RECORDING_CONTENT_TYPE,
        startedAt: new Date(this.startedAt).toISOString(),
        endedAt: new Date(now).toISOString(),
        tracks: stored,
        corrections: [],
      });
      return { recordingUrl, tracks: stored };
    } catch (err) {
      this.report(err, { stage: "manifest" });
      await this.deps.storage.deleteRecording(this.sessionId).catch((cleanup: unknown) => this.deps.logger.warn({ err: cleanup, sessionId: this.sessionId }, "recording: could not delete the tracks of a recording without manifest"));
      return { tracks: [] };
    }
  }

  /** A track's writer failed for good: abort it (once), count and log it. */
  private fail(track: Track, err: unknown, now: number): Promise<void> {
    if (track.aborting) return track.aborting;
    track.failure = err instanceof Error ? err : new Error(String(err));
    this.report(track.failure, { stage: "track", userId: track.userId, bytes: track.bytes, chunks: track.chunks });
    track.aborting = track.writer.abort().then(() => this.progress(track, "failed", now, track.failure?.message));
    return track.aborting;
  }

  private report(err: unknown, fields: Record<string, unknown>): void {
    this.deps.metrics.recordingUploadFailures.inc();
    this.deps.logger.error({ err, sessionId: this.sessionId, ...fields }, "recording upload failed; aborted");
  }

  private progress(track: Track, status: TrackUploadProgress["status"], at: number, error?: string): void {
    this.deps.onTrackProgress?.({ sessionId: this.sessionId, userId: track.userId, key: this.deps.storage.trackKey(this.sessionId, track.userId), status, chunks: track.chunks, bytes: track.bytes, ...(error ? { error } : {}), at });
  }
}

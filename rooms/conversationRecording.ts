import type { Logger } from "pino";
import { ParleyError } from "../src/errors/errorCodes.js";
import type { Metrics } from "../src/observability/metrics.js";
import type { ConversationEffects } from "../src/session/conversationCore.js";
import { recordingAllowed, SessionRecorder, type TrackUploadProgress } from "../src/session/sessionRecorder.js";
import type { RecordingStorage } from "../src/storage/recordingStorage.js";

/** `recording_started` (DESIGN §5): told to everyone when a session starts recording. */
export const RECORDING_STARTED_MESSAGE = "This conversation is recorded for feedback (every participant agreed).";

/** What {@link ConversationRecording} needs from the room's ports. */
export interface ConversationRecordingDeps {
  storage: RecordingStorage;
  logger: Logger;
  metrics: Pick<Metrics, "recordingUploadFailures">;
  /** `ENABLE_RECORDING`. */
  enabled: boolean;
  /** Told about each track's upload (the `file_uploads` record, seed 003). */
  onTrackProgress?: (progress: TrackUploadProgress) => void;
}

/**
 * The conversation room's side of the recording (DESIGN §6 "Recording"): decides at the start
 * whether the session records (the consent rule), hands `audio_chunk` bytes to the
 * {@link SessionRecorder}, and, when the session ends, finishes the recording before the end is
 * stored so that its `recordingUrl` goes with it (session record, `conversation.*` events,
 * `session_ended`). No rule of its own: the rules are the recorder's.
 */
export class ConversationRecording {
  private recorder?: SessionRecorder;

  /** @param consents each known participant's `recordingConsent` (from the session record; newcomers count as not consenting) */
  constructor(
    private readonly deps: ConversationRecordingDeps,
    private readonly sessionId: string,
    private readonly consents: Map<string, boolean>,
  ) {}

  /** True while chunks are taken. */
  get isRecording(): boolean {
    return this.recorder?.isRecording ?? false;
  }

  /**
   * The session started with `participantIds`: starts recording when the consent rule holds.
   * @param at epoch ms, the recording's time line zero
   * @returns true when recording started (the room then tells everyone `recording_started`)
   */
  start(participantIds: readonly string[], at: number): boolean {
    if (this.recorder) return false;
    const participants = participantIds.map((userId) => ({ recordingConsent: this.consents.get(userId) ?? false }));
    if (!recordingAllowed(this.deps.enabled, participants)) return false;
    this.recorder = new SessionRecorder({ storage: this.deps.storage, logger: this.deps.logger, metrics: this.deps.metrics, onTrackProgress: this.deps.onTrackProgress }, this.sessionId, participantIds, at);
    this.deps.logger.info({ sessionId: this.sessionId, participants: participantIds.length }, "recording started");
    return true;
  }

  /**
   * A group newcomer may join only if it does not break the consent rule: while the session
   * records, only with `recordingConsent`.
   * @throws ParleyError `FORBIDDEN` when the session records and the newcomer did not consent
   */
  assertAdmissible(recordingConsent: boolean): void {
    if (this.isRecording && !recordingConsent) throw new ParleyError("FORBIDDEN", "this group conversation is recorded: join with recordingConsent to take part");
  }

  /** A group newcomer was admitted with `recordingConsent`: counted at the start, and recorded at once when the session already records. */
  admit(userId: string, recordingConsent: boolean): void {
    this.consents.set(userId, recordingConsent);
    if (recordingConsent) this.recorder?.allow(userId);
  }

  /**
   * One `audio_chunk` of `userId`.
   * @throws ParleyError `FORBIDDEN` when the session is not recorded, and the recorder's codes
   */
  chunk(userId: string, bytes: Uint8Array, now: number): void {
    if (!this.recorder) throw new Error("unreachable: checked by the caller");
    this.recorder.acceptChunk(userId, bytes, now);
  }

  /**
   * When `fx` ends a recorded session: finishes the recording, then sets its `recordingUrl` on
   * `fx`'s session write, its `conversation.*` events and its `session_ended` message (in place).
   * The room runs it in its I/O queue just before `fx`'s writes, so they wait for it.
   * @returns undefined when `fx` ends nothing or the session was not recorded
   */
  finishBefore(fx: ConversationEffects, now: number): (() => Promise<void>) | undefined {
    const recorder = this.recorder;
    if (!recorder?.isRecording || !fx.notes.some((n) => n.kind === "ended")) return undefined;
    return async () => {
      const { recordingUrl } = await recorder.finish(now);
      if (recordingUrl) withRecordingUrl(fx, recordingUrl);
    };
  }

  /** Discards a recording still open (the room is disposed without an end). */
  async abort(now: number): Promise<void> {
    await this.recorder?.abort(now);
  }
}

/** Puts `recordingUrl` on an ending's session write, events and `session_ended` message (in place). */
export function withRecordingUrl(fx: ConversationEffects, recordingUrl: string): void {
  for (const write of fx.writes) {
    if (write.kind !== "session.transition" || !write.patch.endedAt) continue;
    write.patch.recordingUrl = recordingUrl;
    for (const event of write.events ?? []) (event.payload as { recordingUrl?: string }).recordingUrl = recordingUrl;
  }
  for (const message of fx.messages) if (message.type === "session_ended") message.payload.recordingUrl = recordingUrl;
}

/**
 * The learner's side of the session recording (DESIGN §5 `audio_chunk`, §6 "Recording"; seed 002
 * §6.4 "Frontend enregistre via MediaRecorder API (format: WebM Opus)"): once the room says
 * `recording_started`, the microphone is recorded with `MediaRecorder` (WebM/Opus, one chunk per
 * second) and each chunk is sent as binary `audio_chunk`, in order. The first chunk MediaRecorder
 * produces starts with the WebM EBML header, as the server requires. Chunks over the server's
 * 64 KiB limit are split (never the case at voice bit rates).
 */

/** The server's largest `audio_chunk` (DESIGN §5). */
export const MAX_AUDIO_CHUNK_BYTES = 64 * 1024;

/** MediaRecorder timeslice: one chunk per second of audio (issue 10). */
export const RECORDER_TIMESLICE_MS = 1000;

/** Preferred recording formats, best first (the server stores WebM/Opus). */
const MIME_TYPES = ["audio/webm;codecs=opus", "audio/webm"];

/**
 * True for the server's answer to a chunk sent after the session's recording ended (`FORBIDDEN`
 * "this session is not being recorded"): the recorder should stop, quietly.
 */
export function isRecordingOver(error: { code: string; message: string }): boolean {
  return error.code === "FORBIDDEN" && /not being recorded/.test(error.message);
}

/** Records one microphone stream into `audio_chunk` messages. */
export class MicRecorder {
  private recorder?: MediaRecorder;
  /** Chunks are read (async) and sent one after the other, so their order is kept. */
  private sending: Promise<void> = Promise.resolve();
  private sentBytes = 0;
  private stopped = false;

  /**
   * @param stream the microphone (the same stream the call sends)
   * @param send sends one binary `audio_chunk`, e.g. `(bytes) => room.sendBytes("audio_chunk", bytes)`
   */
  constructor(
    private readonly stream: MediaStream,
    private readonly send: (bytes: Uint8Array) => void,
  ) {}

  /** Bytes handed to `send` so far. */
  get bytesSent(): number {
    return this.sentBytes;
  }

  /** Starts recording. @returns false when this browser cannot record WebM audio (nothing is sent then). */
  start(): boolean {
    if (this.recorder || this.stopped) return this.recorder !== undefined;
    const mimeType = typeof MediaRecorder === "undefined" ? undefined : MIME_TYPES.find((type) => MediaRecorder.isTypeSupported(type));
    if (!mimeType) return false;
    const recorder = new MediaRecorder(this.stream, { mimeType, audioBitsPerSecond: 32_000 });
    recorder.ondataavailable = (event) => {
      if (event.data.size === 0) return;
      this.sending = this.sending.then(async () => {
        const bytes = new Uint8Array(await event.data.arrayBuffer());
        if (this.stopped) return;
        for (let offset = 0; offset < bytes.byteLength; offset += MAX_AUDIO_CHUNK_BYTES) {
          const piece = bytes.subarray(offset, offset + MAX_AUDIO_CHUNK_BYTES);
          this.send(piece);
          this.sentBytes += piece.byteLength;
        }
      });
    };
    recorder.start(RECORDER_TIMESLICE_MS);
    this.recorder = recorder;
    return true;
  }

  /** Stops recording (the session ended): what the recorder still flushes is not sent. */
  stop(): void {
    this.stopped = true;
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
    this.recorder = undefined;
  }
}

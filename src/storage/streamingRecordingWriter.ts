import type { Writable } from "node:stream";
import type { FinishedRecording, RecordingWriter } from "./recordingStorage.js";

/**
 * Where a {@link createStreamingRecordingWriter} sends a recording: a Node stream feeding the
 * backend (an `fs.WriteStream` on a temporary file; the `PassThrough` an S3 `Upload` reads),
 * and the two ways it can end.
 */
export interface RecordingSink {
  /** Receives the chunks in order. Its `'error'` events are observed by the writer. */
  readonly stream: Writable;
  /** Called once, after `stream.end()`: resolves to the ref once the recording is durable under its key. */
  complete(): Promise<string>;
  /** Called at most once, to discard everything written (after an abort, or a failed {@link complete}). Must leave nothing stored. */
  discard(): Promise<void>;
}

/**
 * A {@link RecordingWriter} over a {@link RecordingSink}: the state machine (open → finishing →
 * finished | failed; open → aborted), the byte count and backpressure, shared by the local and
 * S3 implementations.
 * @param onSettled called once when the writer is finished, failed or aborted (the storage
 *   stops tracking it for `close()`)
 */
export function createStreamingRecordingWriter(sink: RecordingSink, onSettled: () => void): RecordingWriter {
  const { stream } = sink;
  let state: "open" | "finishing" | "finished" | "failed" | "aborted" = "open";
  let bytes = 0;
  let finishing: Promise<FinishedRecording> | undefined;
  let aborting: Promise<void> | undefined;
  /** The wait for `'drain'` every write refused by a full buffer shares (one listener set, however many writes wait). */
  let draining: Promise<void> | undefined;
  // Errors surface through write()/complete(); without a listener an 'error' event would crash the process.
  stream.on("error", () => {});

  return {
    async write(chunk) {
      if (state !== "open") throw new Error(`recording writer is ${state}: write refused`);
      if (stream.destroyed || stream.writableEnded) throw stream.errored ?? new Error("recording stream is closed");
      bytes += chunk.byteLength;
      if (stream.write(chunk)) return;
      draining ??= drained(stream).finally(() => {
        draining = undefined;
      });
      await draining;
    },

    finish() {
      if (finishing) return finishing;
      if (state !== "open") return Promise.reject(new Error(`recording writer is ${state}: finish refused`));
      state = "finishing";
      finishing = (async () => {
        try {
          stream.end();
          const ref = await sink.complete();
          state = "finished";
          return { ref, bytes };
        } catch (err) {
          state = "failed";
          await sink.discard().catch(() => {});
          throw err;
        } finally {
          onSettled();
        }
      })();
      return finishing;
    },

    abort() {
      if (finishing) {
        return finishing.then(
          () => undefined,
          () => undefined,
        );
      }
      if (!aborting) {
        state = "aborted";
        aborting = sink
          .discard()
          .catch(() => {})
          .finally(onSettled);
      }
      return aborting;
    },
  };
}

/**
 * Resolves on the stream's next `'drain'`, or when it closes after finishing normally (a
 * `finish` called while writes wait for a drain).
 * @throws the stream's error when it fails or is destroyed first
 */
function drained(stream: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      stream.off("drain", onDrain);
      stream.off("error", onError);
      stream.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => settle();
    const onError = (err: Error) => settle(err);
    // Closed after a normal end: every buffered chunk was written.
    const onClose = () => settle(stream.errored ?? (stream.writableFinished ? undefined : new Error("recording stream closed before it drained")));
    stream.on("drain", onDrain);
    stream.on("error", onError);
    stream.on("close", onClose);
  });
}

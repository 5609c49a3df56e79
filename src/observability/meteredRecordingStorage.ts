import type { RecordingStorage, RecordingWriter } from "../storage/recordingStorage.js";
import type { Metrics } from "./metrics.js";

/**
 * `storage` with its uploads measured (seed 002 §10.1 `r2_upload_duration_seconds`, §10.3
 * "upload failures > 5%"): each track writer's `finish` is timed into
 * `recording_upload_duration_seconds` (from the `finish` call until the recording is durable,
 * seconds) and counted once in `recording_uploads_total{outcome}` — `success` when `finish`
 * resolves, `failure` when a `write` or `finish` rejects. An `abort` before that counts nothing
 * (the recording was discarded on purpose). Everything else is passed through.
 * @param now clock, epoch milliseconds
 */
export function meterRecordingStorage(storage: RecordingStorage, metrics: Pick<Metrics, "recordingUploadSeconds" | "recordingUploads">, now: () => number = Date.now): RecordingStorage {
  const openWriter = (sessionId: string, userId: string, contentType: string): RecordingWriter => {
    const writer = storage.openWriter(sessionId, userId, contentType);
    let counted = false;
    const count = (outcome: "success" | "failure") => {
      if (counted) return;
      counted = true;
      metrics.recordingUploads.inc({ outcome });
    };
    let finishing: ReturnType<RecordingWriter["finish"]> | undefined;
    return {
      write: (chunk) =>
        writer.write(chunk).catch((err: unknown) => {
          count("failure");
          throw err;
        }),
      finish: () => {
        const startedAt = now();
        finishing ??= writer.finish().then(
          (finished) => {
            if (!counted) metrics.recordingUploadSeconds.observe((now() - startedAt) / 1000);
            count("success");
            return finished;
          },
          (err: unknown) => {
            count("failure");
            throw err;
          },
        );
        return finishing;
      },
      abort: () => {
        counted ||= finishing === undefined;
        return writer.abort();
      },
    };
  };
  return new Proxy(storage, {
    get(target, property) {
      if (property === "openWriter") return openWriter;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

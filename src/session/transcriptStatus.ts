import type { SessionRecord } from "../store/records.js";
import { recordingAllowed } from "./sessionRecorder.js";

/** Answer of `GET /api/conversations/sessions/:id/transcript` (issue 10, DESIGN §8 `transcript.ready`). */
export interface TranscriptStatus {
  /**
   * `ready`: the feedback service sent `transcript.ready`; `pending`: a recording exists (or the
   * live session is being recorded) and its transcript may still come; `unavailable`: nothing was
   * or will be recorded (no consent, recording off, nothing sent, or deleted by retention).
   */
  status: "pending" | "ready" | "unavailable";
  transcriptId?: string;
  /** Where the transcript can be read, when `transcript.ready` gave one. */
  url?: string;
}

/**
 * The transcript status of `session` (pure).
 * @param recordingEnabled `ENABLE_RECORDING`
 */
export function transcriptStatus(session: Pick<SessionRecord, "status" | "participants" | "recordingUrl" | "transcriptId" | "transcriptUrl">, recordingEnabled: boolean): TranscriptStatus {
  if (session.transcriptId) return { status: "ready", transcriptId: session.transcriptId, ...(session.transcriptUrl ? { url: session.transcriptUrl } : {}) };
  if (session.recordingUrl) return { status: "pending" };
  const live = session.status === "waiting" || session.status === "active";
  return { status: live && recordingAllowed(recordingEnabled, session.participants) ? "pending" : "unavailable" };
}

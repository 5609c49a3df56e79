import { Router } from "express";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Principal } from "../auth/principal.js";
import { ParleyError } from "../errors/errorCodes.js";
import type { LocalRecordingStorage } from "../storage/localRecordingStorage.js";
import { contentTypeOfKey, type RecordingStorage } from "../storage/recordingStorage.js";
import type { SessionRecord } from "../store/records.js";

/** Lifetime of the presigned recording URLs `GET /sessions/:id` hands out, seconds (15 minutes). */
export const RECORDING_URL_SECONDS = 900;

/** The recording part of `GET /sessions/:id`. */
export interface RecordingAccessView {
  /** Presigned URL of the manifest (JSON), valid {@link RECORDING_URL_SECONDS}. */
  recordingUrl?: string;
  /** Presigned URL of each participant's track (WebM/Opus), with its place on the time line. */
  recordingTracks?: { userId: string; url: string; startOffsetSeconds: number; durationSeconds: number }[];
}

/**
 * Short-lived presigned URLs of a session's recording (DESIGN §6 "served to participants/admins
 * as a short-lived presigned URL"): for a participant of the session or an admin; nothing for
 * anyone else (moderators included), nor when the session has no recording (or retention
 * deleted it). Presigning needs no request to the backend; the track list reads the manifest.
 */
export async function recordingAccess(storage: RecordingStorage, session: SessionRecord, principal: Principal): Promise<RecordingAccessView> {
  if (!session.recordingUrl) return {};
  const participant = session.participants.some((p) => p.userId === principal.userId);
  if (!participant && !principal.roles.includes("admin")) return {};
  // The tracks come from the manifest; when storage cannot be read now, the manifest URL alone is served.
  const manifest = await storage.readManifest(session.recordingUrl).catch(() => undefined);
  const recordingUrl = await storage.presignedGetUrl(session.recordingUrl, RECORDING_URL_SECONDS);
  const recordingTracks = await Promise.all(
    (manifest?.tracks ?? []).map(async (t) => ({ userId: t.userId, url: await storage.presignedGetUrl(storage.url(t.key), RECORDING_URL_SECONDS), startOffsetSeconds: t.startOffsetSeconds, durationSeconds: t.durationSeconds })),
  );
  return { recordingUrl, recordingTracks };
}

/**
 * Serves the local storage's presigned URLs (`/recordings/<key>?expires=…&signature=…`, see
 * `localRecordingStorage.ts`): 403 `FORBIDDEN` for a bad or expired signature, 404 `NOT_FOUND`
 * for a missing object, else the file with its content type. Mounted only with the local storage.
 */
export function localRecordingRoutes(storage: Pick<LocalRecordingStorage, "resolvePresignedUrl" | "dir">): Router {
  const router = Router();
  router.get("/recordings/{*key}", async (req, res) => {
    const path = storage.resolvePresignedUrl(req.originalUrl);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new ParleyError("NOT_FOUND", "no such recording");
    res.setHeader("Content-Type", contentTypeOfKey(path));
    res.setHeader("Content-Length", String(info.size));
    res.setHeader("Cache-Control", "private, no-store");
    createReadStream(path).pipe(res);
  });
  return router;
}

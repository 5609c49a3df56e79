import type { Logger } from "pino";
import type { RecordingStorage } from "../storage/recordingStorage.js";
import type { Store } from "../store/repositories.js";

/** Dependencies of {@link RecordingRetention}. */
export interface RecordingRetentionDeps {
  storage: Pick<RecordingStorage, "listOlderThan" | "deleteRecording">;
  store: Pick<Store, "sessions">;
  logger: Logger;
  /** `RECORDING_RETENTION_DAYS` (DESIGN §6, seed 002 §11.1; default 30). */
  retentionDays: number;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Period of the retention passes, ms (hourly: a pass lists the whole recordings prefix). */
export const RETENTION_INTERVAL_MS = 3_600_000;

/** What one {@link RecordingRetention.run} did. */
export interface RetentionReport {
  /** Sessions whose recording was deleted (and marked). */
  deleted: string[];
  /** Sessions whose deletion failed (retried at the next run). */
  failed: string[];
}

/**
 * The recording retention job (DESIGN §6 "deleted after `RECORDING_RETENTION_DAYS`"): each run
 * deletes the finished recordings (tracks and manifest) whose manifest is older than
 * `now − RECORDING_RETENTION_DAYS` days, then marks their session: `recordingDeletedAt` set,
 * `recordingUrl` removed (so no presigned URL is handed out for it any more). Driven by what
 * storage holds, so a recording whose session record is gone is deleted too.
 *
 * Safe on every process at once: deleting a deleted recording and marking a marked session are
 * no-ops. A deletion that fails is logged and retried at the next run (storage deletes the
 * manifest last, so a half-deleted recording is listed again).
 */
export class RecordingRetention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<RetentionReport>;

  constructor(private readonly deps: RecordingRetentionDeps) {}

  /** Runs a pass every `intervalMs` (the first one after `intervalMs`); a failed pass is logged. @default hourly */
  start(intervalMs = RETENTION_INTERVAL_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.run().finally(() => (this.running = undefined));
      this.running.catch((err: unknown) => this.deps.logger.error({ err }, "recording retention failed; will retry next interval"));
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops the periodic passes and waits for the one in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One pass. Never rejects for one recording's failure; rejects when the listing itself fails. */
  async run(): Promise<RetentionReport> {
    const { storage, store, logger, retentionDays, now } = this.deps;
    const at = now();
    const cutoff = new Date(at - retentionDays * 24 * 3600 * 1000);
    const report: RetentionReport = { deleted: [], failed: [] };
    for (const { sessionId } of await storage.listOlderThan(cutoff)) {
      try {
        await storage.deleteRecording(sessionId);
        if (await store.sessions.get(sessionId)) await store.sessions.patch(sessionId, { recordingUrl: undefined, recordingDeletedAt: new Date(at) });
        report.deleted.push(sessionId);
      } catch (err) {
        report.failed.push(sessionId);
        logger.warn({ err, sessionId }, "recording retention: could not delete a recording; will retry");
      }
    }
    if (report.deleted.length > 0 || report.failed.length > 0) logger.info({ deleted: report.deleted.length, failed: report.failed.length, retentionDays }, "recording retention pass");
    return report;
  }
}

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readdir, rm, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { RecordingRetention } from "../../../src/jobs/recordingRetention.js";
import { createLocalRecordingStorage, type LocalRecordingStorage } from "../../../src/storage/localRecordingStorage.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { SessionRecord } from "../../../src/store/records.js";
import type { Store } from "../../../src/store/repositories.js";

const DAY = 24 * 3600 * 1000;

/** A completed session whose recording was stored `ageDays` ago. */
async function recordedSession(store: Store, storage: LocalRecordingStorage, ageDays: number): Promise<SessionRecord> {
  const id = randomUUID();
  const writer = storage.openWriter(id, "alice", "audio/webm");
  await writer.write(Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 1]));
  await writer.finish();
  const at = new Date(Date.now() - ageDays * DAY);
  const recordingUrl = await storage.writeManifest({ version: 1, sessionId: id, contentType: "audio/webm", startedAt: at.toISOString(), endedAt: at.toISOString(), tracks: [], corrections: [] });
  await utimes(new URL(recordingUrl), at, at);
  const session: SessionRecord = {
    id,
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "daily_life.introductions",
    targetLevel: "B1",
    status: "completed",
    participants: [],
    prompts: [],
    matchRequestIds: [],
    createdAt: at,
    updatedAt: at,
    durationSeconds: 300,
    recordingUrl,
    ratings: [],
  };
  await store.sessions.create(session);
  return session;
}

describe("recording retention job (RECORDING_RETENTION_DAYS, DESIGN §6)", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-retention-"));
  after(async () => rm(dir, { recursive: true, force: true }));

  it("deletes the recordings older than the retention, marks their sessions, and keeps the younger ones", async () => {
    const storage = createLocalRecordingStorage(join(dir, randomUUID()));
    const store = createMemoryStore();
    const old = await recordedSession(store, storage, 31);
    const young = await recordedSession(store, storage, 29);
    const now = Date.now();
    const job = new RecordingRetention({ storage, store, logger: pino({ level: "silent" }), retentionDays: 30, now: () => now });

    assert.deepEqual(await job.run(), { deleted: [old.id], failed: [] });
    assert.deepEqual((await readdir(storage.dir)).sort(), [young.id], "the old session's tracks and manifest are gone");
    const marked = await store.sessions.get(old.id);
    assert.equal(marked?.recordingUrl, undefined);
    assert.equal(marked?.recordingDeletedAt?.getTime(), now);
    assert.equal((await store.sessions.get(young.id))?.recordingUrl, young.recordingUrl, "the young one is untouched");
    assert.deepEqual(await job.run(), { deleted: [], failed: [] }, "a second pass has nothing to do");
    await storage.close();
  });

  it("deletes an old recording whose session record is gone, and retries one whose deletion failed", async () => {
    const storage = createLocalRecordingStorage(join(dir, randomUUID()));
    const store = createMemoryStore();
    const orphan = await recordedSession(store, storage, 40);
    const other = createMemoryStore();
    let failOnce = true;
    const flaky = {
      listOlderThan: (cutoff: Date) => storage.listOlderThan(cutoff),
      deleteRecording: async (sessionId: string) => {
        if (failOnce) {
          failOnce = false;
          throw new Error("injected delete failure");
        }
        return storage.deleteRecording(sessionId);
      },
    };
    const job = new RecordingRetention({ storage: flaky, store: other, logger: pino({ level: "silent" }), retentionDays: 30, now: Date.now });
    assert.deepEqual(await job.run(), { deleted: [], failed: [orphan.id] });
    assert.deepEqual(await job.run(), { deleted: [orphan.id], failed: [] });
    assert.deepEqual(await readdir(storage.dir), []);
    await storage.close();
  });
});

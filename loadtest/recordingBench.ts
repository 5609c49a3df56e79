/**
 * Recording benchmark (issue 10; DESIGN §6 "Recording": tracks stream to storage as they arrive,
 * never the whole file in memory).
 *
 * Run: `npm run bench:recording` (= `tsx --expose-gc loadtest/recordingBench.ts`); the S3 part
 * needs the S3 server of `scripts/services.sh` (`eval "$(bash scripts/services.sh env)"`) and is
 * skipped, saying so, without `S3_ENDPOINT`/`S3_BUCKET`. Results go to `loadtest/RESULTS.md` by
 * hand.
 *
 * Scenario, per backend (local directory, then S3): `SESSIONS` sessions (default 100) × 2
 * participants, each streaming a `MINUTES`-minute recording (default 30) at 32 kbit/s — one
 * 4,000-byte chunk per second of audio, the first starting with the EBML header — through one
 * {@link SessionRecorder} per session, exactly as the conversation room hands it `audio_chunk`
 * bytes. Time is compressed: every participant sends its next chunk as soon as the recorder takes
 * it; a chunk refused with `RATE_LIMITED` (its bounded buffer is full) is sent again after 2 ms,
 * so the feed is as fast as storage takes it, and bounded. Then every session finishes (tracks
 * durable, manifest written).
 *
 * Measured: wall time, bytes stored, upload throughput (MB/s of audio made durable), chunks
 * refused with RATE_LIMITED, and the process RSS sampled every 50 ms: peak growth over the
 * baseline (after a GC), per recording participant. The recordings are deleted afterwards.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { loadConfig } from "../src/config/config.js";
import { isParleyError } from "../src/errors/errorCodes.js";
import { createMetrics } from "../src/observability/metrics.js";
import { SessionRecorder } from "../src/session/sessionRecorder.js";
import { createLocalRecordingStorage } from "../src/storage/localRecordingStorage.js";
import type { RecordingStorage } from "../src/storage/recordingStorage.js";
import { createS3RecordingStorage } from "../src/storage/s3RecordingStorage.js";

const SESSIONS = Number(process.env.SESSIONS ?? 100);
const MINUTES = Number(process.env.MINUTES ?? 30);
const PARTICIPANTS = 2;
/** 32 kbit/s = 4,000 bytes per second of audio, one chunk per second (MediaRecorder timeslice 1 s). */
const CHUNK_BYTES = 4000;
const CHUNKS = MINUTES * 60;
const MB = 1024 * 1024;

interface Result {
  backend: string;
  seconds: number;
  bytes: number;
  throughputMBps: number;
  rateLimited: number;
  baselineRssMB: number;
  peakRssGrowthMB: number;
  perParticipantMB: number;
  failures: number;
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

/** One participant's feed: CHUNKS chunks as fast as the recorder takes them. */
async function feed(recorder: SessionRecorder, userId: string, payload: Buffer, counters: { rateLimited: number }): Promise<void> {
  const first = Buffer.from(payload);
  first.set([0x1a, 0x45, 0xdf, 0xa3]);
  let now = recorder.startedAt;
  for (let i = 0; i < CHUNKS; i++) {
    const chunk = i === 0 ? first : payload;
    for (;;) {
      try {
        recorder.acceptChunk(userId, chunk, now);
        break;
      } catch (err) {
        if (!isParleyError(err) || err.code !== "RATE_LIMITED") throw err;
        counters.rateLimited += 1;
        await sleep(2);
      }
    }
    now += 1000;
    // Let the writers run between chunks, as the event loop does between WebSocket messages.
    if (i % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function run(backend: string, storage: RecordingStorage): Promise<Result> {
  const metrics = createMetrics();
  const logger = pino({ level: "warn" });
  const payload = randomBytes(CHUNK_BYTES);
  gc();
  await sleep(200);
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const counters = { rateLimited: 0 };
  const started = performance.now();
  const t0 = Date.parse("2026-12-07T10:00:00Z");
  const sessions = Array.from({ length: SESSIONS }, () => {
    const users = Array.from({ length: PARTICIPANTS }, (_, i) => `learner-${i}`);
    return { recorder: new SessionRecorder({ storage, logger, metrics }, randomUUID(), users, t0), users };
  });
  await Promise.all(sessions.map(async ({ recorder, users }) => {
    await Promise.all(users.map((u) => feed(recorder, u, payload, counters)));
    const done = await recorder.finish(t0 + CHUNKS * 1000);
    if (!done.recordingUrl) throw new Error(`session ${recorder.sessionId}: no manifest`);
  }));
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const failures = (await metrics.recordingUploadFailures.get()).values[0]?.value ?? 0;
  for (const { recorder } of sessions) await storage.deleteRecording(recorder.sessionId);
  const bytes = SESSIONS * PARTICIPANTS * CHUNKS * CHUNK_BYTES;
  const growth = (peak - baseline) / MB;
  return {
    backend,
    seconds: round(seconds),
    bytes,
    throughputMBps: round(bytes / MB / seconds),
    rateLimited: counters.rateLimited,
    baselineRssMB: round(baseline / MB),
    peakRssGrowthMB: round(growth),
    perParticipantMB: round(growth / (SESSIONS * PARTICIPANTS), 3),
    failures,
  };
}

function round(x: number, digits = 1): number {
  return Number(x.toFixed(digits));
}

async function main(): Promise<void> {
  console.log(`recording bench: ${SESSIONS} sessions × ${PARTICIPANTS} participants × ${MINUTES} min at 32 kbit/s (${CHUNKS} chunks of ${CHUNK_BYTES} B each, ${round((SESSIONS * PARTICIPANTS * CHUNKS * CHUNK_BYTES) / MB)} MB per backend)`);
  const results: Result[] = [];
  const dir = mkdtempSync(join(tmpdir(), "parley-recording-bench-"));
  const local = createLocalRecordingStorage(dir);
  try {
    results.push(await run("local", local));
  } finally {
    await local.close();
    await rm(dir, { recursive: true, force: true });
  }
  if (process.env.S3_ENDPOINT && process.env.S3_BUCKET) {
    const config = loadConfig({ ...process.env, S3_RECORDINGS_PREFIX: `bench-${randomUUID()}/` });
    const s3 = createS3RecordingStorage(config.s3);
    try {
      results.push(await run(`s3 (${process.env.S3_ENDPOINT})`, s3));
    } finally {
      await s3.close();
    }
  } else {
    console.log("S3 part SKIPPED: S3_ENDPOINT/S3_BUCKET not set (eval \"$(bash scripts/services.sh env)\").");
  }
  console.log("| backend | wall s | MB stored | upload MB/s | RATE_LIMITED refusals | baseline RSS MB | peak RSS growth MB | per participant MB | upload failures |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const r of results) {
    console.log(`| ${r.backend} | ${r.seconds} | ${round(r.bytes / MB)} | ${r.throughputMBps} | ${r.rateLimited} | ${r.baselineRssMB} | ${r.peakRssGrowthMB} | ${r.perParticipantMB} | ${r.failures} |`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

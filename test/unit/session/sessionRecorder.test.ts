import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { isParleyError, type ErrorCode } from "../../../src/errors/errorCodes.js";
import { createMetrics } from "../../../src/observability/metrics.js";
import { DEFAULT_RECORDING_LIMITS, recordingAllowed, SessionRecorder, type TrackUploadProgress } from "../../../src/session/sessionRecorder.js";
import { createLocalRecordingStorage, type LocalRecordingStorage } from "../../../src/storage/localRecordingStorage.js";
import type { RecordingStorage, RecordingWriter } from "../../../src/storage/recordingStorage.js";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const EBML = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3]);

/** A WebM-looking first chunk: the EBML header then `size − 4` random bytes. */
function firstChunk(size = 4000): Uint8Array {
  const chunk = new Uint8Array(size);
  chunk.set(EBML);
  chunk.set(randomBytes(size - 4), 4);
  return chunk;
}

function assertRefused(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => isParleyError(err) && err.code === code, `refused with ${code}`);
}

/** Lets pending promise callbacks run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The local storage, with writers and the manifest failing on demand (`failWrites` rejects every
 * write from then on, as a backend gone down after its retries; `failFinish`, `failManifest`),
 * and writes held until released (`holdWrites`), as a slow backend.
 */
function failingStorage(inner: RecordingStorage) {
  const control = { failWrites: false, failFinish: false, failManifest: false, holdWrites: false, aborted: [] as string[], released: [] as (() => void)[] };
  const storage: RecordingStorage = {
    ...inner,
    openWriter(sessionId, userId, contentType) {
      const writer = inner.openWriter(sessionId, userId, contentType);
      const wrapped: RecordingWriter = {
        async write(chunk) {
          if (control.failWrites) throw new Error("injected storage failure");
          if (control.holdWrites) await new Promise<void>((resolve) => control.released.push(resolve));
          return writer.write(chunk);
        },
        async finish() {
          if (control.failFinish) throw new Error("injected finish failure");
          return writer.finish();
        },
        async abort() {
          control.aborted.push(userId);
          return writer.abort();
        },
      };
      return wrapped;
    },
    async writeManifest(manifest) {
      if (control.failManifest) throw new Error("injected manifest failure");
      return inner.writeManifest(manifest);
    },
  };
  return { storage, control };
}

describe("session recorder (DESIGN §6 Recording, seed 002 §6.4)", () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-recorder-"));
  let local: LocalRecordingStorage;
  let metrics: ReturnType<typeof createMetrics>;
  let progress: TrackUploadProgress[];

  beforeEach(() => {
    local = createLocalRecordingStorage(dir);
    metrics = createMetrics();
    progress = [];
  });
  afterEach(async () => local.close());
  after(async () => rm(dir, { recursive: true, force: true }));

  const failures = async () => (await metrics.recordingUploadFailures.get()).values[0]?.value ?? 0;
  const recorderOn = (storage: RecordingStorage, users = ["alice", "bob"], limits = {}) =>
    new SessionRecorder({ storage, logger: pino({ level: "silent" }), metrics, onTrackProgress: (p) => progress.push(p) }, randomUUID(), users, T0, limits);
  const readManifest = async (storage: RecordingStorage, ref: string | undefined) => {
    assert.ok(ref, "a recording URL");
    const manifest = await storage.readManifest(ref);
    assert.ok(manifest, "the manifest is stored");
    return manifest;
  };

  describe("consent rule", () => {
    it("records only when recording is enabled and every participant consented", () => {
      const yes = { recordingConsent: true };
      const no = { recordingConsent: false };
      assert.equal(recordingAllowed(true, [yes, yes]), true);
      assert.equal(recordingAllowed(true, [yes, yes, yes, yes]), true);
      assert.equal(recordingAllowed(true, [yes, no]), false, "one refusal");
      assert.equal(recordingAllowed(false, [yes, yes]), false, "ENABLE_RECORDING off");
      assert.equal(recordingAllowed(true, []), false, "nobody");
    });
  });

  it("streams each participant's chunks into its own track and writes a manifest with offsets and durations", async () => {
    const recorder = recorderOn(local);
    const alice = [firstChunk(), randomBytes(3000), randomBytes(5000)];
    const bob = [firstChunk(2000), randomBytes(100)];
    recorder.acceptChunk("alice", alice[0]!, T0 + 1000);
    recorder.acceptChunk("bob", bob[0]!, T0 + 2500);
    recorder.acceptChunk("alice", alice[1]!, T0 + 2000);
    recorder.acceptChunk("bob", bob[1]!, T0 + 3500);
    recorder.acceptChunk("alice", alice[2]!, T0 + 61_000);
    const done = await recorder.finish(T0 + 62_000);
    assert.equal(recorder.isRecording, false);
    assert.equal(done.recordingUrl, local.url(local.manifestKey(recorder.sessionId)));
    const manifest = await readManifest(local, done.recordingUrl);
    assert.equal(manifest.sessionId, recorder.sessionId);
    assert.equal(manifest.startedAt, new Date(T0).toISOString());
    assert.equal(manifest.endedAt, new Date(T0 + 62_000).toISOString());
    assert.deepEqual(manifest.tracks, [
      { userId: "alice", key: local.trackKey(recorder.sessionId, "alice"), startOffsetSeconds: 1, durationSeconds: 60, bytes: 12_000, chunks: 3 },
      { userId: "bob", key: local.trackKey(recorder.sessionId, "bob"), startOffsetSeconds: 2.5, durationSeconds: 1, bytes: 2100, chunks: 2 },
    ]);
    assert.deepEqual(await readFile(join(local.dir, local.trackKey(recorder.sessionId, "alice"))), Buffer.concat(alice));
    assert.deepEqual(await readFile(join(local.dir, local.trackKey(recorder.sessionId, "bob"))), Buffer.concat(bob));
    assert.deepEqual(
      progress.map((p) => `${p.userId}:${p.status}:${p.chunks}:${p.bytes}`).sort(),
      ["alice:completed:3:12000", "alice:uploading:0:0", "bob:completed:2:2100", "bob:uploading:0:0"],
    );
    assert.equal(await recorder.finish(T0 + 99_000), await recorder.finish(T0 + 99_000), "finish is idempotent");
  });

  it("finishes while chunks still wait for the stream to drain, storing all of them and reporting no failure", async () => {
    const recorder = recorderOn(local, ["alice"], { bufferBytes: 1024 * 1024 });
    const chunks = [firstChunk(4000), ...Array.from({ length: 40 }, () => randomBytes(4000))];
    for (const [i, chunk] of chunks.entries()) recorder.acceptChunk("alice", chunk, T0 + i * 1000);
    assert.ok(recorder.waitingBytes("alice") > 0, "some writes wait for a drain");
    const done = await recorder.finish(T0 + 60_000);
    assert.equal((await readManifest(local, done.recordingUrl)).tracks[0]?.bytes, 41 * 4000);
    assert.deepEqual(await readFile(join(local.dir, local.trackKey(recorder.sessionId, "alice"))), Buffer.concat(chunks));
    assert.equal(await failures(), 0);
  });

  it("copies the chunk, so the caller may reuse its buffer", async () => {
    const recorder = recorderOn(local, ["alice"]);
    const buffer = firstChunk(100);
    const expected = Buffer.from(buffer);
    recorder.acceptChunk("alice", buffer, T0);
    buffer.fill(0);
    await recorder.finish(T0 + 1000);
    assert.deepEqual(await readFile(join(local.dir, local.trackKey(recorder.sessionId, "alice"))), expected);
  });

  it("refuses a first chunk without the EBML header, then accepts one that has it", async () => {
    const recorder = recorderOn(local, ["alice"]);
    assertRefused(() => recorder.acceptChunk("alice", randomBytes(100).fill(1, 0, 1), T0), "INVALID_REQUEST");
    assertRefused(() => recorder.acceptChunk("alice", EBML.subarray(0, 3), T0), "INVALID_REQUEST");
    assert.deepEqual(progress, [], "no track was opened");
    recorder.acceptChunk("alice", firstChunk(), T0);
    recorder.acceptChunk("alice", randomBytes(10), T0 + 1000);
    const done = await recorder.finish(T0 + 2000);
    assert.equal((await readManifest(local, done.recordingUrl)).tracks[0]?.chunks, 2);
  });

  it("refuses empty chunks, chunks over 64 KiB and a track over 60 MB, storing none of them", async () => {
    const recorder = recorderOn(local, ["alice"], { maxTrackBytes: 100_000 });
    assertRefused(() => recorder.acceptChunk("alice", new Uint8Array(0), T0), "INVALID_REQUEST");
    const big = firstChunk(64 * 1024 + 1);
    assertRefused(() => recorder.acceptChunk("alice", big, T0), "PAYLOAD_TOO_LARGE");
    recorder.acceptChunk("alice", firstChunk(64 * 1024), T0);
    await settle();
    recorder.acceptChunk("alice", randomBytes(30_000), T0);
    await settle();
    assertRefused(() => recorder.acceptChunk("alice", randomBytes(6000), T0), "PAYLOAD_TOO_LARGE");
    recorder.acceptChunk("alice", randomBytes(4000), T0);
    const done = await recorder.finish(T0 + 1000);
    assert.equal((await readManifest(local, done.recordingUrl)).tracks[0]?.bytes, 64 * 1024 + 34_000);
    assert.deepEqual({ ...DEFAULT_RECORDING_LIMITS }, { maxChunkBytes: 65_536, maxTrackBytes: 60_000_000, bufferBytes: 262_144 }, "the limits of issue 10 by default");
  });

  it("refuses chunks of a participant it does not record, and every chunk after the end", async () => {
    const recorder = recorderOn(local, ["alice"]);
    assertRefused(() => recorder.acceptChunk("mallory", firstChunk(), T0), "FORBIDDEN");
    const ended = recorder.finish(T0);
    assertRefused(() => recorder.acceptChunk("alice", firstChunk(), T0), "FORBIDDEN");
    assert.deepEqual(await ended, { tracks: [] }, "nothing recorded: no manifest, no URL");
    assert.deepEqual(await local.listOlderThan(new Date(T0 + 3_600_000 * 24 * 365)).then((l) => l.filter((r) => r.sessionId === recorder.sessionId)), []);
  });

  it("answers RATE_LIMITED when a client sends faster than storage takes, refusing (not dropping) the chunk, and takes it again once storage caught up", async () => {
    const { storage, control } = failingStorage(local);
    const recorder = recorderOn(storage, ["alice"], { bufferBytes: 10_000 });
    control.holdWrites = true;
    recorder.acceptChunk("alice", firstChunk(4000), T0);
    recorder.acceptChunk("alice", randomBytes(4000), T0 + 1000);
    const refused = randomBytes(4000);
    assertRefused(() => recorder.acceptChunk("alice", refused, T0 + 2000), "RATE_LIMITED");
    assert.equal(recorder.waitingBytes("alice"), 8000);
    control.holdWrites = false;
    for (const release of control.released.splice(0)) release();
    await settle();
    await settle();
    assert.equal(recorder.waitingBytes("alice"), 0);
    recorder.acceptChunk("alice", refused, T0 + 3000);
    const done = await recorder.finish(T0 + 4000);
    const manifest = await readManifest(storage, done.recordingUrl);
    assert.deepEqual(manifest.tracks.map((t) => [t.bytes, t.chunks]), [[12_000, 3]], "every accepted chunk stored, the refused one once sent again");
  });

  it("aborts a track whose upload fails mid-session, reports it, refuses its later chunks, and still stores the other tracks", async () => {
    const { storage, control } = failingStorage(local);
    const recorder = recorderOn(storage);
    recorder.acceptChunk("alice", firstChunk(), T0);
    recorder.acceptChunk("bob", firstChunk(), T0);
    await settle();
    control.failWrites = true;
    // bob's next write fails (alice sends nothing meanwhile).
    recorder.acceptChunk("bob", randomBytes(100), T0 + 1000);
    await settle();
    await settle();
    control.failWrites = false;
    assert.deepEqual(control.aborted, ["bob"], "the failed track was aborted");
    assert.equal(await failures(), 1, "recording_upload_failures_total");
    assertRefused(() => recorder.acceptChunk("bob", randomBytes(100), T0 + 2000), "INTERNAL_ERROR");
    recorder.acceptChunk("alice", randomBytes(100), T0 + 2000);
    const done = await recorder.finish(T0 + 3000);
    const manifest = await readManifest(storage, done.recordingUrl);
    assert.deepEqual(manifest.tracks.map((t) => t.userId), ["alice"]);
    assert.deepEqual(progress.filter((p) => p.userId === "bob").map((p) => p.status), ["uploading", "failed"]);
    assert.equal(progress.find((p) => p.status === "failed")?.error, "injected storage failure");
  });

  it("reports a track that fails at the end and leaves it out of the manifest", async () => {
    const { storage, control } = failingStorage(local);
    const recorder = recorderOn(storage, ["alice"]);
    recorder.acceptChunk("alice", firstChunk(), T0);
    control.failFinish = true;
    const done = await recorder.finish(T0 + 1000);
    assert.deepEqual(done, { tracks: [] });
    assert.equal(await failures(), 1);
    assert.deepEqual(control.aborted, ["alice"]);
  });

  it("deletes the stored tracks and reports it when the manifest cannot be stored", async () => {
    const { storage, control } = failingStorage(local);
    const recorder = recorderOn(storage);
    recorder.acceptChunk("alice", firstChunk(), T0);
    recorder.acceptChunk("bob", firstChunk(), T0);
    control.failManifest = true;
    const done = await recorder.finish(T0 + 1000);
    assert.equal(done.recordingUrl, undefined);
    assert.equal(await failures(), 1);
    await assert.rejects(readFile(join(local.dir, local.trackKey(recorder.sessionId, "alice"))), { code: "ENOENT" }, "no track left without its manifest");
  });

  it("abort discards every track and stores nothing", async () => {
    const recorder = recorderOn(local);
    recorder.acceptChunk("alice", firstChunk(), T0);
    recorder.acceptChunk("bob", firstChunk(), T0);
    await recorder.abort(T0 + 1000);
    await recorder.abort(T0 + 1000);
    assert.deepEqual(await recorder.finish(T0 + 2000), { tracks: [] });
    await assert.rejects(readFile(join(local.dir, local.trackKey(recorder.sessionId, "alice"))), { code: "ENOENT" });
    assert.deepEqual(progress.filter((p) => p.status === "cancelled").map((p) => p.userId).sort(), ["alice", "bob"]);
  });
});

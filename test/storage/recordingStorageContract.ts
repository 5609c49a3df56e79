import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { RecordingManifest, RecordingStorage, RecordingWriter } from "../../src/storage/recordingStorage.js";

/**
 * The one contract of the recording storage port (DESIGN §1, §6 "Recording"; STYLE §3), run
 * against the local directory (`localRecordingStorage.test.ts`) and S3
 * (`test/integration/s3Storage.test.ts`). Every test records fresh session ids, so runs may
 * share a bucket; whole-store listings are checked through the refs a test wrote itself.
 */

/** An implementation under test, and how a client reads what it serves. */
export interface RecordingStorageFixture {
  storage: RecordingStorage;
  /**
   * Fetches a presigned URL the way a participant would and returns the body, or `undefined`
   * when the recording does not exist (404). Throws on any other failure.
   */
  readPresigned(url: string): Promise<Uint8Array | undefined>;
}

const MiB = 1024 * 1024;
const CONTENT_TYPE = "audio/webm;codecs=opus";
const MINUTE = 60_000;

/**
 * Chunks of irregular sizes (like MediaRecorder's) adding up to `total` bytes of random data.
 * @returns the chunks and their concatenation
 */
function audio(total: number, largestChunk = 256 * 1024): { chunks: Uint8Array[]; whole: Buffer } {
  const whole = randomBytes(total);
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let i = 0;
  while (offset < total) {
    const size = Math.min(total - offset, 1 + ((i * 7919 + 4099) % largestChunk));
    chunks.push(whole.subarray(offset, offset + size));
    offset += size;
    i += 1;
  }
  return { chunks, whole };
}

async function writeAll(writer: RecordingWriter, chunks: readonly Uint8Array[]): Promise<void> {
  for (const chunk of chunks) await writer.write(chunk);
}

/** Asserts two byte sequences are equal without dumping megabytes on failure. */
function assertSameBytes(actual: Uint8Array | undefined, expected: Uint8Array, what: string): void {
  assert.ok(actual, `${what}: the recording is missing`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength).equals(expected), `${what}: content differs`);
}

/**
 * Defines the contract suite of the recording storage port.
 * @param name implementation name, shown in test titles
 * @param make builds a fresh fixture; called once for the suite and again by the tests that close a storage
 */
export function describeRecordingStorageContract(name: string, make: () => Promise<RecordingStorageFixture>): void {
  describe(`${name}: recording storage contract`, function () {
    this.timeout(60_000);
    let fixture: RecordingStorageFixture;
    let storage: RecordingStorage;
    const extra: RecordingStorage[] = [];

    before(async () => {
      fixture = await make();
      storage = fixture.storage;
    });

    after(async () => {
      await storage?.close();
      for (const s of extra) await s.close();
    });

    async function readRef(ref: string): Promise<Uint8Array | undefined> {
      return fixture.readPresigned(await storage.presignedGetUrl(ref, 300));
    }

    /** Records one track of `sessionId` and returns its ref. */
    async function recordTrack(sessionId: string, userId: string, bytes: Uint8Array): Promise<string> {
      const writer = storage.openWriter(sessionId, userId, CONTENT_TYPE);
      await writer.write(bytes);
      return (await writer.finish()).ref;
    }

    function manifestOf(sessionId: string, tracks: RecordingManifest["tracks"] = []): RecordingManifest {
      return { version: 1, sessionId, contentType: CONTENT_TYPE, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), tracks, corrections: [] };
    }

    async function assertGone(ref: string): Promise<void> {
      assert.equal(await readRef(ref), undefined, "the object can no longer be read");
    }

    const listedSessions = async (cutoff: Date) => (await storage.listOlderThan(cutoff)).map((r) => r.sessionId);

    it("answers ping", async () => {
      await storage.ping();
    });

    it("keys tracks `<prefix><sessionId>/<userId>.webm` and the manifest `<prefix><sessionId>/manifest.json`, referred to by URL", () => {
      const sessionId = randomUUID();
      const key = storage.trackKey(sessionId, "alice");
      assert.ok(key.endsWith(`${sessionId}/alice.webm`), key);
      assert.ok(storage.manifestKey(sessionId).endsWith(`${sessionId}/manifest.json`));
      assert.equal(key.slice(0, -"alice.webm".length), storage.manifestKey(sessionId).slice(0, -"manifest.json".length), "one folder per session");
      assert.ok(storage.trackKey(sessionId, "a/b c").endsWith(`${sessionId}/a%2Fb%20c.webm`), "a user id never adds a path segment");
      const ref = storage.url(key);
      assert.ok(ref.startsWith(storage.kind === "s3" ? "s3://" : "file:///"), ref);
      assert.ok(ref.endsWith(`/${key}`), ref);
    });

    it("streams chunks totalling over 5 MiB (a multipart upload) and serves them back byte-identical through a presigned URL", async () => {
      const sessionId = randomUUID();
      const { chunks, whole } = audio(6 * MiB + 12_345);
      assert.ok(chunks.length > 40);
      const writer = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
      await writeAll(writer, chunks);
      const { ref, bytes } = await writer.finish();
      assert.equal(bytes, whole.byteLength);
      assert.equal(ref, storage.url(storage.trackKey(sessionId, "alice")));
      assertSameBytes(await readRef(ref), whole, "read back");
      await storage.deleteRecording(sessionId);
    });

    it("stores two participants' tracks of a session side by side, without mixing their bytes", async () => {
      const sessionId = randomUUID();
      const a = audio(5 * MiB + 999, 32 * 1024);
      const b = audio(3 * MiB + 7, 48 * 1024);
      const writerA = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
      const writerB = storage.openWriter(sessionId, "bob", CONTENT_TYPE);
      for (let i = 0; i < Math.max(a.chunks.length, b.chunks.length); i++) {
        const chunkA = a.chunks[i];
        const chunkB = b.chunks[i];
        await Promise.all([chunkA ? writerA.write(chunkA) : undefined, chunkB ? writerB.write(chunkB) : undefined]);
      }
      const [doneA, doneB] = await Promise.all([writerA.finish(), writerB.finish()]);
      assert.notEqual(doneA.ref, doneB.ref);
      assertSameBytes(await readRef(doneA.ref), a.whole, "alice's track");
      assertSameBytes(await readRef(doneB.ref), b.whole, "bob's track");
      await storage.deleteRecording(sessionId);
    });

    it("stores a short track (under one part) and an empty one", async () => {
      const sessionId = randomUUID();
      const { chunks, whole } = audio(70_000, 4096);
      const writer = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
      await writeAll(writer, chunks);
      const short = await writer.finish();
      assert.equal(short.bytes, 70_000);
      assertSameBytes(await readRef(short.ref), whole, "short track");

      const empty = await storage.openWriter(sessionId, "bob", "audio/webm").finish();
      assert.equal(empty.bytes, 0);
      assertSameBytes(await readRef(empty.ref), new Uint8Array(0), "empty track");
      await storage.deleteRecording(sessionId);
    });

    it("keeps chunks in order when writes are not awaited one by one", async () => {
      const sessionId = randomUUID();
      const { chunks, whole } = audio(2 * MiB, 64 * 1024);
      const writer = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
      await Promise.all(chunks.map((c) => writer.write(c)));
      const { ref, bytes } = await writer.finish();
      assert.equal(bytes, whole.byteLength);
      assertSameBytes(await readRef(ref), whole, "read back");
      await storage.deleteRecording(sessionId);
    });

    it("shows nothing under the key before finish", async () => {
      const sessionId = randomUUID();
      const writer = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
      await writeAll(writer, audio(100_000).chunks);
      const ref = storage.url(storage.trackKey(sessionId, "alice"));
      assert.equal(await readRef(ref), undefined);
      await writer.finish();
      assert.ok(await readRef(ref));
      await storage.deleteRecording(sessionId);
    });

    it("refuses writes after finish, returns the same result to a second finish, and keeps the track on a later abort", async () => {
      const sessionId = randomUUID();
      const writer = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
      await writer.write(new Uint8Array([1, 2, 3]));
      const first = writer.finish();
      assert.equal(writer.finish(), first);
      const { ref, bytes } = await first;
      assert.equal(bytes, 3);
      await assert.rejects(writer.write(new Uint8Array([4])), /finished/);
      await writer.abort();
      assertSameBytes(await readRef(ref), new Uint8Array([1, 2, 3]), "after a late abort");
      await storage.deleteRecording(sessionId);
    });

    for (const [what, size] of [
      ["under one part", 300_000],
      ["after parts were uploaded", 11 * MiB],
    ] as const) {
      it(`abort leaves nothing stored (${what}), and refuses the writer afterwards`, async () => {
        const sessionId = randomUUID();
        const writer = storage.openWriter(sessionId, "alice", CONTENT_TYPE);
        await writeAll(writer, audio(size).chunks);
        await writer.abort();
        await writer.abort();
        await assert.rejects(writer.write(new Uint8Array([1])), /aborted/);
        await assert.rejects(writer.finish(), /aborted/);
        await assertGone(storage.url(storage.trackKey(sessionId, "alice")));
      });
    }

    it("writes a manifest, reads it back, serves it through a presigned URL, and lists the session as finished only then", async () => {
      const sessionId = randomUUID();
      const trackRef = await recordTrack(sessionId, "alice", randomBytes(2000));
      const future = new Date(Date.now() + 10 * MINUTE);
      assert.ok(!(await listedSessions(future)).includes(sessionId), "a session without a manifest is not listed");
      const manifest = manifestOf(sessionId, [{ userId: "alice", key: storage.trackKey(sessionId, "alice"), startOffsetSeconds: 1.5, durationSeconds: 60, bytes: 2000, chunks: 1 }]);
      const ref = await storage.writeManifest(manifest);
      assert.equal(ref, storage.url(storage.manifestKey(sessionId)));
      assert.deepEqual(await storage.readManifest(ref), manifest);
      const served = await readRef(ref);
      assert.ok(served);
      assert.deepEqual(JSON.parse(Buffer.from(served).toString("utf8")), manifest);
      const listed = await storage.listOlderThan(future);
      assert.deepEqual(listed.find((r) => r.sessionId === sessionId), { sessionId, ref });
      assert.ok(!(await listedSessions(new Date(Date.now() - 10 * MINUTE))).includes(sessionId), "not listed against a cutoff in the past");
      assert.ok(await readRef(trackRef));
      assert.equal(await storage.readManifest(storage.url(storage.manifestKey(randomUUID()))), undefined, "a missing manifest");
      await storage.deleteRecording(sessionId);
    });

    it("deletes a session's tracks and manifest together, and deleting them again succeeds", async () => {
      const sessionId = randomUUID();
      const other = randomUUID();
      const alice = await recordTrack(sessionId, "alice", randomBytes(10_000));
      const bob = await recordTrack(sessionId, "bob", randomBytes(10_000));
      const kept = await recordTrack(other, "alice", randomBytes(100));
      const manifest = await storage.writeManifest(manifestOf(sessionId));
      await storage.deleteRecording(sessionId);
      await assertGone(alice);
      await assertGone(bob);
      await assertGone(manifest);
      assert.ok(!(await listedSessions(new Date(Date.now() + 10 * MINUTE))).includes(sessionId));
      assert.ok(await readRef(kept), "another session is untouched");
      await storage.deleteRecording(sessionId);
      await storage.deleteRecording(other);
    });

    it("replaces a participant's earlier track when it is recorded again", async () => {
      const sessionId = randomUUID();
      await recordTrack(sessionId, "alice", randomBytes(5000));
      const second = randomBytes(3000);
      const ref = await recordTrack(sessionId, "alice", second);
      assertSameBytes(await readRef(ref), second, "the second track");
      await storage.deleteRecording(sessionId);
    });

    it("refuses invalid session ids, user ids, content types, expiries and refs of another storage", async () => {
      for (const bad of ["", "../etc/passwd", "a/b", ".hidden", "x".repeat(129), "id with space"]) {
        assert.throws(() => storage.openWriter(bad, "alice", CONTENT_TYPE), RangeError, bad);
        await assert.rejects(storage.deleteRecording(bad), RangeError, bad);
      }
      assert.throws(() => storage.openWriter(randomUUID(), "", CONTENT_TYPE), RangeError);
      assert.throws(() => storage.openWriter(randomUUID(), "u".repeat(129), CONTENT_TYPE), RangeError);
      assert.throws(() => storage.openWriter(randomUUID(), "alice", ""), RangeError);
      assert.throws(() => storage.openWriter(randomUUID(), "alice", "audio/webm\r\nx-evil: 1"), RangeError);
      const ref = storage.url(storage.trackKey(randomUUID(), "alice"));
      await assert.rejects(storage.presignedGetUrl(ref, 0), RangeError);
      await assert.rejects(storage.presignedGetUrl(ref, 604_801), RangeError);
      await assert.rejects(storage.presignedGetUrl(ref, 1.5), RangeError);
      await assert.rejects(storage.readManifest(ref), RangeError, "a track is not a manifest");
      for (const foreign of ["s3://some-other-bucket/sessions/x/manifest.json", "file:///etc/passwd", "https://example.invalid/x.webm", "not a ref"]) {
        await assert.rejects(storage.presignedGetUrl(foreign, 60), RangeError, foreign);
        await assert.rejects(storage.readManifest(foreign), RangeError, foreign);
      }
    });

    it("close aborts the writers still open and then refuses new ones and pings", async () => {
      const other = (await make()).storage;
      extra.push(other);
      const sessionId = randomUUID();
      const writer = other.openWriter(sessionId, "alice", CONTENT_TYPE);
      await writeAll(writer, audio(200_000).chunks);
      await other.close();
      await assert.rejects(writer.finish(), /aborted/);
      assert.throws(() => other.openWriter(randomUUID(), "alice", CONTENT_TYPE), /closed/);
      await assert.rejects(other.ping(), /closed/);
      await assertGone(storage.url(storage.trackKey(sessionId, "alice")));
    });
  });
}

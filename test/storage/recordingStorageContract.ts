import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import type { RecordingStorage, RecordingWriter } from "../../src/storage/recordingStorage.js";

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

    async function assertGone(ref: string): Promise<void> {
      assert.equal(await readRef(ref), undefined, "the recording can no longer be read");
      const all = await storage.listOlderThan(new Date(Date.now() + 10 * MINUTE));
      assert.ok(!all.includes(ref), "the recording is no longer listed");
    }

    it("answers ping", async () => {
      await storage.ping();
    });

    it("keys a session's recording `<prefix><sessionId>.webm` and refers to it by URL", () => {
      const sessionId = randomUUID();
      const key = storage.keyFor(sessionId);
      assert.ok(key.endsWith(`${sessionId}.webm`), key);
      const ref = storage.url(key);
      assert.ok(ref.startsWith(storage.kind === "s3" ? "s3://" : "file:///"), ref);
      assert.ok(ref.endsWith(`/${key}`), ref);
    });

    it("streams chunks totalling over 5 MiB (a multipart upload) and serves them back byte-identical through a presigned URL", async () => {
      const sessionId = randomUUID();
      const { chunks, whole } = audio(6 * MiB + 12_345);
      assert.ok(chunks.length > 40);
      const writer = storage.openWriter(sessionId, CONTENT_TYPE);
      await writeAll(writer, chunks);
      const { ref, bytes } = await writer.finish();
      assert.equal(bytes, whole.byteLength);
      assert.equal(ref, storage.url(storage.keyFor(sessionId)));
      assertSameBytes(await readRef(ref), whole, "read back");
      await storage.delete(ref);
    });

    it("stores a short recording (under one part) and an empty one", async () => {
      const { chunks, whole } = audio(70_000, 4096);
      const writer = storage.openWriter(randomUUID(), CONTENT_TYPE);
      await writeAll(writer, chunks);
      const short = await writer.finish();
      assert.equal(short.bytes, 70_000);
      assertSameBytes(await readRef(short.ref), whole, "short recording");

      const empty = await storage.openWriter(randomUUID(), "audio/webm").finish();
      assert.equal(empty.bytes, 0);
      assertSameBytes(await readRef(empty.ref), new Uint8Array(0), "empty recording");
      await storage.delete(short.ref);
      await storage.delete(empty.ref);
    });

    it("keeps chunks in order when writes are not awaited one by one", async () => {
      const { chunks, whole } = audio(2 * MiB, 64 * 1024);
      const writer = storage.openWriter(randomUUID(), CONTENT_TYPE);
      await Promise.all(chunks.map((c) => writer.write(c)));
      const { ref, bytes } = await writer.finish();
      assert.equal(bytes, whole.byteLength);
      assertSameBytes(await readRef(ref), whole, "read back");
      await storage.delete(ref);
    });

    it("shows nothing under the key before finish", async () => {
      const sessionId = randomUUID();
      const writer = storage.openWriter(sessionId, CONTENT_TYPE);
      await writeAll(writer, audio(100_000).chunks);
      const ref = storage.url(storage.keyFor(sessionId));
      assert.equal(await readRef(ref), undefined);
      await writer.finish();
      assert.ok(await readRef(ref));
      await storage.delete(ref);
    });

    it("refuses writes after finish, returns the same result to a second finish, and keeps the recording on a later abort", async () => {
      const writer = storage.openWriter(randomUUID(), CONTENT_TYPE);
      await writer.write(new Uint8Array([1, 2, 3]));
      const first = writer.finish();
      assert.equal(writer.finish(), first);
      const { ref, bytes } = await first;
      assert.equal(bytes, 3);
      await assert.rejects(writer.write(new Uint8Array([4])), /finished/);
      await writer.abort();
      assertSameBytes(await readRef(ref), new Uint8Array([1, 2, 3]), "after a late abort");
      await storage.delete(ref);
    });

    for (const [what, size] of [
      ["under one part", 300_000],
      ["after parts were uploaded", 11 * MiB],
    ] as const) {
      it(`abort leaves nothing stored (${what}), and refuses the writer afterwards`, async () => {
        const sessionId = randomUUID();
        const writer = storage.openWriter(sessionId, CONTENT_TYPE);
        await writeAll(writer, audio(size).chunks);
        await writer.abort();
        await writer.abort();
        await assert.rejects(writer.write(new Uint8Array([1])), /aborted/);
        await assert.rejects(writer.finish(), /aborted/);
        await assertGone(storage.url(storage.keyFor(sessionId)));
      });
    }

    it("deletes a recording, and deleting it again succeeds", async () => {
      const writer = storage.openWriter(randomUUID(), CONTENT_TYPE);
      await writer.write(randomBytes(10_000));
      const { ref } = await writer.finish();
      assert.ok(await readRef(ref));
      await storage.delete(ref);
      await assertGone(ref);
      await storage.delete(ref);
    });

    it("replaces a session's earlier recording when it is recorded again", async () => {
      const sessionId = randomUUID();
      const first = storage.openWriter(sessionId, CONTENT_TYPE);
      await first.write(randomBytes(5000));
      await first.finish();
      const again = storage.openWriter(sessionId, CONTENT_TYPE);
      const second = randomBytes(3000);
      await again.write(second);
      const { ref } = await again.finish();
      assertSameBytes(await readRef(ref), second, "the second recording");
      await storage.delete(ref);
    });

    it("lists a recording as older than a cutoff after it, not before it", async () => {
      const writer = storage.openWriter(randomUUID(), CONTENT_TYPE);
      await writer.write(randomBytes(1000));
      const { ref } = await writer.finish();
      const unfinished = storage.openWriter(randomUUID(), CONTENT_TYPE);
      await unfinished.write(randomBytes(1000));

      const later = await storage.listOlderThan(new Date(Date.now() + 10 * MINUTE));
      assert.ok(later.includes(ref), "listed against a cutoff in the future");
      assert.ok(later.every((r) => r.startsWith(storage.kind === "s3" ? "s3://" : "file:///") && r.endsWith(".webm")), "refs only");
      assert.ok(!later.includes(storage.url(storage.keyFor("never-recorded"))));
      const earlier = await storage.listOlderThan(new Date(Date.now() - 10 * MINUTE));
      assert.ok(!earlier.includes(ref), "not listed against a cutoff in the past");

      await unfinished.abort();
      await storage.delete(ref);
    });

    it("records two sessions at once without mixing their bytes", async () => {
      const a = audio(5 * MiB + 999, 32 * 1024);
      const b = audio(3 * MiB + 7, 48 * 1024);
      const writerA = storage.openWriter(randomUUID(), CONTENT_TYPE);
      const writerB = storage.openWriter(randomUUID(), CONTENT_TYPE);
      for (let i = 0; i < Math.max(a.chunks.length, b.chunks.length); i++) {
        const chunkA = a.chunks[i];
        const chunkB = b.chunks[i];
        await Promise.all([chunkA ? writerA.write(chunkA) : undefined, chunkB ? writerB.write(chunkB) : undefined]);
      }
      const [doneA, doneB] = await Promise.all([writerA.finish(), writerB.finish()]);
      assert.notEqual(doneA.ref, doneB.ref);
      assertSameBytes(await readRef(doneA.ref), a.whole, "session A");
      assertSameBytes(await readRef(doneB.ref), b.whole, "session B");
      await storage.delete(doneA.ref);
      await storage.delete(doneB.ref);
    });

    it("refuses invalid session ids, content types, expiries and refs of another storage", async () => {
      for (const bad of ["", "../etc/passwd", "a/b", ".hidden", "x".repeat(129), "id with space"]) {
        assert.throws(() => storage.openWriter(bad, CONTENT_TYPE), RangeError, bad);
      }
      assert.throws(() => storage.openWriter(randomUUID(), ""), RangeError);
      assert.throws(() => storage.openWriter(randomUUID(), "audio/webm\r\nx-evil: 1"), RangeError);
      const ref = storage.url(storage.keyFor(randomUUID()));
      await assert.rejects(storage.presignedGetUrl(ref, 0), RangeError);
      await assert.rejects(storage.presignedGetUrl(ref, 604_801), RangeError);
      await assert.rejects(storage.presignedGetUrl(ref, 1.5), RangeError);
      for (const foreign of ["s3://some-other-bucket/sessions/x.webm", "file:///etc/passwd", "https://example.invalid/x.webm", "not a ref"]) {
        await assert.rejects(storage.presignedGetUrl(foreign, 60), RangeError, foreign);
        await assert.rejects(storage.delete(foreign), RangeError, foreign);
      }
    });

    it("close aborts the writers still open and then refuses new ones and pings", async () => {
      const other = (await make()).storage;
      extra.push(other);
      const sessionId = randomUUID();
      const writer = other.openWriter(sessionId, CONTENT_TYPE);
      await writeAll(writer, audio(200_000).chunks);
      await other.close();
      await assert.rejects(writer.finish(), /aborted/);
      assert.throws(() => other.openWriter(randomUUID(), CONTENT_TYPE), /closed/);
      await assert.rejects(other.ping(), /closed/);
      await assertGone(storage.url(storage.keyFor(sessionId)));
    });
  });
}

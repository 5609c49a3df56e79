import assert from "node:assert/strict";
import { eventually } from "../support/conversations.js";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isParleyError } from "../../src/errors/errorCodes.js";
import { createLocalRecordingStorage, type LocalRecordingStorage } from "../../src/storage/localRecordingStorage.js";
import { describeRecordingStorageContract } from "./recordingStorageContract.js";

const dir = mkdtempSync(join(tmpdir(), "parley-recordings-"));
const SECRET = "test-signing-secret";

/** Reads a presigned URL the way the HTTP route serving them will: verify, then read the file. */
async function readPresigned(storage: LocalRecordingStorage, url: string): Promise<Uint8Array | undefined> {
  const path = storage.resolvePresignedUrl(url);
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

describe("local recording storage", () => {
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // Every fixture shares the directory and secret, as several processes on one machine would.
  describeRecordingStorageContract("local", async () => {
    const storage = createLocalRecordingStorage(dir, { signingSecret: SECRET });
    return { storage, readPresigned: (url) => readPresigned(storage, url) };
  });

  describe("local specifics", () => {
    const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
    let now = T0;
    const storage = createLocalRecordingStorage(join(dir, "specifics"), { signingSecret: SECRET, urlBasePath: "/api/recordings/", now: () => now });

    after(async () => {
      await storage.close();
    });

    async function record(bytes: Uint8Array, sessionId: string = randomUUID()): Promise<string> {
      const writer = storage.openWriter(sessionId, "alice", "audio/webm");
      await writer.write(bytes);
      return (await writer.finish()).ref;
    }

    async function finishRecording(sessionId: string): Promise<string> {
      await record(new Uint8Array([1]), sessionId);
      const at = new Date().toISOString();
      return storage.writeManifest({ version: 1, sessionId, contentType: "audio/webm", startedAt: at, endedAt: at, tracks: [], corrections: [] });
    }

    function assertForbidden(fn: () => unknown, why: RegExp): void {
      assert.throws(fn, (err: unknown) => isParleyError(err) && err.code === "FORBIDDEN" && why.test(err.message));
    }

    it("writes `<sessionId>/<userId>.webm` in its directory, creating the folders, with no part file left", async () => {
      const sessionId = randomUUID();
      const writer = storage.openWriter(sessionId, "alice", "audio/webm");
      await writer.write(new Uint8Array([1, 2]));
      // The write stream opens its file asynchronously: wait for the part file to appear.
      const partShown = async () => (await readdir(join(storage.dir, sessionId)).catch(() => [] as string[])).some((n) => n.startsWith(".alice.webm.") && n.endsWith(".part"));
      await eventually(partShown, "a part file while recording");
      assert.ok(!(await readdir(join(storage.dir, sessionId))).includes("alice.webm"), "nothing under the key before finish");
      const { ref } = await writer.finish();
      assert.equal(ref, `file://${storage.dir}/${sessionId}/alice.webm`);
      assert.deepEqual(await readdir(join(storage.dir, sessionId)), ["alice.webm"]);
      await storage.deleteRecording(sessionId);
      assert.ok(!(await readdir(storage.dir)).includes(sessionId), "the session's folder is removed");
    });

    it("abort removes the part file", async () => {
      const sessionId = randomUUID();
      const writer = storage.openWriter(sessionId, "alice", "audio/webm");
      await writer.write(randomBytes(70_000));
      await writer.abort();
      assert.deepEqual(await readdir(join(storage.dir, sessionId)), []);
    });

    it("signs relative URLs under its base path that resolve to the file until they expire", async () => {
      const ref = await record(new Uint8Array([9, 8, 7]));
      const url = await storage.presignedGetUrl(ref, 60);
      assert.match(url, /^\/api\/recordings\/[0-9a-f-]+%2Falice\.webm\?expires=\d+&signature=[\w-]+$/);
      assert.deepEqual(await readFile(storage.resolvePresignedUrl(url)), Buffer.from([9, 8, 7]));
      assert.equal(storage.resolvePresignedUrl(`http://parley.example${url}`), storage.resolvePresignedUrl(url), "an origin is ignored");
      now = T0 + 59_000;
      storage.resolvePresignedUrl(url);
      now = T0 + 60_000;
      assertForbidden(() => storage.resolvePresignedUrl(url), /expired/);
      now = T0;
    });

    it("refuses tampered, foreign and malformed URLs with FORBIDDEN", async () => {
      const ref = await record(new Uint8Array([1]));
      const url = await storage.presignedGetUrl(ref, 60);
      const other = await storage.presignedGetUrl(await record(new Uint8Array([2])), 60);
      const parsed = new URL(url, "http://x");
      const expires = Number(parsed.searchParams.get("expires"));
      assertForbidden(() => storage.resolvePresignedUrl(url.replace(/expires=\d+/, `expires=${expires + 3600}`)), /signature/);
      assertForbidden(() => storage.resolvePresignedUrl(url.replace(/signature=[\w-]+/, new URL(other, "http://x").search.replace(/.*signature/, "signature"))), /signature/);
      assertForbidden(() => storage.resolvePresignedUrl(url.replace("/api/recordings/", "/recordings/")), /not a recording URL/);
      assertForbidden(() => storage.resolvePresignedUrl(url.replace(/\/api\/recordings\/[^?]+/, "/api/recordings/..%2Fsecret.webm")), /malformed/);
      assertForbidden(() => storage.resolvePresignedUrl(url.replace(/&signature=.*/, "")), /signature/);
      assertForbidden(() => storage.resolvePresignedUrl(parsed.pathname), /malformed/);
      const stranger = createLocalRecordingStorage(storage.dir, { signingSecret: "another secret", urlBasePath: "/api/recordings/" });
      assertForbidden(() => stranger.resolvePresignedUrl(url), /signature/);
    });

    it("lists by the manifest's modification time: a recording finished 31 days ago is older than a 30-day cutoff", async () => {
      const oldSession: string = randomUUID();
      const newSession: string = randomUUID();
      const oldRef = await finishRecording(oldSession);
      await finishRecording(newSession);
      const day = 24 * 3600 * 1000;
      const oldTime = new Date(Date.now() - 31 * day);
      await utimes(new URL(oldRef), oldTime, oldTime);
      const listed = await storage.listOlderThan(new Date(Date.now() - 30 * day));
      assert.deepEqual(listed.filter((r) => [oldSession, newSession].includes(r.sessionId)), [{ sessionId: oldSession, ref: oldRef }]);
      await storage.deleteRecording(oldSession);
      await storage.deleteRecording(newSession);
    });

    it("lists only finished recordings: no part files, hidden or foreign files", async () => {
      await writeFile(join(storage.dir, "notes.txt"), "x");
      await writeFile(join(storage.dir, `.${randomUUID()}.webm.${randomUUID()}.part`), "x");
      const listed = await storage.listOlderThan(new Date(Date.now() + 60_000));
      assert.ok(listed.every((r) => /\/[0-9a-f-]+\/manifest\.json$/.test(r.ref)), listed.map((r) => r.ref).join(", "));
    });

    it("fails finish, leaving nothing, when the file cannot be put in place", async () => {
      const gone = createLocalRecordingStorage(join(dir, "vanishing"));
      const writer = gone.openWriter(randomUUID(), "alice", "audio/webm");
      await writer.write(randomBytes(1000));
      await rm(gone.dir, { recursive: true });
      await assert.rejects(writer.finish(), { code: "ENOENT" });
      await assert.rejects(writer.write(new Uint8Array([1])), /failed/);
      assert.deepEqual(await gone.listOlderThan(new Date(Date.now() + 60_000)), []);
      await gone.close();
    });

    it("lists nothing before its directory exists", async () => {
      const fresh = createLocalRecordingStorage(join(dir, "never-created"));
      assert.deepEqual(await fresh.listOlderThan(new Date(Date.now() + 60_000)), []);
      await fresh.close();
    });
  });
});

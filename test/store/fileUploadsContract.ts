import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { FileUploadProgress } from "../../src/store/fileUploads.js";
import type { Store } from "../../src/store/repositories.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

/** The `file_uploads` part of the store contract (seed 003 §4; issue 10 recording tracks). */
export function describeFileUploads(getStore: () => Store): void {
  describe("file uploads", () => {
    const progress = (sessionId: string, userId: string, overrides: Partial<FileUploadProgress> = {}): FileUploadProgress => ({
      sessionId,
      userId,
      key: `sessions/${sessionId}/${userId}.webm`,
      status: "uploading",
      chunks: 0,
      bytes: 0,
      at: T0,
      ...overrides,
    });

    it("creates a track's upload on its first report and follows it to completed, per session", async () => {
      const store = getStore();
      const sessionId = randomUUID();
      await store.fileUploads.record(progress(sessionId, "bob"), "audio/webm;codecs=opus");
      await store.fileUploads.record(progress(sessionId, "alice"), "audio/webm;codecs=opus");
      await store.fileUploads.record(progress(sessionId, "alice", { status: "completed", chunks: 1800, bytes: 7_200_000, at: T0 + 1_800_000 }), "ignored");
      await store.fileUploads.record(progress(randomUUID(), "alice"), "audio/webm");
      const uploads = await store.fileUploads.listBySession(sessionId);
      assert.deepEqual(uploads, [
        { uploadId: `${sessionId}/alice`, userId: "alice", sessionId, storageKey: `sessions/${sessionId}/alice.webm`, mimeType: "audio/webm;codecs=opus", status: "completed", chunks: 1800, bytes: 7_200_000, createdAt: new Date(T0), updatedAt: new Date(T0 + 1_800_000), endedAt: new Date(T0 + 1_800_000) },
        { uploadId: `${sessionId}/bob`, userId: "bob", sessionId, storageKey: `sessions/${sessionId}/bob.webm`, mimeType: "audio/webm;codecs=opus", status: "uploading", chunks: 0, bytes: 0, createdAt: new Date(T0), updatedAt: new Date(T0) },
      ]);
    });

    it("keeps a failure's reason and never reopens an ended upload", async () => {
      const store = getStore();
      const sessionId = randomUUID();
      await store.fileUploads.record(progress(sessionId, "alice"), "audio/webm");
      await store.fileUploads.record(progress(sessionId, "alice", { status: "failed", chunks: 12, bytes: 48_000, error: "UploadPart failed after 4 attempts", at: T0 + 60_000 }), "audio/webm");
      await store.fileUploads.record(progress(sessionId, "alice", { status: "uploading", chunks: 13, bytes: 52_000, at: T0 + 61_000 }), "audio/webm");
      await store.fileUploads.record(progress(sessionId, "alice", { status: "completed", chunks: 13, bytes: 52_000, at: T0 + 62_000 }), "audio/webm");
      const [upload] = await store.fileUploads.listBySession(sessionId);
      assert.equal(upload?.status, "failed");
      assert.equal(upload?.error, "UploadPart failed after 4 attempts");
      assert.deepEqual([upload?.chunks, upload?.bytes, upload?.endedAt?.getTime()], [12, 48_000, T0 + 60_000]);
      assert.deepEqual(await store.fileUploads.listBySession(randomUUID()), []);
    });
  });
}

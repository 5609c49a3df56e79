import { DeleteObjectCommand, HeadObjectCommand, paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/config.js";
import type { RecordingStorage } from "../../src/storage/recordingStorage.js";
import { createS3Client, createS3RecordingStorage } from "../../src/storage/s3RecordingStorage.js";
import { describeRecordingStorageContract } from "../storage/recordingStorageContract.js";

/**
 * The recording storage contract against a real S3-compatible server named by `S3_ENDPOINT`,
 * `S3_BUCKET`, `S3_REGION`, `S3_ACCESS_KEY_ID`, `S3_SECRET_ACCESS_KEY`, `S3_FORCE_PATH_STYLE`
 * (s3rver from `scripts/services.sh up s3`, or MinIO). Without `S3_ENDPOINT`/`S3_BUCKET` the
 * suite is skipped with a warning — except in CI (`CI=true`), where that is a failure.
 *
 * Each run writes under a prefix of its own (`S3_RECORDINGS_PREFIX` + a UUID) and deletes it
 * at the end.
 *
 * Caveat: s3rver does not verify request signatures (neither headers nor presigned URLs), so
 * wrong credentials, clock skew or a broken presigned URL signature are NOT caught against it;
 * they would be against MinIO or AWS.
 */
const endpoint = process.env.S3_ENDPOINT;
const bucket = process.env.S3_BUCKET;
const runPrefix = `${process.env.S3_RECORDINGS_PREFIX ?? "sessions/"}test-${randomUUID()}/`;

/** The `Config["s3"]` of this environment, through the real config parser, with the run's prefix. */
function s3Config(overrides: NodeJS.ProcessEnv = {}) {
  const env: NodeJS.ProcessEnv = { S3_RECORDINGS_PREFIX: runPrefix, ...overrides };
  for (const name of ["S3_BUCKET", "S3_ENDPOINT", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_FORCE_PATH_STYLE"]) {
    if (process.env[name] !== undefined && !(name in overrides)) env[name] = process.env[name];
  }
  return loadConfig(env).s3;
}

/** Fetches a presigned URL as a participant's browser would. */
async function readPresigned(url: string): Promise<Uint8Array | undefined> {
  const response = await fetch(url);
  if (response.status === 404) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.ok) throw new Error(`GET presigned URL: HTTP ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

describe("s3 recording storage (integration, S3_ENDPOINT)", function () {
  this.timeout(60_000);

  before(function () {
    if (endpoint && bucket) return;
    if (process.env.CI === "true") {
      throw new Error("S3_ENDPOINT/S3_BUCKET are not set, and CI=true: the S3 recording storage integration suite cannot be skipped in CI. Start a server (`bash scripts/services.sh up s3`) and export its variables (`eval \"$(bash scripts/services.sh env)\"`).");
    }
    console.warn("\n  SKIPPED the S3 recording storage integration suite: S3_ENDPOINT/S3_BUCKET are not set. Run `bash scripts/services.sh up s3 && eval \"$(bash scripts/services.sh env)\"` to run it.\n");
    this.skip();
  });

  after(async function () {
    if (!endpoint || !bucket) return;
    // Remove whatever this run left under its prefix.
    const client = createS3Client(s3Config());
    try {
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: runPrefix })) {
        for (const object of page.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: object.Key }));
      }
    } finally {
      client.destroy();
    }
  });

  describeRecordingStorageContract("s3", async () => ({ storage: createS3RecordingStorage(s3Config()), readPresigned }));

  describe("s3 specifics", () => {
    /** A command the storage's client sent, as the middleware saw it. */
    interface SentCommand {
      name: string;
      input: { Key?: string; UploadId?: string; PartNumber?: number; Body?: unknown };
      error?: string;
    }
    let storage: RecordingStorage;
    let client: S3Client;
    let sent: SentCommand[] = [];
    /** While set, every UploadPart waits for it (to hold a part "in flight"). */
    let partGate: Promise<void> | undefined;
    let onPartStarted: (() => void) | undefined;
    /** While true, every UploadPart fails (the backend "goes down"). */
    let failParts = false;
    /** UploadPart attempts still to fail with a 500 (retried by the client). */
    let transientPartFailures = 0;
    let attemptsFailed = 0;

    before(() => {
      const config = s3Config();
      client = createS3Client(config);
      // Observes (and can hold) the storage's requests: the only window into what the multipart writer does.
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const entry: SentCommand = { name: context.commandName ?? "?", input: args.input as SentCommand["input"] };
          sent.push(entry);
          if (entry.name === "UploadPartCommand") {
            onPartStarted?.();
            await partGate;
            if (failParts) throw Object.assign(new Error("injected UploadPart failure"), { name: "InjectedFailure" });
          }
          try {
            return await next(args);
          } catch (err) {
            entry.error = err instanceof Error ? err.name : String(err);
            throw err;
          }
        },
        { step: "initialize", name: "observeRecordingCommands" },
      );
      // Inside the client's retry loop: a transient server error on one attempt, as S3 answers now and then.
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === "UploadPartCommand" && transientPartFailures > 0) {
            transientPartFailures -= 1;
            attemptsFailed += 1;
            throw Object.assign(new Error("injected transient UploadPart failure"), { name: "InternalError", $fault: "server", $metadata: { httpStatusCode: 500 } });
          }
          return next(args);
        },
        { step: "deserialize", name: "failPartOnce" },
      );
      storage = createS3RecordingStorage(config, { client });
    });

    beforeEach(() => {
      sent = [];
    });

    after(async () => {
      await storage?.close();
      client?.destroy();
    });

    /** The session id of a track ref (`s3://bucket/<prefix><sessionId>/<user>.webm`). */
    const sessionOf = (ref: string) => ref.split("/").at(-2) ?? "";
    const names = () => sent.map((c) => c.name.replace(/Command$/, ""));
    const bodyBytes = (c: SentCommand) => (c.input.Body instanceof Uint8Array ? c.input.Body.byteLength : -1);

    it("keys recordings under S3_RECORDINGS_PREFIX and refers to them as s3://bucket/key", () => {
      const sessionId = randomUUID();
      assert.equal(storage.trackKey(sessionId, "alice"), `${runPrefix}${sessionId}/alice.webm`);
      assert.equal(storage.url(storage.trackKey(sessionId, "alice")), `s3://${bucket}/${runPrefix}${sessionId}/alice.webm`);
      assert.equal(storage.url(storage.manifestKey(sessionId)), `s3://${bucket}/${runPrefix}${sessionId}/manifest.json`);
    });

    it("uploads over 5 MiB as a multipart upload of 5 MiB parts and stores the content type", async () => {
      const writer = storage.openWriter(randomUUID(), "alice", "audio/webm;codecs=opus");
      for (let i = 0; i < 11; i++) await writer.write(randomBytes(1024 * 1024));
      const { ref, bytes } = await writer.finish();
      assert.equal(bytes, 11 * 1024 * 1024);
      assert.deepEqual(names(), ["CreateMultipartUpload", "UploadPart", "UploadPart", "UploadPart", "CompleteMultipartUpload"]);
      assert.deepEqual(sent.filter((c) => c.name === "UploadPartCommand").map(bodyBytes), [5 * 1024 * 1024, 5 * 1024 * 1024, 1024 * 1024]);
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: ref.slice(`s3://${bucket}/`.length) }));
      assert.equal(head.ContentLength, bytes);
      assert.equal(head.ContentType, "audio/webm;codecs=opus");
      await storage.deleteRecording(sessionOf(ref));
    });

    it("uploads a recording under 5 MiB as one PutObject at finish", async () => {
      const writer = storage.openWriter(randomUUID(), "alice", "audio/webm");
      for (let i = 0; i < 10; i++) await writer.write(randomBytes(4096));
      assert.deepEqual(names(), [], "nothing sent before finish");
      const { ref } = await writer.finish();
      assert.deepEqual(names(), ["PutObject"]);
      await storage.deleteRecording(sessionOf(ref));
    });

    it("aborts the multipart upload when a writer is aborted after parts were uploaded", async () => {
      const writer = storage.openWriter(randomUUID(), "alice", "audio/webm");
      for (let i = 0; i < 6; i++) await writer.write(randomBytes(1024 * 1024));
      await writer.abort();
      const create = sent.find((c) => c.name === "CreateMultipartUploadCommand");
      const abort = sent.find((c) => c.name === "AbortMultipartUploadCommand");
      assert.ok(abort, `AbortMultipartUpload sent (sent: ${names().join(", ")})`);
      assert.equal(abort.input.Key, create?.input.Key);
      assert.ok(abort.input.UploadId);
      assert.ok(!names().includes("CompleteMultipartUpload"));
      // s3rver 3.7 does not implement AbortMultipartUpload (405 MethodNotAllowed), so its parts
      // stay on its disk; S3, R2 and MinIO delete them. The object itself never appears (contract).
    });

    it("applies backpressure: writes stop being accepted while a part upload is in flight", async () => {
      let release!: () => void;
      partGate = new Promise<void>((resolve) => (release = resolve));
      const partStarted = new Promise<void>((resolve) => (onPartStarted = resolve));
      const chunk = 256 * 1024;
      const total = 20 * 1024 * 1024;
      const whole = randomBytes(total);
      let accepted = 0;
      const writer = storage.openWriter(randomUUID(), "alice", "audio/webm");
      const writing = (async () => {
        for (let offset = 0; offset < total; offset += chunk) {
          await writer.write(whole.subarray(offset, offset + chunk));
          accepted += chunk;
        }
      })();
      try {
        await partStarted;
        // Let the writing loop run as far as it can (it would write all 20 MiB without backpressure).
        for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
        assert.ok(accepted <= 6 * 1024 * 1024, `at most one part plus the stream buffer accepted while the part is held, got ${accepted} bytes`);
      } finally {
        partGate = undefined;
        onPartStarted = undefined;
        release();
      }
      await writing;
      const { ref, bytes } = await writer.finish();
      assert.equal(bytes, total);
      assert.deepEqual(await readPresigned(await storage.presignedGetUrl(ref, 60)), new Uint8Array(whole));
      await storage.deleteRecording(sessionOf(ref));
    });

    it("retries a part upload that fails with a server error, and completes the track", async () => {
      transientPartFailures = 2;
      attemptsFailed = 0;
      const sessionId = randomUUID();
      const whole = randomBytes(6 * 1024 * 1024);
      const writer = storage.openWriter(sessionId, "alice", "audio/webm");
      for (let offset = 0; offset < whole.byteLength; offset += 64 * 1024) await writer.write(whole.subarray(offset, offset + 64 * 1024));
      const { ref } = await writer.finish();
      assert.equal(attemptsFailed, 2, "two attempts failed");
      assert.ok(names().includes("CompleteMultipartUpload"));
      assert.ok(!names().includes("AbortMultipartUpload"));
      assert.deepEqual(await readPresigned(await storage.presignedGetUrl(ref, 60)), new Uint8Array(whole));
      await storage.deleteRecording(sessionId);
    });

    it("rejects writes and finish once a part upload failed, and stores nothing", async () => {
      failParts = true;
      const sessionId = randomUUID();
      const writer = storage.openWriter(sessionId, "alice", "audio/webm");
      try {
        let failure: unknown;
        for (let i = 0; i < 30 && failure === undefined; i++) {
          await writer.write(randomBytes(1024 * 1024)).catch((err: unknown) => (failure = err));
        }
        assert.ok(failure instanceof Error, "a write rejected after the part failed");
        await assert.rejects(writer.finish());
      } finally {
        failParts = false;
      }
      await writer.abort();
      assert.equal(await readPresigned(await storage.presignedGetUrl(storage.url(storage.trackKey(sessionId, "alice")), 60)), undefined);
      assert.ok(names().includes("AbortMultipartUpload"));
    });

    it("spools a track to local disk while it uploads, and leaves no spool file after finish or abort", async () => {
      const spoolDir = mkdtempSync(join(tmpdir(), "parley-spool-test-"));
      const spooling = createS3RecordingStorage(s3Config(), { client, spoolDir, partUploadConcurrency: 1 });
      try {
        const finishedTrack = spooling.openWriter(randomUUID(), "alice", "audio/webm");
        const abortedTrack = spooling.openWriter(randomUUID(), "alice", "audio/webm");
        for (let i = 0; i < 6; i++) {
          await finishedTrack.write(randomBytes(1024 * 1024));
          await abortedTrack.write(randomBytes(1024 * 1024));
        }
        assert.equal(readdirSync(spoolDir).length, 2, "one spool file per open track");
        const { ref } = await finishedTrack.finish();
        await abortedTrack.abort();
        assert.deepEqual(readdirSync(spoolDir), []);
        await spooling.deleteRecording(sessionOf(ref));
      } finally {
        await spooling.close();
        rmSync(spoolDir, { recursive: true, force: true });
      }
    });

    it("presigns a GET URL on the endpoint, path style, with a SigV4 expiry", async () => {
      const ref = storage.url(storage.trackKey(randomUUID(), "alice"));
      const url = new URL(await storage.presignedGetUrl(ref, 900));
      assert.equal(url.origin, new URL(endpoint ?? "").origin);
      assert.equal(url.pathname, `/${bucket}/${ref.slice(`s3://${bucket}/`.length)}`);
      assert.equal(url.searchParams.get("X-Amz-Expires"), "900");
      assert.equal(url.searchParams.get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
    });

    it("fails ping, naming the bucket, when the bucket does not exist", async () => {
      const missing = createS3RecordingStorage(s3Config({ S3_BUCKET: `missing-${randomUUID()}` }));
      try {
        await assert.rejects(missing.ping(), /S3 bucket missing-.* is not reachable/);
      } finally {
        await missing.close();
      }
    });

    it("refuses a configuration without a bucket or with half a key pair, naming the variable", () => {
      const base = s3Config();
      assert.throws(() => createS3RecordingStorage({ ...base, bucket: undefined }), (err: unknown) => err instanceof ConfigError && err.variable === "S3_BUCKET");
      assert.throws(
        () => createS3RecordingStorage({ ...base, accessKeyId: "AKIA", secretAccessKey: undefined }),
        (err: unknown) => err instanceof ConfigError && err.variable === "S3_SECRET_ACCESS_KEY",
      );
    });
  });
});

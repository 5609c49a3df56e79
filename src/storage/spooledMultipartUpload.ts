import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";

/**
 * Bounds how many part buffers the process holds at once (all recordings together). Each part
 * is read from its spool file into memory only while it is sent, so memory is
 * `concurrency × partBytes` however many recordings are open.
 */
export class PartUploadSlots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  /** @param concurrency part uploads in flight at once, ≥ 1 */
  constructor(readonly concurrency: number) {
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`part upload concurrency must be an integer ≥ 1, got ${concurrency}`);
  }

  /** Runs `task` once a slot is free, in arrival order. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active += 1;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}

/** Where a {@link SpooledMultipartUpload} puts its object. */
export interface SpooledUploadTarget {
  client: S3Client;
  bucket: string;
  key: string;
  contentType: string;
  /** Directory of the spool files (created when missing). */
  spoolDir: string;
  /** Size of every part but the last, bytes (≥ 5 MiB on S3). */
  partBytes: number;
  slots: PartUploadSlots;
}

/** Bytes the stream buffers before `write` applies backpressure. */
const STREAM_BUFFER_BYTES = 64 * 1024;

/**
 * A Writable that streams a recording track to S3 with bounded memory: the bytes are appended to
 * a spool file on local disk, and each full part ({@link SpooledUploadTarget.partBytes}) is read
 * back and sent as an `UploadPart` (a Buffer body, so the client's retries can resend it) while
 * the stream goes on — at most `slots.concurrency` parts in memory in the whole process. While a
 * part waits for a slot or is being sent, the stream's callback waits, so `write` applies
 * backpressure. At the end (`end()`), the rest is the last part and the upload is completed (a
 * track under one part is one `PutObject`). Destroyed (abort or failure), it aborts its multipart
 * upload (`AbortMultipartUpload`) and deletes its spool file. The spool file of a process that
 * crashes stays in `spoolDir` (deleted at the next start is up to the operator: it is a temp dir).
 */
export class SpooledMultipartUpload extends Writable {
  private file?: FileHandle;
  private readonly spoolPath: string;
  private spooled = 0;
  private sent = 0;
  private uploadId?: string;
  private readonly parts: CompletedPart[] = [];

  constructor(private readonly target: SpooledUploadTarget) {
    super({ highWaterMark: STREAM_BUFFER_BYTES });
    mkdirSync(target.spoolDir, { recursive: true });
    this.spoolPath = join(target.spoolDir, `${randomUUID()}.spool`);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.append(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.complete().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.cleanup(error !== null)
      .catch(() => undefined)
      .then(() => callback(error));
  }

  private async append(chunk: Buffer): Promise<void> {
    this.file ??= await open(this.spoolPath, "w+");
    await this.file.write(chunk, 0, chunk.byteLength, this.spooled);
    this.spooled += chunk.byteLength;
    while (this.spooled - this.sent >= this.target.partBytes) await this.sendPart(this.target.partBytes);
  }

  /** Sends the next `size` spooled bytes as one part. */
  private async sendPart(size: number): Promise<void> {
    const { client, bucket, key, contentType, slots } = this.target;
    if (!this.uploadId) {
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }));
      this.uploadId = created.UploadId;
    }
    const partNumber = this.parts.length + 1;
    const uploadId = this.uploadId;
    const etag = await slots.run(async () => {
      const body = await this.read(this.sent, size);
      return (await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: size }))).ETag;
    });
    this.parts.push({ PartNumber: partNumber, ETag: etag });
    this.sent += size;
  }

  private async complete(): Promise<void> {
    const { client, bucket, key, contentType, slots } = this.target;
    const rest = this.spooled - this.sent;
    if (!this.uploadId) {
      await slots.run(async () => client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await this.read(0, rest), ContentType: contentType, ContentLength: rest })));
    } else {
      if (rest > 0) await this.sendPart(rest);
      await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: this.uploadId, MultipartUpload: { Parts: this.parts } }));
      this.uploadId = undefined;
    }
    await this.cleanup(false);
  }

  private async read(position: number, size: number): Promise<Buffer> {
    const buffer = Buffer.alloc(size);
    if (size > 0 && this.file) await this.file.read(buffer, 0, size, position);
    return buffer;
  }

  /** Closes and deletes the spool file; aborts the multipart upload when `abort` and one is open. */
  private async cleanup(abort: boolean): Promise<void> {
    const { client, bucket, key } = this.target;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    const file = this.file;
    this.file = undefined;
    await file?.close().catch(() => undefined);
    await rm(this.spoolPath, { force: true });
    if (abort && uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
  }
}

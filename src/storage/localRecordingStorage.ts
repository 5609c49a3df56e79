import { createHmac, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import { access, constants, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { finished } from "node:stream/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ParleyError } from "../errors/errorCodes.js";
import {
  assertContentType,
  assertPresignedExpiry,
  manifestKey,
  MANIFEST_FILE,
  parseManifest,
  parseRecordingKey,
  recordingFolder,
  trackKey,
  type RecordingStorage,
  type RecordingWriter,
  type StoredRecording,
} from "./recordingStorage.js";
import { createStreamingRecordingWriter } from "./streamingRecordingWriter.js";

/** Options of {@link createLocalRecordingStorage}. */
export interface LocalRecordingStorageOptions {
  /**
   * Key of the HMAC-SHA256 that signs presigned URLs. Every process that must accept a URL
   * needs the same secret. @default 32 random bytes per storage (URLs valid in this process only)
   */
  signingSecret?: string | Uint8Array;
  /** Path prefix of presigned URLs; the HTTP route that serves them is mounted there. @default "/recordings/" */
  urlBasePath?: string;
  /** Clock for presigned URL expiry, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** The local directory implementation, plus what the HTTP route serving its presigned URLs needs. */
export interface LocalRecordingStorage extends RecordingStorage {
  readonly kind: "local";
  /** Absolute directory holding the recordings (`<sessionId>/<userId>.webm`, `<sessionId>/manifest.json`, and `.<file>.<uuid>.part` while writing). */
  readonly dir: string;
  /**
   * Checks a URL made by {@link RecordingStorage.presignedGetUrl} (path and query; an origin is
   * ignored) and returns the absolute path of the file it grants. Pure: the file may not exist
   * (serve 404 then) — serve it with `contentTypeOfKey` (`audio/webm` or `application/json`).
   * @param now epoch milliseconds @default the storage's clock
   * @throws ParleyError `FORBIDDEN` when the URL is malformed, tampered with, or expired
   */
  resolvePresignedUrl(url: string, now?: number): string;
}


/**
 * The embedded recording storage (DESIGN §1, §6): one folder per session in `dir` (by default
 * `${DATA_DIR}/recordings`), one file per track plus the manifest.
 *
 * - Keys are `<sessionId>/<userId>.webm` and `<sessionId>/manifest.json` (no prefix); refs are
 *   `file:///absolute/dir/<key>`.
 * - A writer streams to `<sessionId>/.<file>.<uuid>.part` through `fs.createWriteStream`
 *   (fsynced at the end) and renames it to the key on `finish`, so a reader never sees a
 *   half-written track and an abort just deletes the part file; the manifest is written the
 *   same way. A session is listed by `listOlderThan` only once its manifest exists (by the
 *   manifest's mtime); `deleteRecording` removes the session's folder, part files included.
 * - Presigned URLs are relative and HMAC-signed, like S3's: `<urlBasePath><key>?expires=<epoch
 *   seconds>&signature=<base64url HMAC-SHA256(secret, "GET\n<key>\n<expires>")>`. The HTTP
 *   layer mounts a route at `urlBasePath` that calls {@link LocalRecordingStorage.resolvePresignedUrl}
 *   and streams the file. (A `file://` URL would be useless to a participant's browser and would
 *   leak the server's paths.)
 *
 * Creates `dir` on the first writer or ping (the first writer does it synchronously, once).
 */
export function createLocalRecordingStorage(dir: string, options: LocalRecordingStorageOptions = {}): LocalRecordingStorage {
  const root = resolve(dir);
  const secret = options.signingSecret ?? randomBytes(32);
  const basePath = options.urlBasePath ?? "/recordings/";
  const now = options.now ?? Date.now;
  const writers = new Set<RecordingWriter>();
  /** Session folders known to exist (forgotten when a recording is deleted). */
  const createdFolders = new Set<string>();
  let closed = false;
  const partPathOf = (target: string) => join(dirname(target), `.${target.slice(dirname(target).length + 1)}.${randomUUID()}.part`);

  const sign = (key: string, expires: number) => createHmac("sha256", secret).update(`GET\n${key}\n${expires}`).digest("base64url");

  /** The key of a ref of this storage. @throws RangeError otherwise */
  function keyOfRef(ref: string): string {
    let path: string;
    try {
      path = fileURLToPath(ref);
    } catch {
      throw new RangeError(`not a recording of the local storage at ${root}: ${ref}`);
    }
    const key = path.startsWith(root + "/") ? path.slice(root.length + 1) : "";
    if (!parseRecordingKey("", key)) throw new RangeError(`not a recording of the local storage at ${root}: ${ref}`);
    return key;
  }

  const storage: LocalRecordingStorage = {
    kind: "local",
    dir: root,

    openWriter(sessionId, userId, contentType) {
      if (closed) throw new Error("local recording storage is closed");
      const key = trackKey("", sessionId, userId);
      assertContentType(contentType);
      const target = join(root, key);
      const partPath = partPathOf(target);
      // The stream opens its file right away, so the session's folder must exist (once per session).
      const folder = dirname(target);
      if (!createdFolders.has(folder)) {
        mkdirSync(folder, { recursive: true });
        createdFolders.add(folder);
      }
      const stream = createWriteStream(partPath, { flags: "wx", flush: true });
      const writer = createStreamingRecordingWriter(
        {
          stream,
          async complete() {
            await finished(stream);
            await rename(partPath, target);
            return storage.url(key);
          },
          async discard() {
            stream.destroy();
            await finished(stream).catch(() => {});
            await rm(partPath, { force: true });
          },
        },
        () => writers.delete(writer),
      );
      writers.add(writer);
      return writer;
    },

    trackKey(sessionId, userId) {
      return trackKey("", sessionId, userId);
    },

    manifestKey(sessionId) {
      return manifestKey("", sessionId);
    },

    async writeManifest(manifest) {
      if (closed) throw new Error("local recording storage is closed");
      const key = manifestKey("", manifest.sessionId);
      const target = join(root, key);
      await mkdir(dirname(target), { recursive: true });
      const partPath = partPathOf(target);
      await writeFile(partPath, JSON.stringify(manifest), { flag: "wx", flush: true });
      await rename(partPath, target);
      return storage.url(key);
    },

    async readManifest(ref) {
      const key = keyOfRef(ref);
      if (!key.endsWith(`/${MANIFEST_FILE}`)) throw new RangeError(`not a recording manifest: ${ref}`);
      let text: string;
      try {
        text = await readFile(join(root, key), "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
      return parseManifest(text);
    },

    url(key) {
      return pathToFileURL(join(root, key)).href;
    },

    async presignedGetUrl(ref, expiresInSeconds) {
      assertPresignedExpiry(expiresInSeconds);
      const key = keyOfRef(ref);
      const expires = Math.floor(now() / 1000) + expiresInSeconds;
      return `${basePath}${encodeURIComponent(key)}?expires=${expires}&signature=${sign(key, expires)}`;
    },

    resolvePresignedUrl(url, at = now()) {
      const forbidden = (why: string) => new ParleyError("FORBIDDEN", `recording URL refused: ${why}`);
      let parsed: URL;
      try {
        parsed = new URL(url, "http://recordings.invalid");
      } catch {
        throw forbidden("malformed");
      }
      if (!parsed.pathname.startsWith(basePath)) throw forbidden("not a recording URL");
      let key: string;
      try {
        key = decodeURIComponent(parsed.pathname.slice(basePath.length));
      } catch {
        throw forbidden("malformed");
      }
      const expiresText = parsed.searchParams.get("expires") ?? "";
      const signature = parsed.searchParams.get("signature") ?? "";
      if (!parseRecordingKey("", key) || !/^\d{1,12}$/.test(expiresText)) throw forbidden("malformed");
      const expires = Number(expiresText);
      const expected = Buffer.from(sign(key, expires));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw forbidden("bad signature");
      if (expires * 1000 <= at) throw forbidden("expired");
      return join(root, key);
    },

    async deleteRecording(sessionId) {
      const folder = join(root, recordingFolder("", sessionId));
      createdFolders.delete(folder.replace(/\/$/, ""));
      // The manifest first goes out of the listing (one unlink), then the folder.
      await rm(join(folder, MANIFEST_FILE), { force: true });
      await rm(folder, { recursive: true, force: true });
    },

    async listOlderThan(cutoff) {
      let names: string[];
      try {
        names = await readdir(root);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
      }
      const found: StoredRecording[] = [];
      for (const name of names) {
        const parsed = parseRecordingKey("", `${name}/${MANIFEST_FILE}`);
        if (!parsed) continue;
        try {
          const info = await stat(join(root, name, MANIFEST_FILE));
          if (info.isFile() && info.mtime.getTime() < cutoff.getTime()) found.push({ sessionId: parsed.sessionId, ref: storage.url(manifestKey("", parsed.sessionId)) });
        } catch (err) {
          // No manifest (unfinished) or deleted meanwhile: not a finished recording.
          if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        }
      }
      return found;
    },

    async ping() {
      if (closed) throw new Error("local recording storage is closed");
      await mkdir(root, { recursive: true });
      await access(root, constants.W_OK);
    },

    async close() {
      closed = true;
      await Promise.all([...writers].map((w) => w.abort()));
    },
  };
  return storage;
}

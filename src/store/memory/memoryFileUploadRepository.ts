import { applyFileUploadProgress, fileUploadId, type FileUploadRecord, type FileUploadRepository } from "../fileUploads.js";

/** `file_uploads` in memory (the embedded store). */
export class MemoryFileUploadRepository implements FileUploadRepository {
  private readonly byId = new Map<string, FileUploadRecord>();

  async record(progress: Parameters<FileUploadRepository["record"]>[0], mimeType: string): Promise<void> {
    const id = fileUploadId(progress.sessionId, progress.userId);
    const next = applyFileUploadProgress(this.byId.get(id), progress, mimeType);
    if (next) this.byId.set(id, next);
  }

  async listBySession(sessionId: string): Promise<FileUploadRecord[]> {
    return [...this.byId.values()].filter((r) => r.sessionId === sessionId).sort((a, b) => a.userId.localeCompare(b.userId)).map((r) => structuredClone(r));
  }
}

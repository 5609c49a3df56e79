import type { mongo } from "mongoose";

/**
 * Splits a record patch into fields to set and fields to remove: a key present with the
 * value `undefined` is removed (what the memory store's object spread amounts to on read),
 * and the record's `id` — stored as `_id` — is never written.
 */
export function splitPatch(patch: object): { set: Record<string, unknown>; unset: string[] } {
  const set: Record<string, unknown> = {};
  const unset: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === "id") continue;
    if (value === undefined) unset.push(key);
    else set[key] = value;
  }
  return { set, unset };
}

/**
 * True for a unique-index violation. MongoDB and FerretDB both answer an insert with code
 * 11000; FerretDB 1.24 answers an *update* that breaks a unique index with a generic code 1
 * ("UNIQUE constraint failed"), matched here by its message. FerretDB's error names neither
 * the index nor the key (no `keyPattern`/`keyValue`), so callers that need to know which
 * unique index refused the write look the document up.
 */
export function isDuplicateKeyError(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const { code, message } = err as Partial<mongo.MongoServerError>;
  return code === 11000 || code === 11001 || (typeof message === "string" && message.includes("UNIQUE constraint failed"));
}

import type { Model } from "mongoose";
import { isDuplicateKeyError } from "./documentUpdates.js";

/** What became of one document of {@link insertEach}: inserted, refused by a unique index, or failed. */
export type InsertOutcome = { status: "inserted" } | { status: "duplicate" } | { status: "failed"; error: unknown };

/** A driver `WriteError` or a Mongoose validation error standing in a result's place. */
function failureOf(result: unknown): unknown {
  if (result instanceof Error) return result;
  if (typeof result === "object" && result !== null && "errmsg" in result) return result;
  return undefined;
}

/**
 * Inserts `docs` in one unordered `insertMany` (validated by the model's schema): one round
 * trip for all of them, each document inserted or refused on its own (group commit, issue 11 §4).
 * @returns one outcome per document, in order; never throws (a failed call fails every document)
 */
export async function insertEach<D>(model: Model<D>, docs: readonly D[]): Promise<InsertOutcome[]> {
  if (docs.length === 0) return [];
  try {
    await model.insertMany(docs as D[], { ordered: false, throwOnValidationError: true });
    return docs.map(() => ({ status: "inserted" }));
  } catch (err) {
    const results = (err as { results?: unknown[] }).results;
    if (!Array.isArray(results) || results.length !== docs.length) return docs.map(() => ({ status: "failed", error: err }));
    return results.map((result): InsertOutcome => {
      const failure = failureOf(result);
      if (failure === undefined) return { status: "inserted" };
      const cause = (failure as { err?: unknown }).err ?? failure;
      return isDuplicateKeyError(failure) || isDuplicateKeyError(cause) ? { status: "duplicate" } : { status: "failed", error: failure };
    });
  }
}

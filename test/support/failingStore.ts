import type { Store } from "../../src/store/repositories.js";
import type { StoreWrite } from "../../src/store/storeWrites.js";

/**
 * Makes `store.writeBatch` fail on demand: every write for which `fails(write)` holds comes back
 * `failed` (a backend error), the others are applied as usual.
 * @returns a function that restores the store
 */
export function failWrites(store: Store, fails: (write: StoreWrite) => boolean): () => void {
  const original = store.writeBatch;
  const patched = store as { writeBatch: Store["writeBatch"] };
  patched.writeBatch = async (writes) => {
    const outcomes = await original.call(store, writes.filter((w) => !fails(w)));
    return writes.map((w) => (fails(w) ? { status: "failed" as const, error: new Error("store unavailable (test)") } : (outcomes.shift() ?? { status: "applied" as const })));
  };
  return () => {
    patched.writeBatch = original;
  };
}

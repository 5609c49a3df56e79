import fc from "fast-check";

/**
 * Seed of every fuzz suite: the same cases on every run (`FUZZ_SEED` replays another seed, e.g.
 * the one a failure printed).
 */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261207);

/** Cases per route or message family (issue: ≥ 1,000 in `npm test`). `FUZZ_RUNS` raises it. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

/** fast-check parameters shared by the fuzz suites. */
export function fuzzParameters<T>(): fc.Parameters<T> {
  return { seed: FUZZ_SEED, numRuns: FUZZ_RUNS, endOnFailure: true };
}

/** Strings a hostile client sends: empty, long, unicode, control characters, JSON-ish, path-ish. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "null", "undefined", "__proto__", "constructor", "../../etc/passwd", "%00", "\u0000", "{}", "[]", "NaN", "-1", "1e309", "💥".repeat(200)),
  fc.string({ maxLength: 3000 }).map((s) => s.padEnd(2500, "a")),
);

/** Any JSON-like value, including the nasty keys and deep nesting. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 8 }),
  fc.constantFrom(null, true, 0, -1, 1.5, "", [], {}, { __proto__: { polluted: true } }, { constructor: { prototype: { polluted: true } } }),
  fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }),
);

import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import fc from "fast-check";
import { ERROR_CODES } from "../../src/errors/errorCodes.js";

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

/** Codes a room may answer a hostile message with: any of the table but INTERNAL_ERROR. */
export const EXPECTED_CODES: ReadonlySet<string> = new Set(Object.keys(ERROR_CODES).filter((c) => c !== "INTERNAL_ERROR"));

/** Counts the `error` messages a room receives and resolves when the one naming `marker` arrives. */
export function errorCollector(room: Room) {
  const errors: { code: string; message: string }[] = [];
  let waiter: { marker: string; resolve: () => void } | undefined;
  room.onMessage("error", (e: { code: string; message: string }) => {
    errors.push(e);
    if (waiter && e.message.includes(waiter.marker)) waiter.resolve();
  });
  return {
    errors,
    /** Sends an unknown message named `marker` and waits for its answer: every earlier message was handled. */
    sync(marker: string): Promise<void> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${marker}`)), 60_000);
        waiter = { marker, resolve: () => (clearTimeout(timer), resolve()) };
        room.send(marker, {});
      });
    },
  };
}

/** Sends FUZZ_RUNS generated messages through `send`, then syncs, and checks every answer. */
export async function fuzzFamily(room: Room, collector: ReturnType<typeof errorCollector>, family: string, arbitrary: fc.Arbitrary<unknown>, send: (value: never) => void): Promise<void> {
  const before = collector.errors.length;
  fc.assert(
    fc.property(arbitrary, (value) => {
      send(value as never);
    }),
    fuzzParameters(),
  );
  await collector.sync(`sync_${family}`);
  const answered = collector.errors.slice(before);
  for (const e of answered) assert.ok(EXPECTED_CODES.has(e.code), `${family}: unexpected code ${e.code}: ${e.message}`);
  assert.ok(room.connection.isOpen, `${family}: the connection stays open`);
}


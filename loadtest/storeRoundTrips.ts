/**
 * Store round trips of the matchmaking path (issue 11 §4), counted on a real store: one
 * admission (`admitTicket` + the ticket's write), one match (the match unit's writes, as the
 * queue room sends them) and one session end (start, then end with stats, as the conversation
 * room sends them). Counted twice: calls on the Store port (a counting decorator) and, on
 * Mongo, the database commands the driver sends (command monitoring). Each phase runs after
 * `history` earlier sessions of the same users, so a count that grows with history shows.
 *
 *   npx tsx loadtest/storeRoundTrips.ts [--store memory|mongo] [--history 20]
 *   (also `npm run bench:matchmaking -- --count-ops …`)
 */
import type { Principal } from "../src/auth/principal.js";
import { loadConfig } from "../src/config/config.js";
import { events } from "../src/events/eventBuilders.js";
import { createMemoryRateLimits } from "../src/limits/rateLimits.js";
import { QueueCore } from "../src/matchmaking/queueCore.js";
import { admitTicket } from "../src/matchmaking/ticketAdmission.js";
import { matchRequestBodySchema } from "../src/matchmaking/matchRequestOptions.js";
import { createMemoryStore } from "../src/store/memory/memoryStore.js";
import { createMongoStore } from "../src/store/mongo/mongoStore.js";
import type { Store } from "../src/store/repositories.js";
import type { SessionRecord } from "../src/store/records.js";
import type { StoreWrite } from "../src/store/storeWrites.js";
import { TopicCatalog } from "../src/topics/topicCatalog.js";
import { dropDatabase, freshDatabaseUri } from "../test/integration/support/parleyCluster.js";

/** Counts per phase: Store port calls by method, database commands by name. */
interface Tally {
  port: Map<string, number>;
  commands: Map<string, number>;
}

/**
 * True when FerretDB 1.24 answers `command` by scanning its collection: a find, update,
 * delete or count whose filter is anything but `_id` equality (its only filter pushdown).
 */
function scans(name: string, command: Record<string, unknown>): boolean {
  const filters: unknown[] =
    name === "find" || name === "count" ? [command.filter ?? command.query] : name === "update" ? ((command.updates as { q: unknown }[]) ?? []).map((u) => u.q) : name === "delete" ? ((command.deletes as { q: unknown }[]) ?? []).map((d) => d.q) : name === "aggregate" ? [{}] : [];
  return filters.some((f) => {
    const keys = Object.keys((f ?? {}) as object);
    const id = (f as { _id?: unknown } | undefined)?._id;
    return !(keys.length >= 1 && keys[0] === "_id" && (typeof id === "string" || typeof id === "number"));
  });
}

/** A Store whose repositories count every method call into `tally().port` (a decorator of the port). */
function countingStore(store: Store, tally: () => Tally): Store {
  const count = (name: string) => {
    const t = tally().port;
    t.set(name, (t.get(name) ?? 0) + 1);
  };
  const wrap = <T extends object>(target: T, prefix: string): T =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver) as unknown;
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          count(`${prefix}${String(prop)}`);
          return (value as (...a: unknown[]) => unknown).apply(obj, args);
        };
      },
    });
  const counted = { ...store } as Record<string, unknown>;
  for (const [name, value] of Object.entries(store)) {
    if (name === "writeBatch") {
      counted.writeBatch = (writes: readonly StoreWrite[]) => {
        count(`writeBatch(${writes.map((w) => w.kind).join(", ")})`);
        return store.writeBatch(writes);
      };
    } else if (value && typeof value === "object") counted[name] = wrap(value, `${name}.`);
  }
  return counted as unknown as Store;
}

function principalOf(userId: string): Principal {
  return { userId, displayName: userId, nativeLanguageCode: "it", levels: { en: "B1" }, tier: "premium", skills: [], roles: [] };
}

/** The writes a conversation room sends for one session: start, then end (aborted, with stats). */
function sessionEndWrites(session: SessionRecord, now: number): StoreWrite[][] {
  const joined = session.participants.map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode }));
  const stats = Object.fromEntries(session.participants.map((p) => [p.userId, { spokenSeconds: 5, turnCount: 2 }]));
  return [
    [{ kind: "session.transition", id: session.id, expected: ["waiting"], patch: { status: "active", startedAt: new Date(now) }, events: events.conversationStarted(session, joined, now) }],
    [
      {
        kind: "session.transition",
        id: session.id,
        expected: ["active"],
        patch: { status: "aborted", endedAt: new Date(now + 10_000), endReason: "partner_left", durationSeconds: 10, xpEligible: false },
        participantStats: stats,
        events: events.conversationEnded("aborted", session, { participants: joined.map((p) => ({ ...p, spokenSeconds: 5, turnCount: 2 })), reason: "partner_left", durationSeconds: 10, xpEligible: false }, now + 10_000),
      },
    ],
  ];
}

/**
 * Runs admission × 2 → match → session end for `pair`, calling `phase` as each phase starts.
 */
async function oneRound(store: Store, phase: (name: "admission" | "match" | "session end") => void, pair: [string, string], now: number): Promise<void> {
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: "x".repeat(32), RATE_LIMIT_MATCH_REQUESTS: "1000000" });
  const ports = { config, store, catalog: new TopicCatalog(), rateLimits: createMemoryRateLimits(config.quotas) };
  const core = new QueueCore({ queue: "en", boundaries: config.matching.stageBoundariesSeconds, minCompatibilityScore: config.matching.minCompatibilityScore, maxLevelGap: config.matching.maxLevelGap, suggestAfterSeconds: config.matching.stageBoundariesSeconds.categorySeconds });
  const body = matchRequestBodySchema.parse({ targetLanguageCode: "en", topicCode: "daily_life.introductions" });
  let matchWrites: StoreWrite[] = [];
  let session: SessionRecord | undefined;
  for (const userId of pair) {
    phase("admission");
    const principal = principalOf(userId);
    const admitted = await admitTicket(ports, principal, body, "en", now);
    const [outcome] = await store.writeBatch(core.ticketWrites(admitted, now));
    if (outcome?.status !== "applied") throw new Error(`ticket of ${userId} not stored: ${JSON.stringify(outcome)}`);
    const { units } = core.ticketStored(admitted, principal, now);
    for (const unit of units) {
      matchWrites = matchWrites.concat(unit.writes);
      const created = unit.writes.find((w): w is Extract<StoreWrite, { kind: "session.create" }> => w.kind === "session.create");
      if (created) session = created.record;
    }
  }
  if (!session) throw new Error("the two tickets did not match");
  phase("match");
  await store.writeBatch(matchWrites);
  phase("session end");
  for (const writes of sessionEndWrites(session, now)) await store.writeBatch(writes);
}

/**
 * Prints the round trips of one admission, one match and one session end on `storeKind`
 * (Mongo: `MONGODB_URI`, a fresh database dropped afterwards), after `history` earlier rounds
 * of the same two users.
 */
export async function printStoreRoundTrips(storeKind: "memory" | "mongo", history = 20): Promise<void> {
  const tallies = new Map<string, Tally>();
  let current: Tally = { port: new Map(), commands: new Map() };
  let base: Store;
  let uri: string | undefined;
  if (storeKind === "mongo") {
    if (!process.env.MONGODB_URI) throw new Error('--store mongo needs MONGODB_URI: eval "$(bash scripts/services.sh env)"');
    uri = freshDatabaseUri(process.env.MONGODB_URI, "parley_round_trips");
    base = await createMongoStore(uri, {
      onCommand: (name, command) => {
        const key = scans(name, command) ? `${name} (scan)` : name;
        current.commands.set(key, (current.commands.get(key) ?? 0) + 1);
      },
    });
  } else base = createMemoryStore();
  const store = countingStore(base, () => current);
  try {
    const start = Date.now() - (history + 1) * 60_000;
    for (let round = 0; round <= history; round++) {
      tallies.clear();
      await oneRound(store, (name) => {
        const tally = tallies.get(name) ?? { port: new Map(), commands: new Map() };
        tallies.set(name, tally);
        current = tally;
      }, ["rt-alice", "rt-bob"], start + round * 60_000);
      current = { port: new Map(), commands: new Map() };
    }
  } finally {
    await base.close();
    if (uri) await dropDatabase(uri).catch(() => undefined);
  }
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const list = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ×${v}`).join("; ");
  console.log(`\n### Store round trips (${storeKind}), after ${history} earlier sessions of the same users`);
  console.log("\n| phase | Store port calls | database commands | of which collection scans on FerretDB | port calls | commands |\n|---|---:|---:|---:|---|---|");
  for (const [name, tally] of tallies) {
    // An admission phase ran twice (one per learner): report per admission.
    const per = name === "admission" ? 2 : 1;
    const scanned = [...tally.commands].filter(([k]) => k.endsWith("(scan)")).reduce((a, [, v]) => a + v, 0);
    console.log(`| ${name}${per > 1 ? " (per learner)" : ""} | ${sum(tally.port) / per} | ${storeKind === "mongo" ? sum(tally.commands) / per : "–"} | ${storeKind === "mongo" ? scanned / per : "–"} | ${list(tally.port)} | ${list(tally.commands)} |`);
  }
  console.log(`\nCommand: npx tsx loadtest/storeRoundTrips.ts --store ${storeKind} --history ${history}`);
}

if (require.main === module) {
  const i = process.argv.indexOf("--store");
  const h = process.argv.indexOf("--history");
  printStoreRoundTrips(i >= 0 && process.argv[i + 1] === "mongo" ? "mongo" : "memory", h >= 0 ? Number(process.argv[h + 1]) : 20).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}

import { randomUUID } from "node:crypto";
import { isParleyError } from "../../errors/errorCodes.js";
import type { EventEnvelope } from "../../events/envelope.js";
import { applyWrite, applyWritesInOrder, transitionPatch, type StoreWrite, type StoreWriteOutcome } from "../storeWrites.js";
import type { InsertOutcome } from "./insertEach.js";
import type { MongoMatchRequestRepository } from "./mongoMatchRequestRepository.js";
import type { MongoOutbox, StagedWrite } from "./mongoOutbox.js";
import type { MongoSessionRepository } from "./mongoSessionRepository.js";
import { STATE_COLLECTIONS, type StateRef } from "./stateCollections.js";

/** What {@link applyMongoWriteBatch} writes through. */
export interface MongoBatchPorts {
  outbox: MongoOutbox;
  matchRequests: MongoMatchRequestRepository;
  sessions: MongoSessionRepository;
}

/** The document a write changes. */
function refOf(write: StoreWrite): StateRef {
  switch (write.kind) {
    case "matchRequest.create":
      return { collectionName: STATE_COLLECTIONS.matchRequests, id: write.record.id };
    case "matchRequest.transition":
      return { collectionName: STATE_COLLECTIONS.matchRequests, id: write.id };
    case "session.create":
      return { collectionName: STATE_COLLECTIONS.sessions, id: write.record.id };
    default:
      return { collectionName: STATE_COLLECTIONS.sessions, id: write.id };
  }
}

function eventsOf(write: StoreWrite): readonly EventEnvelope[] {
  return "events" in write && write.events ? write.events : [];
}

/** A thrown error as an outcome: a client's ParleyError (4xx) is `refused`, anything else `failed`. */
function outcomeOfError(error: unknown): StoreWriteOutcome {
  return isParleyError(error) && error.status < 500 ? { status: "refused", error } : { status: "failed", error };
}

/**
 * `Store.writeBatch` of the Mongo store: the writes a room queued in one tick, in a constant
 * number of round trips however many they are (group commit, issue 11 §4):
 * 1. the events of every write are staged in one outbox `insertMany` ({@link MongoOutbox.stage});
 * 2. the writes run per document: a document's writes one after the other in batch order,
 *    different documents at the same time; the new tickets and the new sessions of the batch
 *    are each inserted in one unordered `insertMany`; transitions are claimed writes;
 * 3. the rows of applied writes become `pending` in one update, those of refused writes are
 *    deleted in one delete ({@link MongoOutbox.settle}); a failed write's rows stay staged
 *    (its outcome is unknown: recovery resolves them).
 * Each write stays atomic with its events; the batch is not a transaction (as before). When
 * staging is refused (an eventId already in the outbox), the batch falls back to one write
 * after the other, each with its own outcome; when it fails, every write fails (retried).
 * @returns one outcome per write, in order; never throws
 */
export async function applyMongoWriteBatch(ports: MongoBatchPorts, writes: readonly StoreWrite[]): Promise<StoreWriteOutcome[]> {
  const staged: (StagedWrite | undefined)[] = writes.map((write) => {
    const events = eventsOf(write);
    return events.length > 0 ? { ref: refOf(write), token: randomUUID(), events } : undefined;
  });
  const toStage = staged.filter((s): s is StagedWrite => s !== undefined);
  let stagedAt = Date.now();
  try {
    if (toStage.length > 0) stagedAt = await ports.outbox.stage(toStage);
  } catch (error) {
    // An eventId already in the outbox (a caller's mistake, nothing staged): each write on its
    // own, so that only the faulty one is refused. A backend failure fails the batch (retried).
    if (isParleyError(error) && error.status < 500) return applyWritesInOrder(ports, writes);
    return writes.map(() => ({ status: "failed", error }));
  }
  const outcomes = await applyStaged(ports, writes, staged);
  const applied: StagedWrite[] = [];
  const refused: StagedWrite[] = [];
  outcomes.forEach((outcome, i) => {
    const s = staged[i];
    if (s && outcome.status === "applied") applied.push(s);
    else if (s && outcome.status === "refused") refused.push(s);
  });
  // A failure here leaves applied writes' rows staged: recovery promotes them (their token is
  // on the document), so the writes stay applied and their events are published late, not lost.
  await ports.outbox.settle(applied, refused, stagedAt).catch(() => undefined);
  return outcomes;
}

/** Step 2 of {@link applyMongoWriteBatch}. */
async function applyStaged(ports: MongoBatchPorts, writes: readonly StoreWrite[], staged: readonly (StagedWrite | undefined)[]): Promise<StoreWriteOutcome[]> {
  const outcomes = new Array<StoreWriteOutcome>(writes.length);
  const chains = new Map<string, number[]>();
  writes.forEach((write, i) => {
    const ref = refOf(write);
    const key = `${ref.collectionName}:${ref.id}`;
    const chain = chains.get(key);
    if (chain) chain.push(i);
    else chains.set(key, [i]);
  });
  // The creates that open their document's chain go into one insertMany per collection.
  const firstOfChain = new Set([...chains.values()].map((chain) => chain[0] as number));
  const ticketCreates = writes.flatMap((w, i) => (w.kind === "matchRequest.create" && firstOfChain.has(i) ? [i] : []));
  const sessionCreates = writes.flatMap((w, i) => (w.kind === "session.create" && firstOfChain.has(i) ? [i] : []));
  const inserted = new Map<number, Promise<StoreWriteOutcome>>();
  const insertAll = (indexes: number[], insert: () => Promise<InsertOutcome[]>) => {
    if (indexes.length === 0) return;
    const results = insert();
    indexes.forEach((index, k) => inserted.set(index, results.then((r) => r[k] as InsertOutcome).then((o) => insertOutcome(ports, writes[index] as StoreWrite, o))));
  };
  insertAll(ticketCreates, () => ports.matchRequests.insert(ticketCreates.map((i) => ({ record: (writes[i] as Extract<StoreWrite, { kind: "matchRequest.create" }>).record, token: staged[i]?.token }))));
  insertAll(sessionCreates, () => ports.sessions.insert(sessionCreates.map((i) => ({ record: (writes[i] as Extract<StoreWrite, { kind: "session.create" }>).record, token: staged[i]?.token }))));
  await Promise.all(
    [...chains.values()].map(async (chain) => {
      for (const i of chain) outcomes[i] = await (inserted.get(i) ?? applyOne(ports, writes[i] as StoreWrite, staged[i]?.token));
    }),
  );
  return outcomes;
}

/** The outcome of a create from its insert's outcome (a duplicate is refused with the reason). */
async function insertOutcome(ports: MongoBatchPorts, write: StoreWrite, outcome: InsertOutcome): Promise<StoreWriteOutcome> {
  if (outcome.status === "inserted") return { status: "applied" };
  if (outcome.status === "failed") return { status: "failed", error: outcome.error };
  try {
    const error = write.kind === "matchRequest.create" ? await ports.matchRequests.duplicateError(write.record) : write.kind === "session.create" ? await ports.sessions.duplicateError(write.record) : undefined;
    return error ? { status: "refused", error } : { status: "refused" };
  } catch (error) {
    return { status: "failed", error };
  }
}

/** Applies the state part of one write whose events are staged under `token`. */
async function applyOne(ports: MongoBatchPorts, write: StoreWrite, token: string | undefined): Promise<StoreWriteOutcome> {
  try {
    let applied: boolean;
    switch (write.kind) {
      case "matchRequest.create":
      case "session.create": {
        const [outcome] = write.kind === "matchRequest.create" ? await ports.matchRequests.insert([{ record: write.record, token }]) : await ports.sessions.insert([{ record: write.record, token }]);
        return insertOutcome(ports, write, outcome ?? { status: "failed", error: new Error("no insert outcome") });
      }
      case "matchRequest.transition":
        applied = await ports.matchRequests.applyTransition(write.id, write.expected, write.patch, token);
        break;
      case "session.transition": {
        const patch = write.participantStats ? transitionPatch(write, await ports.sessions.get(write.id)) : write.patch;
        applied = await ports.sessions.applyTransition(write.id, write.expected, patch, token);
        break;
      }
      default:
        // The other kinds carry no events: the repositories' own methods do.
        return applyWrite(ports, write);
    }
    return applied ? { status: "applied" } : { status: "refused" };
  } catch (error) {
    return outcomeOfError(error);
  }
}

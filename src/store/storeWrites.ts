import { isParleyError, type ParleyError } from "../errors/errorCodes.js";
import type { EventEnvelope } from "../events/envelope.js";
import type { MatchRequestRecord, MatchRequestStatus, ParticipantEndStats, ParticipantRecord, SessionRecord, SessionStatus } from "./records.js";
import type { Store } from "./repositories.js";

/**
 * One write of a batch ({@link Store.writeBatch}): the repository writes a room makes, as data,
 * so that a room's I/O queue can send everything queued in one tick as one batch (DESIGN §1
 * "one ordered I/O queue"). Each write is atomic with its `events` (outbox), as the repository
 * method it stands for; a batch as a whole is not a transaction.
 */
export type StoreWrite =
  /** `matchRequests.create`: refused (with `ALREADY_MATCHED`) when the user has a pending ticket. */
  | { kind: "matchRequest.create"; record: MatchRequestRecord; events?: EventEnvelope[] }
  /** `matchRequests.transition`: refused when the ticket is not in `expected`. */
  | { kind: "matchRequest.transition"; id: string; expected: MatchRequestStatus; patch: Partial<MatchRequestRecord>; events?: EventEnvelope[] }
  /** `sessions.create`: refused when the id exists. */
  | { kind: "session.create"; record: SessionRecord; events?: EventEnvelope[] }
  /**
   * `sessions.transition`, with `participantStats` (seconds, turns per userId) merged into the
   * stored participants (so a concurrent erasure of a name is kept). Refused unless the status
   * is one of `expected`.
   */
  | { kind: "session.transition"; id: string; expected: readonly SessionStatus[]; patch: Partial<SessionRecord>; participantStats?: Record<string, ParticipantEndStats>; events?: EventEnvelope[] }
  /** `sessions.patch` of live fields (prompts): always applied. */
  | { kind: "session.patch"; id: string; patch: Partial<SessionRecord> }
  /**
   * Seats a participant in a live group (a newcomer, seed 000) through
   * `sessions.addGroupParticipant`: never beyond `maxParticipants` (refused with `SESSION_FULL`),
   * nothing for someone seated already. Refused when the session is not `waiting`/`active`.
   */
  | { kind: "session.addParticipant"; id: string; participant: ParticipantRecord }
  /** Marks a group participant as gone for good (`leftAt`), which frees their seat (seed 000). */
  | { kind: "session.participantLeft"; id: string; userId: string; at: Date };

/**
 * What became of one write: `applied`; `refused` (its condition did not hold, `error` says why
 * when the repository threw a ParleyError); `failed` (the backend failed: worth a retry).
 */
export type StoreWriteOutcome = { status: "applied" } | { status: "refused"; error?: ParleyError } | { status: "failed"; error: unknown };

/**
 * Applies one write through the store's repositories.
 * @returns its outcome; never throws (a ParleyError is `refused`, anything else `failed`)
 */
export async function applyWrite(store: Pick<Store, "matchRequests" | "sessions">, write: StoreWrite): Promise<StoreWriteOutcome> {
  try {
    const options = "events" in write && write.events ? { events: write.events } : undefined;
    let applied = true;
    switch (write.kind) {
      case "matchRequest.create":
        await store.matchRequests.create(write.record, options);
        break;
      case "matchRequest.transition":
        applied = await store.matchRequests.transition(write.id, write.expected, write.patch, options);
        break;
      case "session.create":
        await store.sessions.create(write.record, options);
        break;
      case "session.transition": {
        const patch = write.participantStats ? transitionPatch(write, await store.sessions.get(write.id)) : write.patch;
        applied = await store.sessions.transition(write.id, write.expected, patch, options);
        break;
      }
      case "session.patch":
        await store.sessions.patch(write.id, write.patch);
        break;
      case "session.addParticipant":
        await store.sessions.addGroupParticipant(write.id, write.participant);
        break;
      case "session.participantLeft": {
        const stored = await store.sessions.get(write.id);
        if (!stored) return { status: "refused" };
        const participants = stored.participants.map((p) => (p.userId === write.userId ? { ...p, leftAt: write.at } : p));
        applied = await store.sessions.transition(write.id, [stored.status].filter((s) => s === "waiting" || s === "active"), { participants });
        break;
      }
    }
    return applied ? { status: "applied" } : { status: "refused" };
  } catch (error) {
    return isParleyError(error) && error.status < 500 ? { status: "refused", error } : { status: "failed", error };
  }
}

/**
 * The patch a `session.transition` write applies: its `patch`, with its `participantStats`
 * merged into the participants of `stored` (the session as read just before) when both exist.
 */
export function transitionPatch(write: Extract<StoreWrite, { kind: "session.transition" }>, stored: SessionRecord | undefined): Partial<SessionRecord> {
  const stats = write.participantStats;
  if (!stats || !stored) return write.patch;
  return { ...write.patch, participants: stored.participants.map((p) => ({ ...p, ...(stats[p.userId] ?? {}) })) };
}

/** Applies `writes` one after the other, in order (both stores' `writeBatch`). */
export async function applyWritesInOrder(store: Pick<Store, "matchRequests" | "sessions">, writes: readonly StoreWrite[]): Promise<StoreWriteOutcome[]> {
  const outcomes: StoreWriteOutcome[] = [];
  for (const write of writes) outcomes.push(await applyWrite(store, write));
  return outcomes;
}

import { events as buildEvents } from "../events/eventBuilders.js";
import { endedStatusOf, isXpEligible } from "../session/sessionLifecycle.js";
import type { SessionEndReason, SessionRecord, SessionStatus } from "../store/records.js";
import type { Store } from "../store/repositories.js";

/**
 * Ends, in the store only, a live session whose `conversation` room is gone (a crashed process):
 * the room is the writer of a live session, so this is only for when nobody else can write it
 * (DESIGN §6 cleanup). The outcome is the lifecycle's own rule (`endedStatusOf`,
 * `isXpEligible` in src/session/sessionLifecycle.ts). The write is conditional on the status read, with one event per
 * participant in the outbox.
 * @param now epoch milliseconds
 * @returns the new status, or undefined when the session was not live or changed meanwhile.
 */
export async function endOrphanedSession(store: Store, session: SessionRecord, reason: SessionEndReason, now: number): Promise<SessionStatus | undefined> {
  if (session.status !== "waiting" && session.status !== "active") return undefined;
  const startedAt = session.startedAt?.getTime();
  const durationSeconds = session.status === "active" && startedAt !== undefined ? Math.max(0, Math.floor((now - startedAt) / 1000)) : 0;
  const to = endedStatusOf(session.status, reason, startedAt === undefined ? 0 : now - startedAt);
  const xpEligible = isXpEligible(to, durationSeconds);
  const participants = session.participants.map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode, spokenSeconds: p.spokenSeconds, turnCount: p.turnCount }));
  const events = buildEvents.conversationEnded(to, session, { participants, reason, durationSeconds, xpEligible }, now);
  const applied = await store.sessions.transition(
    session.id,
    [session.status],
    { status: to, endedAt: new Date(now), endReason: reason, durationSeconds, xpEligible },
    { events },
  );
  return applied ? to : undefined;
}

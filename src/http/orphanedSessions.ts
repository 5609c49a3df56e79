import { eventPerUser, type EventType } from "../events/envelope.js";
import { DEFAULT_SESSION_LIMITS } from "../session/sessionLifecycle.js";
import type { SessionEndReason, SessionRecord, SessionStatus } from "../store/records.js";
import type { Store } from "../store/repositories.js";

const EVENT_OF: Record<"completed" | "aborted" | "expired", EventType> = {
  completed: "conversation.completed",
  aborted: "conversation.aborted",
  expired: "conversation.expired",
};

/**
 * Ends, in the store only, a live session whose `conversation` room is gone (a crashed process):
 * the room is the writer of a live session, so this is only for when nobody else can write it
 * (DESIGN §6 cleanup). Same outcomes as the lifecycle: `waiting → expired`; `active →
 * aborted` when `reason` is `partner_left` less than 60 s after the start, else `completed`
 * (`xpEligible` from 120 s). The write is conditional on the status read, with one event per
 * participant in the outbox.
 * @param now epoch milliseconds
 * @returns the new status, or undefined when the session was not live or changed meanwhile.
 */
export async function endOrphanedSession(store: Store, session: SessionRecord, reason: SessionEndReason, now: number): Promise<SessionStatus | undefined> {
  if (session.status !== "waiting" && session.status !== "active") return undefined;
  const startedAt = session.startedAt?.getTime();
  const durationSeconds = session.status === "active" && startedAt !== undefined ? Math.max(0, Math.floor((now - startedAt) / 1000)) : 0;
  let to: "completed" | "aborted" | "expired";
  if (session.status === "waiting") to = "expired";
  else if (reason === "partner_left" && durationSeconds < DEFAULT_SESSION_LIMITS.abortWindowSeconds) to = "aborted";
  else to = "completed";
  const xpEligible = to === "completed" && durationSeconds >= DEFAULT_SESSION_LIMITS.xpMinSeconds;
  const payload = {
    sessionId: session.id,
    topicCode: session.topicCode,
    sessionType: session.sessionType,
    participants: session.participants.map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode, spokenSeconds: p.spokenSeconds, turnCount: p.turnCount })),
    reason,
    durationSeconds,
    xpEligible,
  };
  const events = eventPerUser(EVENT_OF[to], session.participants.map((p) => p.userId), payload, session.id, now);
  const applied = await store.sessions.transition(
    session.id,
    [session.status],
    { status: to, endedAt: new Date(now), endReason: reason, durationSeconds, xpEligible },
    { events },
  );
  return applied ? to : undefined;
}

import type { MatchRequestRecord, SessionEndReason, SessionRecord } from "../store/records.js";
import { createEvent, type EventEnvelope, type EventType } from "./envelope.js";

/**
 * The payload of every published event type (DESIGN §8, seed 002 §5.1). Events about a session
 * go once per participant, keyed by that participant; events about a ticket are keyed by its user.
 */
export interface EventPayloads {
  "match.requested": { matchRequestId: string; userId: string; targetLanguageCode: string; topicCode: string; preferredPartnerLevel: string; sessionType: string };
  "match.cancelled": { matchRequestId: string; userId: string; reason: string };
  /** `waitedSeconds`: whole seconds between the ticket's creation and its expiry. */
  "match.expired": { matchRequestId: string; userId: string; waitedSeconds: number };
  "conversation.matched": {
    sessionId: string;
    matchRequestIds: string[];
    participants: { userId: string; targetLanguageCode: string; nativeLanguageCode: string }[];
    topicCode: string;
    sessionType: string;
    compatibilityScore: number;
    /** Whole seconds the older ticket waited. */
    waitTimeSeconds: number;
  };
  "conversation.started": { sessionId: string; topicCode: string; sessionType: string; participants: { userId: string; targetLanguageCode: string }[] };
  "conversation.completed": SessionEndedPayload;
  "conversation.aborted": SessionEndedPayload;
  "conversation.expired": SessionEndedPayload;
  "conversation.rated": { sessionId: string; userId: string; rating: number; topicCode: string };
  "participant.reported": {
    reportId: string;
    sessionId: string;
    reporterUserId: string;
    reportedUserId: string;
    reason: string;
    block: boolean;
    reportCount: number;
    flaggedForReview: boolean;
  };
  /** A user reported by more than 3 distinct reporters since the last moderator resolution. */
  "participant.flagged": { userId: string; distinctReporters: number; flaggedAt: string; lastReportId: string; sessionId: string };
  /** Partners' feedback suggests another CEFR level for the user in a language (DESIGN §10 "Level drift"); parley only suggests. */
  "level.suggested": { userId: string; languageCode: string; currentLevel: string; suggestedLevel: string; evidence: { sessions: number; higher: number; right: number; lower: number }; sessionId: string };
}

/** Payload of `conversation.completed/aborted/expired`; seconds are whole seconds. */
export interface SessionEndedPayload {
  sessionId: string;
  topicCode: string;
  sessionType: string;
  participants: { userId: string; targetLanguageCode: string; spokenSeconds: number; turnCount: number }[];
  reason: SessionEndReason;
  durationSeconds: number;
  xpEligible: boolean;
  /** The recording's manifest (`s3://bucket/<key>`), when the session was recorded (DESIGN §6). */
  recordingUrl?: string;
}

/** An envelope whose payload is the one of its type. */
export type ParleyEvent<T extends EventType = EventType> = EventEnvelope<EventPayloads[T] & Record<string, unknown>>;

function one<T extends EventType>(eventType: T, key: string, payload: EventPayloads[T], correlationId: string, now: number): ParleyEvent<T> {
  return createEvent(eventType, key, payload as EventPayloads[T] & Record<string, unknown>, correlationId, now) as ParleyEvent<T>;
}

function perParticipant<T extends EventType>(eventType: T, userIds: readonly string[], payload: EventPayloads[T], sessionId: string, now: number): ParleyEvent<T>[] {
  return userIds.map((userId) => one(eventType, userId, payload, sessionId, now));
}

/**
 * One builder per event type: the only place events are built. Every `now` is epoch ms.
 */
export const events = {
  /** `match.requested` for a new ticket, keyed by its user. */
  matchRequested(record: MatchRequestRecord, now: number): ParleyEvent<"match.requested"> {
    return one("match.requested", record.userId, {
      matchRequestId: record.id,
      userId: record.userId,
      targetLanguageCode: record.targetLanguageCode,
      topicCode: record.topicCode,
      preferredPartnerLevel: record.preferredPartnerLevel,
      sessionType: record.sessionType,
    }, record.id, now);
  },

  /** `match.cancelled` (user cancel, left the room, or REST cancel of an orphaned ticket). */
  matchCancelled(ticket: { id: string; userId: string }, reason: string, now: number): ParleyEvent<"match.cancelled"> {
    return one("match.cancelled", ticket.userId, { matchRequestId: ticket.id, userId: ticket.userId, reason }, ticket.id, now);
  },

  /** `match.expired`; `createdAt`/`expiredAt` epoch ms give `waitedSeconds`. */
  matchExpired(ticket: { id: string; userId: string; createdAt: number }, expiredAt: number, now: number): ParleyEvent<"match.expired"> {
    const waitedSeconds = Math.max(0, Math.round((expiredAt - ticket.createdAt) / 1000));
    return one("match.expired", ticket.userId, { matchRequestId: ticket.id, userId: ticket.userId, waitedSeconds }, ticket.id, now);
  },

  /** `conversation.matched`, one per participant of the new session. */
  conversationMatched(session: SessionRecord, waitTimeSeconds: number, now: number): ParleyEvent<"conversation.matched">[] {
    return perParticipant("conversation.matched", session.participants.map((p) => p.userId), {
      sessionId: session.id,
      matchRequestIds: session.matchRequestIds,
      participants: session.participants.map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode, nativeLanguageCode: p.nativeLanguageCode })),
      topicCode: session.topicCode,
      sessionType: session.sessionType,
      compatibilityScore: session.compatibilityScore ?? 0,
      waitTimeSeconds,
    }, session.id, now);
  },

  /** `conversation.started`, one per participant in `participants`. */
  conversationStarted(
    session: Pick<SessionRecord, "id" | "topicCode" | "sessionType">,
    participants: { userId: string; targetLanguageCode: string }[],
    now: number,
  ): ParleyEvent<"conversation.started">[] {
    const payload = { sessionId: session.id, topicCode: session.topicCode, sessionType: session.sessionType, participants };
    return perParticipant("conversation.started", participants.map((p) => p.userId), payload, session.id, now);
  },

  /** `conversation.completed` / `aborted` / `expired` (by `status`), one per participant. */
  conversationEnded(
    status: "completed" | "aborted" | "expired",
    session: Pick<SessionRecord, "id" | "topicCode" | "sessionType">,
    outcome: Omit<SessionEndedPayload, "sessionId" | "topicCode" | "sessionType">,
    now: number,
  ): ParleyEvent<"conversation.completed" | "conversation.aborted" | "conversation.expired">[] {
    const payload: SessionEndedPayload = { sessionId: session.id, topicCode: session.topicCode, sessionType: session.sessionType, ...outcome };
    return perParticipant(`conversation.${status}` as const, outcome.participants.map((p) => p.userId), payload, session.id, now);
  },

  /** `conversation.rated`, keyed by the rater. */
  conversationRated(session: Pick<SessionRecord, "id" | "topicCode">, userId: string, rating: number, now: number): ParleyEvent<"conversation.rated"> {
    return one("conversation.rated", userId, { sessionId: session.id, userId, rating, topicCode: session.topicCode }, session.id, now);
  },

  /** `participant.reported`, keyed by the reported user. */
  participantReported(payload: EventPayloads["participant.reported"], now: number): ParleyEvent<"participant.reported"> {
    return one("participant.reported", payload.reportedUserId, payload, payload.sessionId, now);
  },

  /** `level.suggested`, keyed by the user the suggestion is for; correlated with the session whose rating changed it. */
  levelSuggested(payload: EventPayloads["level.suggested"], now: number): ParleyEvent<"level.suggested"> {
    return one("level.suggested", payload.userId, payload, payload.sessionId, now);
  },

  /** `participant.flagged`, keyed by the flagged user; `flaggedAt` is ISO 8601. */
  participantFlagged(payload: EventPayloads["participant.flagged"], now: number): ParleyEvent<"participant.flagged"> {
    return one("participant.flagged", payload.userId, payload, payload.sessionId, now);
  },
};

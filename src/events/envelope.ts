import { randomUUID } from "node:crypto";

/** Event types parley publishes on `conversation.events` (DESIGN §8, seed 002 §5.1). */
export const PUBLISHED_EVENT_TYPES = [
  "match.requested",
  "match.cancelled",
  "match.expired",
  "conversation.matched",
  "conversation.started",
  "conversation.completed",
  "conversation.aborted",
  "conversation.expired",
  "conversation.rated",
  "participant.reported",
  "participant.flagged",
  "level.suggested",
] as const;

/** One published event type. */
export type EventType = (typeof PUBLISHED_EVENT_TYPES)[number];

/**
 * The event envelope of DESIGN §8. `key` is the Kafka message key: the userId the event is
 * about. Events about a session are emitted once per participant, each keyed by that
 * participant, so every user's stream is complete and ordered (DESIGN §8 "say which").
 */
export interface EventEnvelope<P = Record<string, unknown>> {
  eventId: string;
  eventType: EventType;
  version: "1.0";
  /** ISO 8601. */
  timestamp: string;
  key: string;
  payload: P;
  metadata: { correlationId: string; source: "conversation-service" };
}

/**
 * Builds an envelope. Production code builds events through `src/events/eventBuilders.ts`
 * (one builder per event type, typed payloads); this is their common step.
 * @param now epoch milliseconds
 * @param correlationId the session or match request the event belongs to
 */
export function createEvent<P extends Record<string, unknown>>(
  eventType: EventType,
  key: string,
  payload: P,
  correlationId: string,
  now: number,
): EventEnvelope<P> {
  return {
    eventId: randomUUID(),
    eventType,
    version: "1.0",
    timestamp: new Date(now).toISOString(),
    key,
    payload,
    metadata: { correlationId, source: "conversation-service" },
  };
}

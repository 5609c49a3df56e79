import { z } from "zod";

const userId = z.string().min(1).max(128);

/**
 * The events parley consumes, by type, with the schema of each payload (DESIGN §8 "Consumed",
 * seed 002 §5.2) — the typed event map of the consumers (STYLE §6). Unknown payload fields
 * are ignored, so producers may add fields; a missing or mistyped field makes the event
 * malformed (logged and skipped). Types not listed here are ignored.
 */
export const INBOUND_PAYLOADS = {
  /** `user.events`: the profile changed (display name, avatar, levels…). */
  "user.updated": z.object({ userId }),
  /** `user.events`: the subscription tier changed. */
  "tier.changed": z.object({ userId, tier: z.string().max(50).optional() }),
  /** `user.events`: the account was deleted — erase the user's data. */
  "user.deleted": z.object({ userId }),
  /** `lesson.events` (seed 002 §5.2): a learner acquired a skill, e.g. `restaurant_vocab.en`. */
  "skill.acquired": z.object({ userId, skillId: z.string().max(128).optional(), skillCode: z.string().min(1).max(100) }),
  /** `feedback.events`: the transcript of a session is ready. */
  "transcript.ready": z.object({ sessionId: z.string().min(1).max(128), transcriptId: z.string().min(1).max(256), url: z.url({ protocol: /^https?$/ }).max(2048).optional() }),
} as const;

/** A consumed event type. */
export type InboundEventType = keyof typeof INBOUND_PAYLOADS;

/** The payload of an event of type `T`. */
export type InboundPayload<T extends InboundEventType> = z.infer<(typeof INBOUND_PAYLOADS)[T]>;

/**
 * A validated consumed event; a union over `T` (discriminated by `eventType`), so that a
 * `switch (event.eventType)` narrows `payload`.
 */
export type InboundEvent<T extends InboundEventType = InboundEventType> = T extends InboundEventType
  ? {
      eventId: string;
      eventType: T;
      /** The producer's time, epoch ms; undefined when absent or not a date. */
      occurredAt?: number;
      payload: InboundPayload<T>;
    }
  : never;

/** The envelope of a consumed event (DESIGN §8 / seed 002 §5.1 shape; other fields ignored). */
const envelopeSchema = z.object({
  eventId: z.string().min(1).max(256),
  eventType: z.string().min(1).max(100),
  timestamp: z.string().max(64).optional(),
  payload: z.unknown(),
});

/** The result of {@link parseInboundEvent}. */
export type InboundParse<T extends InboundEventType> =
  | { kind: "event"; event: InboundEvent<T> }
  /** A well-formed envelope of a type this topic does not handle. */
  | { kind: "ignored"; eventId: string; eventType: string }
  /** Not JSON, not an envelope, or a payload that fails its schema. */
  | { kind: "malformed"; reason: string; eventId?: string; eventType?: string };

/**
 * Decodes and validates one Kafka record value (UTF-8 JSON of an envelope).
 * @param handled the event types the topic's handler takes; any other type is `ignored`
 */
export function parseInboundEvent<T extends InboundEventType>(value: Buffer | string | null | undefined, handled: readonly T[]): InboundParse<T> {
  if (value === null || value === undefined || value.length === 0) return { kind: "malformed", reason: "empty value" };
  let json: unknown;
  try {
    json = JSON.parse(typeof value === "string" ? value : value.toString("utf8"));
  } catch {
    return { kind: "malformed", reason: "value is not JSON" };
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) return { kind: "malformed", reason: `not an event envelope: ${z.prettifyError(envelope.error)}` };
  const { eventId, eventType, timestamp, payload } = envelope.data;
  const type = handled.find((t) => t === eventType);
  if (type === undefined) return { kind: "ignored", eventId, eventType };
  const parsed = INBOUND_PAYLOADS[type].safeParse(payload);
  if (!parsed.success) return { kind: "malformed", reason: `invalid ${eventType} payload: ${z.prettifyError(parsed.error)}`, eventId, eventType };
  const time = timestamp === undefined ? NaN : Date.parse(timestamp);
  const event = { eventId, eventType: type, payload: parsed.data, ...(Number.isNaN(time) ? {} : { occurredAt: time }) };
  return { kind: "event", event: event as InboundEvent<T> };
}

import type { Logger } from "pino";
import type { Store } from "../../store/repositories.js";
import { parseInboundEvent, type InboundEvent, type InboundEventType } from "./inboundEvents.js";

/** What a topic handler may use while handling one event. */
export interface HandlerContext {
  store: Store;
  logger: Logger;
  /** Epoch ms at which the record is handled. */
  now: number;
}

/** The handler of one consumed topic (`user.events`, `lesson.events`, `feedback.events`). */
export interface InboundTopicHandler<T extends InboundEventType = InboundEventType> {
  /** Name the topic's handled events are recorded under (`processedEvents` `consumer`). */
  readonly consumer: string;
  /** The event types it handles; a record of another type is ignored. */
  readonly eventTypes: readonly T[];
  /**
   * Applies one validated event. Must be idempotent: a crash between applying and recording
   * the event applies it again on redelivery. A store error propagates (the record is then
   * retried, never skipped).
   */
  handle(event: InboundEvent<T>, context: HandlerContext): Promise<void>;
}

/** What became of one consumed record. */
export type InboundOutcome = "handled" | "duplicate" | "ignored" | "malformed";

/** The result of {@link handleInboundRecord}. */
export interface InboundRecordResult {
  outcome: InboundOutcome;
  eventId?: string;
  eventType?: string;
  /** Why it was malformed. */
  reason?: string;
}

/**
 * Handles one record of a consumed topic (DESIGN §8 "Consumers are idempotent by eventId"):
 * 1. decode and validate it ({@link parseInboundEvent}); a malformed one is logged (warn) and
 *    skipped, a type the topic does not handle is skipped (debug) — neither blocks the partition;
 * 2. skip it when `handler.consumer` has recorded its `eventId` already (a redelivery, or the
 *    producer published it twice: see `kafkaPublisher.ts`);
 * 3. apply it (`handler.handle`), then record the `eventId` (`processedEvents.markProcessed`).
 * Applying before recording makes delivery at-least-once with deduplication: a crash between
 * the two re-applies an idempotent effect, and no event is lost to a crash.
 * @throws the store's error at steps 2–3 (the caller retries the record)
 */
export async function handleInboundRecord<T extends InboundEventType>(
  handler: InboundTopicHandler<T>,
  value: Buffer | string | null | undefined,
  context: HandlerContext,
): Promise<InboundRecordResult> {
  const { store, logger } = context;
  const parsed = parseInboundEvent(value, handler.eventTypes);
  if (parsed.kind === "malformed") {
    const { kind: _kind, ...details } = parsed;
    logger.warn({ consumer: handler.consumer, ...details }, "event consumer: malformed record skipped");
    return { outcome: "malformed", ...details };
  }
  if (parsed.kind === "ignored") {
    logger.debug({ consumer: handler.consumer, eventId: parsed.eventId, eventType: parsed.eventType }, "event consumer: event type not handled here, skipped");
    return { outcome: "ignored", eventId: parsed.eventId, eventType: parsed.eventType };
  }
  const { event } = parsed;
  const ids = { eventId: event.eventId, eventType: event.eventType };
  if (await store.processedEvents.isProcessed(event.eventId, handler.consumer)) {
    logger.debug({ consumer: handler.consumer, ...ids }, "event consumer: event handled before, skipped");
    return { outcome: "duplicate", ...ids };
  }
  await handler.handle(event, context);
  if (!(await store.processedEvents.markProcessed(event.eventId, handler.consumer, new Date(context.now)))) {
    logger.debug({ consumer: handler.consumer, ...ids }, "event consumer: a concurrent delivery handled the event too (idempotent)");
  }
  return { outcome: "handled", ...ids };
}

import { Partitioners, type Message, type Producer } from "kafkajs";
import type { Logger } from "pino";
import type { EventEnvelope } from "./envelope.js";
import type { EventPublisher } from "./eventPublisher.js";
import { createKafkaClient, ensureTopic, type KafkaRetryOptions } from "./kafkaClient.js";

/** Options of {@link createKafkaPublisher}. */
export interface KafkaPublisherOptions {
  /** `host:port` bootstrap brokers (`KAFKA_BROKERS`). */
  brokers: string[];
  /** `KAFKA_CLIENT_ID`. */
  clientId: string;
  /** The topic to publish to (`KAFKA_TOPIC_CONVERSATIONS`, default `conversation.events`). */
  topic: string;
  logger: Logger;
  /** Partitions of the topic when this creates it (an existing topic is left as it is). @default 3 */
  partitions?: number;
  /** Replication factor of the topic when this creates it. @default 1 */
  replicationFactor?: number;
  /** kafkajs's own retries of one send; keep them short, the relay retries with backoff. @default 3 retries from 300 ms */
  retry?: KafkaRetryOptions;
}

/** The Kafka implementation of the event bus port. */
export type KafkaEventPublisher = EventPublisher & { readonly kind: "kafka" };

/**
 * Producer-session errors after which the producer must start over with a new producer id:
 * the broker no longer accepts this producer's sequence numbers.
 */
const SEQUENCE_ERRORS = new Set([
  "OUT_OF_ORDER_SEQUENCE_NUMBER",
  "DUPLICATE_SEQUENCE_NUMBER",
  "UNKNOWN_PRODUCER_ID",
  "INVALID_PRODUCER_EPOCH",
  "INVALID_PRODUCER_ID_MAPPING",
]);

/**
 * The Kafka record of an envelope (DESIGN §8): key = `event.key` (the userId, so one user's
 * events stay in one partition, in order), value = the envelope as JSON *without* `key`
 * (`{ eventId, eventType, version, timestamp, payload, metadata }`, seed 002 §5.1), headers
 * `eventType` and `eventId` (routing and deduplication without parsing the value).
 */
export function toKafkaMessage(event: EventEnvelope): Message {
  const { key, ...envelope } = event;
  return { key, value: JSON.stringify(envelope), headers: { eventType: event.eventType, eventId: event.eventId } };
}

/** True when `err` (or an error it wraps) is one of {@link SEQUENCE_ERRORS}. */
function isSequenceError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [err];
  while (stack.length > 0) {
    const e = stack.pop();
    if (typeof e !== "object" || e === null || seen.has(e)) continue;
    seen.add(e);
    const { type, cause, errors } = e as { type?: unknown; cause?: unknown; errors?: unknown };
    if (typeof type === "string" && SEQUENCE_ERRORS.has(type)) return true;
    stack.push(cause);
    if (Array.isArray(errors)) stack.push(...errors);
  }
  return false;
}

/** True when `events` begins with exactly the events of `batch`, in order. */
function startsWith(events: readonly EventEnvelope[], batch: readonly EventEnvelope[]): boolean {
  return batch.length <= events.length && batch.every((e, i) => events[i]?.eventId === e.eventId);
}

/** What {@link sendFailedBatchFirst} returns. */
export interface BatchSender {
  /** Sends `events` (see {@link sendFailedBatchFirst}); rejects with the failed send's error. */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** Resolves once every publish called so far has settled. */
  idle(): Promise<void>;
}

/**
 * Turns `send` (one producer send of one batch) into the publisher's `publish`, so that the
 * caller's retries of a failed call publish nothing twice within this process. Calls run one
 * at a time, in call order. A call that throws may have been acknowledged in part (the
 * batches sent before the one that failed); the caller — the outbox relay, which hands out the
 * oldest pending rows first — retries with the same events at the head, plus newer ones. So
 * the next call whose events begin with them:
 * 1. skips the head Kafka acknowledged already;
 * 2. re-sends exactly the failed batch alone — a batch the idempotent producer's sequence
 *    numbers let the broker recognise if it was appended after all, where a larger batch
 *    overlapping it would be refused (`OUT_OF_ORDER_SEQUENCE_NUMBER`);
 * 3. sends the rest.
 * A call whose events do not begin that way forgets both.
 */
export function sendFailedBatchFirst(send: (batch: readonly EventEnvelope[]) => Promise<void>): BatchSender {
  /** Events acknowledged during calls that then failed: the expected head of the next call. */
  let acked: readonly EventEnvelope[] = [];
  /** The batch whose send failed. */
  let failed: readonly EventEnvelope[] | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  async function publishNow(events: readonly EventEnvelope[]): Promise<void> {
    if (events.length === 0) return;
    const skipped = startsWith(events, acked) ? acked : [];
    const resend = failed;
    acked = [];
    failed = undefined;
    const done: EventEnvelope[] = [...skipped];
    let rest = events.slice(skipped.length);
    async function attempt(batch: readonly EventEnvelope[]): Promise<void> {
      try {
        await send(batch);
      } catch (err) {
        acked = done;
        failed = batch;
        throw err;
      }
      done.push(...batch);
    }
    if (resend && startsWith(rest, resend)) {
      await attempt(resend);
      rest = rest.slice(resend.length);
    }
    if (rest.length > 0) await attempt(rest);
  }

  return {
    publish(events) {
      const run = queue.then(() => publishNow(events));
      queue = run.catch(() => undefined);
      return run;
    },
    async idle() {
      await queue;
    },
  };
}

/**
 * The production event bus (DESIGN §1, §8): publishes outbox batches to one Kafka topic with
 * kafkajs, records as {@link toKafkaMessage} builds them.
 *
 * Boot: connects an admin client, creates `topic` if missing (`partitions`, `replicationFactor`;
 * an existing topic is kept as it is) and waits for its partitions' leaders (`ensureTopic`,
 * up to 30 s), connects the producer (which fetches its producer id).
 * The producer is idempotent, `acks: -1` (all in-sync replicas) and has one request in flight,
 * so a partition's records are appended in send order, retries included.
 *
 * `publish(events)` sends them as one batch and resolves once Kafka acknowledged all of them;
 * it throws kafkajs's error otherwise (after kafkajs's few retries), and nothing is dropped:
 * the outbox relay keeps the rows pending and calls again with backoff (`OutboxRelay`).
 * Calls run one at a time.
 *
 * Why nothing is published twice (DESIGN §8 "never published twice to the log by a restart"):
 * - *within a producer session* the idempotent producer numbers each partition's batches, and
 *   the broker does not append again a batch it has already (its ack was lost: a timeout, a
 *   broker restart). That covers kafkajs's own retries, and the relay's next attempt too: after
 *   a failure this publisher skips what Kafka acknowledged already, then re-sends exactly the
 *   failed batch, not a larger one the broker could not match ({@link sendFailedBatchFirst}).
 * - *across restarts* an outbox row is marked `publishedAt` only after Kafka acknowledged it,
 *   so a restarted process publishes again only rows that were never acknowledged.
 * - *residual at-least-once window*: a crash after Kafka acknowledged a batch but before the
 *   relay's `markPublished` makes the next process (with a new producer id) publish that batch
 *   again — one duplicate of each of its events; so does a `markPublished` that fails (the
 *   store unreachable) after a successful publish. The same holds when the producer is replaced
 *   after a sequence error (`OUT_OF_ORDER_SEQUENCE_NUMBER`, `UNKNOWN_PRODUCER_ID`, …), or when
 *   a batch spread over several leader brokers was acknowledged by some of them only. Consumers
 *   dedupe by `eventId` (parley's own do: `consumers/inboundHandling.ts`).
 *
 * `ping()` asks a broker for the topic's metadata (throws when no broker answers);
 * `close()` lets the publishes already called finish, then disconnects (idempotent; a
 * `publish` called afterwards rejects).
 * @throws kafkajs's error when the cluster cannot be reached or the topic not created; what
 *   was connected is disconnected first
 */
export async function createKafkaPublisher(options: KafkaPublisherOptions): Promise<KafkaEventPublisher> {
  const { topic, logger } = options;
  const log = logger.child({ component: "kafkaPublisher", topic });
  const kafka = createKafkaClient(options);
  const admin = kafka.admin();

  const newProducer = (): Producer =>
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let closed = false;

  function connectedProducer(): Promise<Producer> {
    connecting ??= (async () => {
      const p = newProducer();
      try {
        await p.connect();
      } catch (err) {
        connecting = undefined;
        await p.disconnect().catch(() => undefined);
        throw err;
      }
      producer = p;
      return p;
    })();
    return connecting;
  }

  /** Drops the producer after a sequence error; the next send connects a new one (a new producer id). */
  async function resetProducer(): Promise<void> {
    const old = producer;
    producer = undefined;
    connecting = undefined;
    await old?.disconnect().catch(() => undefined);
  }

  const sender = sendFailedBatchFirst(async (batch) => {
    const p = await connectedProducer();
    try {
      await p.send({ topic, acks: -1, messages: batch.map(toKafkaMessage) });
    } catch (err) {
      if (isSequenceError(err)) {
        log.warn({ err }, "kafka publisher: the broker refused the producer's sequence numbers; starting a new producer (the failed batch may be published twice)");
        await resetProducer();
      }
      throw err;
    }
  });

  try {
    await admin.connect();
    const created = await ensureTopic(admin, { topic, numPartitions: options.partitions ?? 3, replicationFactor: options.replicationFactor ?? 1 });
    log.info({ created, brokers: options.brokers }, created ? "kafka publisher: topic created" : "kafka publisher: topic exists");
    await connectedProducer();
  } catch (err) {
    await resetProducer();
    await admin.disconnect().catch(() => undefined);
    throw err;
  }

  return {
    kind: "kafka",
    publish(events) {
      if (closed) return Promise.reject(new Error("kafka publisher: closed"));
      return sender.publish(events);
    },
    async ping() {
      if (closed) throw new Error("kafka publisher: closed");
      await admin.fetchTopicMetadata({ topics: [topic] });
    },
    async close() {
      if (closed) return;
      closed = true;
      await sender.idle(); // publishes already called finish first
      await resetProducer();
      await admin.disconnect().catch(() => undefined);
    },
  };
}

import type { Logger } from "pino";
import type { Store } from "../../store/repositories.js";
import { createKafkaClient, ensureTopic, type KafkaRetryOptions } from "../kafkaClient.js";
import { feedbackEventsHandler } from "./feedbackEvents.js";
import { handleInboundRecord, type InboundRecordResult, type InboundTopicHandler } from "./inboundHandling.js";
import { lessonEventsHandler } from "./lessonEvents.js";
import { userEventsHandler } from "./userEvents.js";

/** Options of {@link startEventConsumers}. */
export interface EventConsumersOptions {
  /** `host:port` bootstrap brokers (`KAFKA_BROKERS`). */
  brokers: string[];
  /** `KAFKA_CLIENT_ID`. */
  clientId: string;
  /** The consumer group (`KAFKA_GROUP_ID`): one member per parley process, topics' partitions shared out. */
  groupId: string;
  /** Topic names (`KAFKA_TOPIC_USER`, `KAFKA_TOPIC_LESSONS`, `KAFKA_TOPIC_FEEDBACK`). */
  topics: { user: string; lessons: string; feedback: string };
  store: Store;
  logger: Logger;
  /**
   * Where a group with no committed offset starts: true = the topics' oldest records (a new
   * deployment learns every skill already acquired and applies every deletion; the handlers
   * are idempotent), false = only new records. @default true
   */
  fromBeginning?: boolean;
  /** Partitions of a consumed topic this creates because it is missing. @default 3 */
  partitions?: number;
  /** Replication factor of a consumed topic this creates because it is missing. @default 1 */
  replicationFactor?: number;
  /** kafkajs's retries (connections, and a record whose handling threw). @default 3 retries from 300 ms */
  retry?: KafkaRetryOptions;
  /** Called after each record is done with (metrics, tests). */
  onRecord?: (result: InboundRecordResult & { topic: string; partition: number; offset: string }) => void;
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
}

/** The running consumers. */
export interface EventConsumers {
  /** Leaves the group and disconnects; a record being handled finishes first. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts parley's Kafka consumers (DESIGN §8 "Consumed", seed 002 §5.2): one kafkajs consumer
 * in group `groupId`, subscribed to the user, lesson and feedback topics, each record handed
 * to its topic's handler ({@link userEventsHandler}, {@link lessonEventsHandler},
 * {@link feedbackEventsHandler}) through {@link handleInboundRecord}: idempotent by `eventId`.
 *
 * A consumed topic that does not exist yet is created first (`partitions`, `replicationFactor`),
 * so that parley starts before the producing services ever published (kafkajs refuses to
 * subscribe to a missing topic); existing topics are left as they are.
 *
 * Records are handled one at a time, in partition order. A malformed record or an event type
 * a topic does not handle is logged and skipped (its offset is committed; the partition moves
 * on). A store error is not skipped: kafkajs retries the record, then restarts the consumer,
 * which fetches it again from the last committed offset — consumption of that partition waits
 * for the store (at-least-once), and each failure is logged.
 * @returns once subscribed and running (joining the group completes in the background)
 * @throws kafkajs's error when the brokers cannot be reached or a topic cannot be created; what
 *   was connected is disconnected first
 */
export async function startEventConsumers(options: EventConsumersOptions): Promise<EventConsumers> {
  const { store, topics } = options;
  const logger = options.logger.child({ component: "eventConsumers", groupId: options.groupId });
  const now = options.now ?? Date.now;
  const handlers = new Map<string, InboundTopicHandler>([
    [topics.user, userEventsHandler],
    [topics.lessons, lessonEventsHandler],
    [topics.feedback, feedbackEventsHandler],
  ]);
  if (handlers.size !== 3) throw new Error(`event consumers: the user, lesson and feedback topics must differ (${Object.values(topics).join(", ")})`);

  const kafka = createKafkaClient(options);
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (const topic of handlers.keys()) {
      if (await ensureTopic(admin, { topic, numPartitions: options.partitions ?? 3, replicationFactor: options.replicationFactor ?? 1 })) {
        logger.info({ topic }, "event consumers: consumed topic was missing, created it");
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }

  // maxWaitTimeInMs: how long a fetch may wait for records; stop() waits for the fetch in flight,
  // so 1 s (not kafkajs's 5 s) keeps shutdown short, for one idle fetch per second.
  const consumer = kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 1000 });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const level = payload.restart ? "warn" : "error";
    logger[level]({ err: payload.error, restart: payload.restart }, payload.restart ? "event consumers: crashed, restarting" : "event consumers: crashed and stopped");
  });

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...handlers.keys()], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const handler = handlers.get(topic);
        if (!handler) return;
        const result = await handleInboundRecord(handler, message.value, { store, logger: logger.child({ topic, partition, offset: message.offset }), now: now() });
        options.onRecord?.({ ...result, topic, partition, offset: message.offset });
      },
    });
  } catch (err) {
    await consumer.disconnect().catch(() => undefined);
    throw err;
  }
  logger.info({ topics: [...handlers.keys()] }, "event consumers: running");

  let stopping: Promise<void> | undefined;
  return {
    stop() {
      stopping ??= consumer.disconnect();
      return stopping;
    },
  };
}

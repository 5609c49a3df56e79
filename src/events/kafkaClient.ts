import { setTimeout as sleep } from "node:timers/promises";
import { Kafka, logLevel, type Admin, type ITopicConfig, type LogEntry, type logCreator } from "kafkajs";
import type { Logger } from "pino";

/** kafkajs's own retry policy for one request (connect, produce, metadata…); delays in ms. */
export interface KafkaRetryOptions {
  /** Retries after the first attempt. @default 3 */
  retries?: number;
  /** First delay, doubled per retry (±20 % jitter). @default 300 */
  initialRetryTimeMs?: number;
  /** Ceiling of a delay. @default 5000 */
  maxRetryTimeMs?: number;
}

/** Options of {@link createKafkaClient}. */
export interface KafkaClientOptions {
  /** `host:port` bootstrap brokers (`KAFKA_BROKERS`). */
  brokers: readonly string[];
  /** `KAFKA_CLIENT_ID`. */
  clientId: string;
  logger: Logger;
  retry?: KafkaRetryOptions;
}

/**
 * kafkajs messages dropped from the bridge, with why they do not apply here:
 * - the idempotent producer's warning about limited retries: parley's retries of a failed
 *   send are the outbox relay's, which re-sends the very same batch (see `kafkaPublisher.ts`);
 * - the v2 partitioner notice: the publisher picks the partitioner explicitly.
 */
const DROPPED_MESSAGES = ["Limiting retries for the idempotent producer", "KafkaJS v2.0.0 switched default partitioner"];

/**
 * A kafkajs `logCreator` that writes kafkajs's WARN and ERROR lines to `logger` at `warn`,
 * with `{ kafkajs: namespace }` and kafkajs's extra fields. Both are `warn` because what
 * kafkajs calls an error (a refused connection, a failed attempt) is retried by its caller,
 * which logs the outcome itself (the relay's "publish failed, will retry", a consumer crash).
 */
export function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: "kafkajs" });
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      if (level > logLevel.WARN || DROPPED_MESSAGES.some((m) => message.startsWith(m))) return;
      child.warn({ kafkajs: namespace, ...extra }, message);
    };
}

/**
 * A kafkajs client with parley's defaults: kafkajs's logging bridged to pino at warn
 * ({@link pinoLogCreator}) and a modest retry policy (3 retries from 300 ms, at most 5 s
 * apart), so that a broker outage reaches the caller — the outbox relay's backoff, the
 * consumer's restart — within seconds instead of kafkajs retrying for minutes.
 * Creating it connects nothing.
 */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    retry: {
      retries: options.retry?.retries ?? 3,
      initialRetryTime: options.retry?.initialRetryTimeMs ?? 300,
      maxRetryTime: options.retry?.maxRetryTimeMs ?? 5000,
    },
  });
}

/** True when `err` or an error it wraps is one kafkajs calls retriable (a transient broker state). */
function isRetriable(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === "object" && e !== null && depth < 10; depth++) {
    const { retriable, cause } = e as { retriable?: unknown; cause?: unknown };
    if (retriable === true) return true;
    e = cause;
  }
  return false;
}

/**
 * Creates `spec.topic` if missing, then waits until every partition has a leader.
 * Not kafkajs's `createTopics({ waitForLeaders: true })`: that wait gives up at the first
 * metadata error other than LEADER_NOT_AVAILABLE, and a KRaft broker answers
 * UNKNOWN_TOPIC_OR_PARTITION for a moment after a create (its metadata cache lags the
 * controller) — longer on a loaded machine. Here retriable errors are polled through, every
 * 100 ms, up to `timeoutMs`.
 * @returns true when this call created the topic, false when it existed
 * @throws kafkajs's error when the create is refused; an Error when the partitions still lack
 *   a leader after `timeoutMs` (ms, @default 30000)
 */
export async function ensureTopic(admin: Admin, spec: ITopicConfig, timeoutMs = 30_000): Promise<boolean> {
  const created = await admin.createTopics({ waitForLeaders: false, topics: [spec] });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [spec.topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0 && p.partitionErrorCode === 0)) return created;
    } catch (err) {
      if (!isRetriable(err)) throw err;
    }
    if (Date.now() > deadline) throw new Error(`kafka: topic ${spec.topic} has partitions without a leader after ${timeoutMs} ms`);
    await sleep(100);
  }
}

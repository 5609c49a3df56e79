import { defineRoom, defineServer, LocalDriver, LocalPresence, matchMaker, type MatchMakerDriver, type Presence, type Server } from "@colyseus/core";
import type { Server as HttpServer } from "node:http";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Principal } from "./auth/principal.js";
import { ConversationRoom } from "../rooms/ConversationRoom.js";
import { LoungeRoom } from "../rooms/LoungeRoom.js";
import { authenticateMatchmakeRequest, GATEWAY_OPTION, MatchmakingRoom } from "../rooms/MatchmakingRoom.js";
import { QueueRoom } from "../rooms/QueueRoom.js";
import type { RoomDeps } from "../rooms/roomDeps.js";
import { ROOM_NAMES } from "./protocol/roomNames.js";
import { createTokenVerifier } from "./auth/tokenVerifier.js";
import type { Config } from "./config/config.js";
import type { EventPublisher } from "./events/eventPublisher.js";
import { createFilePublisher } from "./events/filePublisher.js";
import { createKafkaPublisher } from "./events/kafkaPublisher.js";
import { startEventConsumers } from "./events/consumers/eventConsumers.js";
import { OutboxRelay } from "./events/outboxRelay.js";
import { mountHttp } from "./http/app.js";
import { createRoomCalls } from "./http/roomCalls.js";
import type { HttpDeps } from "./http/httpDeps.js";
import type { ReadinessCheck } from "./http/opsRoutes.js";
import { RecordingRetention } from "./jobs/recordingRetention.js";
import { SessionReminders } from "./jobs/sessionReminders.js";
import { Notifier } from "./notifications/notifier.js";
import { SessionCleanup, type CleanupRooms } from "./jobs/sessionCleanup.js";
import { createMemoryRateLimits, createRedisRateLimits, type RateLimits } from "./limits/rateLimits.js";
import { createLogger } from "./observability/logger.js";
import { meterRecordingStorage } from "./observability/meteredRecordingStorage.js";
import { createMetrics, type Metrics } from "./observability/metrics.js";
import { METRICS_PATH, metricsServerPort, startMetricsServer } from "./observability/metricsEndpoint.js";
import { leaderGatedOutbox, RedisOutboxLeadership, soleLeadership, type OutboxLeadership } from "./presence/outboxLeadership.js";
import { connectRedis, redactRedisUrl, type RedisBackends } from "./presence/redisBackends.js";
import { createMemoryStore } from "./store/memory/memoryStore.js";
import { createLocalRecordingStorage } from "./storage/localRecordingStorage.js";
import type { RecordingStorage } from "./storage/recordingStorage.js";
import { createS3RecordingStorage } from "./storage/s3RecordingStorage.js";
import { createMongoStore } from "./store/mongo/mongoStore.js";
import type { Store } from "./store/repositories.js";
import { SEED_TOPICS } from "./topics/seed/index.js";
import { TopicCatalog } from "./topics/topicCatalog.js";
import { ParleyWebSocketTransport } from "./transport/webSocketTransport.js";
import { TopicCatalogSync } from "./topics/topicCatalogSync.js";

/** Test and embedding hooks of {@link createParley}. */
export interface ParleyOverrides {
  logger?: Logger;
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Uniform [0, 1) source (prompt intervals, cleanup jitter). @default Math.random */
  random?: () => number;
  /** Let Colyseus handle SIGTERM/SIGINT (graceful shutdown, then exit). @default true; tests pass false. */
  gracefullyShutdown?: boolean;
}

/** A composed parley process: the Colyseus server and the ports it was built with. */
export interface Parley {
  server: Server;
  config: Config;
  store: Store;
  publisher: EventPublisher;
  /** The recording storage port (the conversation rooms' recordings, the retention job). */
  recordings: RecordingStorage;
  relay: OutboxRelay;
  /** The rate limiters of seed 002 §7.3 (memory, or Redis with `REDIS_URL`). */
  rateLimits: RateLimits;
  /** The cleanup job (started by {@link Parley.listen}). */
  cleanup: SessionCleanup;
  /** The Prometheus metrics (`GET /metrics`). */
  metrics: Metrics;
  logger: Logger;
  /**
   * Starts listening on `config.port`/`config.host` (and, with `METRICS_PORT`, the metrics
   * server on `config.host`), the outbox relay and the cleanup job.
   */
  listen(): Promise<void>;
  /**
   * The graceful shutdown SIGTERM runs, without `process.exit`: stop accepting, rooms end
   * and persist, outbox flushed, backends closed (see {@link createParley}).
   */
  shutdown(): Promise<void>;
}

/**
 * How long a shutting-down process waits for the outbox lease held by another process (which
 * may be shutting down too) before it leaves its last events to that process, in ms.
 */
const SHUTDOWN_LEASE_WAIT_MS = 2000;

/**
 * Where Colyseus creates a room: a `matchmaking` gateway in this process (the one whose
 * matchmake request asked for it, so its learners' sockets stay here); any other room on the
 * process with the fewest rooms (Colyseus' default).
 */
async function selectProcessIdToCreateRoom(roomName: string): Promise<string> {
  if (roomName === ROOM_NAMES.matchmaking) return matchMaker.processId;
  const processes = await matchMaker.stats.fetchAll();
  return processes.sort((p1, p2) => p1.roomCount - p2.roomCount)[0]?.processId ?? matchMaker.processId;
}

/** `mongodb://user:***@host/db`: a URI with its password hidden, for logs. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:@/]+):([^@/]*)@/, "//$1:***@");
}

/**
 * The composition root (DESIGN §1): picks each port's implementation from `config` and logs
 * one line per port saying which —
 * - store: Mongoose on `MONGODB_URI` (connected, indexes built, awaited here), else in-memory;
 * - presence/driver: `@colyseus/redis-presence` + `@colyseus/redis-driver` on `REDIS_URL`
 *   (answering Redis awaited here), else `LocalPresence`/`LocalDriver` (one process only);
 * - rate limits: rate-limiter-flexible on Redis with `REDIS_URL` (memory insurance), else memory;
 * - events: the outbox drained to Kafka with `KAFKA_BROKERS` (kafkajs, topic created if
 *   missing, awaited), else to the JSON-lines file `DATA_DIR/events.jsonl`;
 * - recording storage: S3 with `S3_BUCKET`, else the local directory `DATA_DIR/recordings`;
 * then binds the ports to the room classes, mounts HTTP (with `/readyz` probing each
 * configured backend) and builds the cleanup job. With Redis, the processes elect one outbox
 * leader (a Redis lease, {@link RedisOutboxLeadership}): every process writes events to the
 * shared outbox, only the leader's relay publishes them, so each is published once, in order.
 *
 * Graceful shutdown (SIGTERM/SIGINT through Colyseus, or {@link Parley.shutdown}), in order:
 * 1. `/readyz` answers 503 `shutting_down`; the cleanup job stops (its run in progress ends);
 * 2. the matchmaker stops accepting (new rooms and seat reservations are refused) and every
 *    room is asked to shut down: a live conversation ends (`session_ended`, reason `error`,
 *    stored with its events), a waiting ticket is cancelled; each room disposes only after
 *    its queued writes are done, and the matchmaker waits for every room to dispose;
 * 3. the transport, the presence and the driver close;
 * 4. the outbox relay's final drain publishes what the rooms wrote; the publisher, the
 *    recording storage, Redis and the store close. Only then may the process exit.
 * @throws the store's, Redis's or Kafka's connection error at boot, or a ConfigError of the
 *   S3 configuration (what was opened is closed first)
 */
export async function createParley(config: Config, overrides: ParleyOverrides = {}): Promise<Parley> {
  const logger = overrides.logger ?? createLogger(config.logLevel, config.serviceName);
  const now = overrides.now ?? Date.now;
  const random = overrides.random ?? Math.random;
  if (config.jwt.usingDevSecret) {
    logger.warn("JWT_SECRET is not set: using the built-in DEVELOPMENT key. Anyone can mint tokens. Never run like this in production.");
  }

  // Backends are connected in turn, each awaited; a failure closes what was opened, then throws.
  const opened: (() => Promise<unknown> | void)[] = [];
  let store: Store;
  let redis: RedisBackends | undefined;
  let publisher: EventPublisher;
  let recordings: RecordingStorage;
  const eventsPath = join(config.dataDir, "events.jsonl");
  const recordingsDir = join(config.dataDir, "recordings");
  try {
    // store port
    const openedStore = config.mongodbUri ? await createMongoStore(config.mongodbUri) : createMemoryStore();
    store = openedStore;
    opened.push(() => openedStore.close());
    // presence/driver + rate-limit ports
    if (config.redisUrl) {
      const openedRedis = await connectRedis(config.redisUrl, logger);
      redis = openedRedis;
      opened.push(() => openedRedis.abort());
    }
    // events port: the outbox drained to Kafka with KAFKA_BROKERS (topic created if missing),
    // else to the JSON-lines file
    const brokers = config.kafka.brokers ?? [];
    const openedPublisher: EventPublisher =
      brokers.length > 0
        ? await createKafkaPublisher({ brokers, clientId: config.kafka.clientId, topic: config.kafka.topics.conversations, logger }).catch((err: unknown) => {
            throw new Error(`KAFKA_BROKERS: cannot reach Kafka at ${brokers.join(",")}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          })
        : createFilePublisher(eventsPath);
    publisher = openedPublisher;
    opened.push(() => openedPublisher.close());
    // inbound events: user/lesson/feedback consumers start with listen() when KAFKA_BROKERS is set
    // recording storage port: S3 with S3_BUCKET, else the local directory DATA_DIR/recordings
    recordings = config.s3.bucket ? createS3RecordingStorage(config.s3) : createLocalRecordingStorage(recordingsDir);
  } catch (err) {
    for (const close of opened.reverse()) await Promise.resolve(close()).catch(() => undefined);
    throw err;
  }
  const metrics = createMetrics({
    now,
    outbox: store.outbox,
    roomStats: () => matchMaker.stats.local,
    onCollectError: (metric, err) => logger.warn({ err, metric }, "metrics: a scrape-time source failed"),
  });
  recordings = meterRecordingStorage(recordings, metrics, now);
  const presence: Presence = redis?.presence ?? new LocalPresence();
  const driver: MatchMakerDriver = redis?.driver ?? new LocalDriver();
  const rateLimits: RateLimits = redis ? createRedisRateLimits(config.quotas, redis.rateLimitClient) : createMemoryRateLimits(config.quotas);

  if (redis && config.redisUrl) {
    const url = redactRedisUrl(config.redisUrl);
    logger.info({ port: "presence/driver", implementation: "RedisPresence/RedisDriver", url, publicAddress: config.publicAddress }, "presence/driver: Redis (several processes)");
    if (!config.publicAddress) logger.warn("REDIS_URL is set but PUBLIC_ADDRESS is not: with several processes each one needs its own PUBLIC_ADDRESS (host:port), or clients dial the wrong process");
  } else {
    logger.info({ port: "presence/driver", implementation: "LocalPresence/LocalDriver" }, "presence/driver: local (single process)");
  }
  if (config.mongodbUri) logger.info({ port: "store", implementation: store.kind, uri: redactUri(config.mongodbUri) }, "store: MongoDB (Mongoose)");
  else logger.info({ port: "store", implementation: store.kind }, "store: in-memory");
  if (publisher.kind === "kafka") logger.info({ port: "events", implementation: publisher.kind, brokers: config.kafka.brokers, topic: config.kafka.topics.conversations }, "events: outbox → Kafka (kafkajs, idempotent producer)");
  else logger.info({ port: "events", implementation: publisher.kind, path: eventsPath }, "events: outbox → JSON lines file");
  logger.info({ port: "rate limits", implementation: redis ? "redis" : "memory" }, redis ? "rate limits: rate-limiter-flexible Redis (memory insurance)" : "rate limits: rate-limiter-flexible memory");
  if (recordings.kind === "s3") logger.info({ port: "recording storage", implementation: "s3", bucket: config.s3.bucket, endpoint: config.s3.endpoint }, "recording storage: S3");
  else logger.info({ port: "recording storage", implementation: "local", path: recordingsDir }, "recording storage: local directory");

  // topics live in the store (the seed catalog loaded into an empty one); each process reads
  // its catalog, refreshed on invalidations over presence pub/sub and every 30 s
  const catalog = new TopicCatalog([]);
  const topicSync = new TopicCatalogSync({ topics: store.topics, catalog, bus: presence, logger });
  const seeded = await store.topics.seedIfEmpty(SEED_TOPICS);
  if (seeded > 0) logger.info({ topics: seeded }, "topics: the seed catalog was loaded into the empty store");
  await topicSync.start();
  const verifier = createTokenVerifier(config.jwt);
  // One relay per process, but only the outbox leader's is handed rows (several processes
  // share one outbox: two drains would publish twice and out of order).
  const leadership: OutboxLeadership = redis ? new RedisOutboxLeadership(redis.rateLimitClient, logger) : soleLeadership();
  const relay = new OutboxRelay(leaderGatedOutbox(store.outbox, leadership), publisher, logger, {}, (events) => metrics.observePublished(events));
  const onEventsWritten = () => relay.nudge();
  let shuttingDown = false;
  const readiness: ReadinessCheck[] = [{ name: "recordings", kind: recordings.kind, ping: () => recordings.ping() }];
  if (redis) readiness.push({ name: "redis", kind: "redis", ping: () => (redis as RedisBackends).ping() });

  const notifier = new Notifier(store.notifications, presence, now);
  const roomCalls = createRoomCalls(logger);
  const roomDeps: RoomDeps = { config, store, catalog, verifier, logger, metrics, rateLimits, recordings, notifier, roomCalls, onEventsWritten, now, random };
  const httpDeps: HttpDeps = { config, store, catalog, topicSync, verifier, rateLimits, metrics, logger, publisher, recordings, notifier, onEventsWritten, now, readiness, isShuttingDown: () => shuttingDown };

  class BoundMatchmakingRoom extends MatchmakingRoom {
    protected readonly deps = roomDeps;
    static override async onAuth(token: string | undefined, options: unknown): Promise<Principal> {
      return authenticateMatchmakeRequest(verifier, token, options);
    }
  }
  class BoundQueueRoom extends QueueRoom {
    protected readonly deps = roomDeps;
  }
  class BoundConversationRoom extends ConversationRoom {
    protected readonly deps = roomDeps;
  }
  class BoundLoungeRoom extends LoungeRoom {
    protected readonly deps = roomDeps;
  }

  const cleanupRooms: CleanupRooms = {
    async listedConversationIds() {
      return new Set((await matchMaker.query({ name: ROOM_NAMES.conversation })).map((room) => room.roomId));
    },
    async nudge(sessionId) {
      try {
        await matchMaker.remoteRoomCall<ConversationRoom>(sessionId, "tick", [], 5000);
        return true;
      } catch (err) {
        logger.warn({ err, sessionId }, "cleanup: the session's room did not answer");
        return false;
      }
    },
  };
  const cleanup = new SessionCleanup(
    { store, rooms: cleanupRooms, logger, limits: config.session, now, onEventsWritten },
    { intervalMs: config.session.cleanupIntervalMs, random, retentionMs: config.outboxRetentionHours * 3600 * 1000 },
  );
  /**
   * Scheduled tickets survive a restart (DESIGN §4): a queue actor is opened for every queue that
   * has pending scheduled tickets (the actor reloads them). With several processes each tries;
   * the queue's roomId makes one of them win, the others' attempts are refused and ignored.
   */
  async function reopenScheduledQueues(): Promise<void> {
    const queues = new Set((await store.matchRequests.listPendingScheduled().catch(() => [])).map((t) => t.queue));
    for (const queue of queues) {
      await matchMaker.createRoom(ROOM_NAMES.queue, { queue }).catch((err: unknown) => logger.debug({ err, queue }, "scheduled queue already open elsewhere"));
    }
    if (queues.size > 0) logger.info({ queues: [...queues] }, "queue actors opened for scheduled tickets");
  }
  const retention = new RecordingRetention({ storage: recordings, store, logger, retentionDays: config.recording.retentionDays, now });
  // Scheduled sessions' "starts in 5 minutes" reminders, delivered live over presence or kept pending.
  const reminders = new SessionReminders({ store, notify: (draft) => notifier.notify(draft), logger, now });

  const server = defineServer({
    rooms: {
      // A gateway per queue and process (the process that took the matchmake request), one
      // queue actor per queue across processes (DESIGN §1, §4).
      [ROOM_NAMES.matchmaking]: defineRoom(BoundMatchmakingRoom).filterBy(["queue", GATEWAY_OPTION]),
      [ROOM_NAMES.queue]: defineRoom(BoundQueueRoom).filterBy(["queue"]),
      [ROOM_NAMES.conversation]: defineRoom(BoundConversationRoom),
      [ROOM_NAMES.lounge]: defineRoom(BoundLoungeRoom).filterBy(["channelId"]),
    },
    // Dead sockets (backgrounded mobile browsers): pinged every WS_HEARTBEAT_INTERVAL,
    // terminated after 2 unanswered pings.
    transport: new ParleyWebSocketTransport({ maxPayload: config.ws.maxPayloadBytes, pingInterval: config.ws.heartbeatIntervalMs, pingMaxRetries: 2, maxConnections: config.ws.maxConnections }, { logger, metrics }),
    presence,
    driver,
    publicAddress: config.publicAddress,
    selectProcessIdToCreateRoom,
    gracefullyShutdown: overrides.gracefullyShutdown ?? true,
    greet: false,
    express: (app) => mountHttp(app, httpDeps),
  });

  let consumers: { stop(): Promise<void> } | undefined;
  let metricsServer: HttpServer | undefined;
  let shutdownStartedAt = 0;
  server.onBeforeShutdown(async () => {
    shuttingDown = true;
    shutdownStartedAt = Date.now();
    logger.info("shutdown: not ready any more; rooms end and persist");
    await cleanup.stop();
    await topicSync.stop();
    await retention.stop();
    await reminders.stop();
    // Consumers write to the store: stop them while it is still open.
    await consumers?.stop().catch((err: unknown) => logger.warn({ err }, "shutdown: event consumers stop failed"));
  });
  server.onShutdown(async () => {
    logger.info({ ms: Date.now() - shutdownStartedAt }, "shutdown: every room disposed (writes done); flushing the outbox");
    // Publish what the rooms wrote. Another process holding the lease either stays up (it
    // publishes them) or is shutting down too and gives the lease up in a moment: wait a little.
    let leading = await leadership.tryAcquire();
    for (const until = Date.now() + SHUTDOWN_LEASE_WAIT_MS; !leading && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      leading = await leadership.tryAcquire();
    }
    await relay.stop();
    await leadership.stop();
    if (!leading) logger.info("shutdown: another process leads the outbox and publishes what this one wrote");
    const pending = leading ? await store.outbox.pendingCount().catch(() => -1) : 0;
    if (pending > 0) logger.warn({ pending }, "shutdown: events left in the outbox (published by the next process to start)");
    await publisher.close().catch((err: unknown) => logger.warn({ err }, "shutdown: publisher close failed"));
    await recordings.close().catch((err: unknown) => logger.warn({ err }, "shutdown: recording storage close failed"));
    await redis?.close();
    await store.close().catch((err: unknown) => logger.warn({ err }, "shutdown: store close failed"));
    await closeMetricsServer();
    logger.info({ ms: Date.now() - shutdownStartedAt }, "shutdown complete");
  });

  async function closeMetricsServer(): Promise<void> {
    const open = metricsServer;
    metricsServer = undefined;
    if (!open) return;
    open.closeAllConnections();
    await new Promise<void>((resolve) => open.close(() => resolve()));
  }

  return {
    server,
    config,
    store,
    publisher,
    recordings,
    relay,
    rateLimits,
    cleanup,
    metrics,
    logger,
    async listen() {
      await server.listen(config.port, config.host);
      const { port: metricsPort, token: metricsToken, onMainPort } = config.metrics;
      if (metricsPort !== undefined) {
        metricsServer = await startMetricsServer(metrics.registry, { port: metricsPort, host: config.host, token: metricsToken });
        logger.info({ port: metricsServerPort(metricsServer), host: config.host, bearerToken: metricsToken !== undefined }, `metrics: GET ${METRICS_PATH} on its own port`);
      } else if (onMainPort) {
        logger.info({ port: config.port, bearerToken: metricsToken !== undefined }, `metrics: GET ${METRICS_PATH} on the main port`);
      } else {
        logger.warn(`metrics: not served (production without METRICS_PORT or METRICS_TOKEN would expose them publicly); set one of the two to scrape ${METRICS_PATH}`);
      }
      leadership.start();
      relay.start();
      cleanup.start();
      retention.start();
      reminders.start();
      await reopenScheduledQueues();
      const brokers = config.kafka.brokers ?? [];
      if (brokers.length > 0) {
        const { clientId, groupId, topics } = config.kafka;
        consumers = await startEventConsumers({ brokers, clientId, groupId, topics: { user: topics.user, lessons: topics.lessons, feedback: topics.feedback }, store, logger });
        logger.info({ groupId, topics: [topics.user, topics.lessons, topics.feedback] }, "events: consuming user, lesson and feedback events (idempotent by eventId)");
      }
      logger.info({ port: config.port, host: config.host, publicAddress: config.publicAddress }, `parley listening on http://${config.host}:${config.port}`);
    },
    async shutdown() {
      await server.gracefullyShutdown(false);
    },
  };
}

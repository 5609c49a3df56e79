import { defineRoom, defineServer, LocalDriver, LocalPresence, type Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { join } from "node:path";
import type { Logger } from "pino";
import { ConversationRoom } from "../rooms/ConversationRoom.js";
import { MatchmakingRoom } from "../rooms/MatchmakingRoom.js";
import type { RoomDeps } from "../rooms/roomDeps.js";
import { createTokenVerifier } from "./auth/tokenVerifier.js";
import type { Config } from "./config/config.js";
import type { EventPublisher } from "./events/eventPublisher.js";
import { createFilePublisher } from "./events/filePublisher.js";
import { OutboxRelay } from "./events/outboxRelay.js";
import { mountHttp } from "./http/app.js";
import type { HttpDeps } from "./http/httpDeps.js";
import { createMemoryRateLimits } from "./limits/rateLimits.js";
import { createLogger } from "./observability/logger.js";
import { createMetrics } from "./observability/metrics.js";
import { createMemoryStore } from "./store/memory/memoryStore.js";
import type { Store } from "./store/repositories.js";
import { TopicCatalog } from "./topics/topicCatalog.js";

/** Test and embedding hooks of {@link createParley}. */
export interface ParleyOverrides {
  logger?: Logger;
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Uniform [0, 1) source (prompt intervals). @default Math.random */
  random?: () => number;
  /** Let Colyseus handle SIGTERM/SIGINT. @default true; tests pass false. */
  gracefullyShutdown?: boolean;
}

/** A composed parley process: the Colyseus server and the ports it was built with. */
export interface Parley {
  server: Server;
  config: Config;
  store: Store;
  publisher: EventPublisher;
  relay: OutboxRelay;
  logger: Logger;
  /** Starts listening on `config.port`/`config.host` and the outbox relay. */
  listen(): Promise<void>;
}

/**
 * The composition root (DESIGN §1): picks each port's implementation from `config`, logs one
 * line per port, binds the ports to the room classes, mounts HTTP, and wires shutdown so the
 * outbox is flushed and the store closed after the rooms have persisted.
 */
export function createParley(config: Config, overrides: ParleyOverrides = {}): Parley {
  const logger = overrides.logger ?? createLogger(config.logLevel, config.serviceName);
  const now = overrides.now ?? Date.now;
  const random = overrides.random ?? Math.random;
  if (config.jwt.usingDevSecret) {
    logger.warn("JWT_SECRET is not set: using the built-in DEVELOPMENT key. Anyone can mint tokens. Never run like this in production.");
  }
  const store = createMemoryStore();
  const publisher = createFilePublisher(join(config.dataDir, "events.jsonl"));
  const rateLimits = createMemoryRateLimits(config.quotas);
  const metrics = createMetrics();
  const catalog = new TopicCatalog();
  const verifier = createTokenVerifier(config.jwt);
  const relay = new OutboxRelay(store.outbox, publisher, logger, {}, (n) => metrics.eventsPublished.inc(n));
  const onEventsWritten = () => relay.nudge();

  logger.info({ port: "presence/driver", implementation: "LocalPresence/LocalDriver" }, "presence/driver: local (single process)");
  logger.info({ port: "store", implementation: store.kind }, "store: in-memory");
  logger.info({ port: "events", implementation: publisher.kind, path: join(config.dataDir, "events.jsonl") }, "events: outbox → JSON lines file");
  logger.info({ port: "rate limits", implementation: "memory" }, "rate limits: rate-limiter-flexible memory");
  logger.info({ port: "recording storage", implementation: "local", path: join(config.dataDir, "recordings") }, "recording storage: local directory");

  const roomDeps: RoomDeps = { config, store, catalog, verifier, logger, metrics, rateLimits, onEventsWritten, now, random };
  const httpDeps: HttpDeps = { config, store, catalog, verifier, rateLimits, metrics, logger, publisher, onEventsWritten, now };

  class BoundMatchmakingRoom extends MatchmakingRoom {
    protected readonly deps = roomDeps;
  }
  class BoundConversationRoom extends ConversationRoom {
    protected readonly deps = roomDeps;
  }

  const server = defineServer({
    rooms: {
      matchmaking: defineRoom(BoundMatchmakingRoom).filterBy(["queue"]),
      conversation: defineRoom(BoundConversationRoom),
    },
    transport: new WebSocketTransport({ maxPayload: config.ws.maxPayloadBytes, pingInterval: config.ws.heartbeatIntervalMs, pingMaxRetries: 2 }),
    presence: new LocalPresence(),
    driver: new LocalDriver(),
    publicAddress: config.publicAddress,
    gracefullyShutdown: overrides.gracefullyShutdown ?? true,
    greet: false,
    express: (app) => mountHttp(app, httpDeps),
  });
  server.onShutdown(async () => {
    await relay.stop();
    await publisher.close();
    await store.close();
    logger.info("shutdown complete");
  });

  return {
    server,
    config,
    store,
    publisher,
    relay,
    logger,
    async listen() {
      await server.listen(config.port, config.host);
      relay.start();
      logger.info({ port: config.port, host: config.host }, `parley listening on http://${config.host}:${config.port}`);
    },
  };
}

import type { Logger } from "pino";
import type { TokenVerifier } from "../auth/tokenVerifier.js";
import type { RecordingStorage } from "../storage/recordingStorage.js";
import type { Config } from "../config/config.js";
import type { EventPublisher } from "../events/eventPublisher.js";
import type { RateLimits } from "../limits/rateLimits.js";
import type { Notifier } from "../notifications/notifier.js";
import type { Metrics } from "../observability/metrics.js";
import type { Store } from "../store/repositories.js";
import type { TopicCatalog } from "../topics/topicCatalog.js";
import type { TopicCatalogSync } from "../topics/topicCatalogSync.js";
import type { ReadinessCheck } from "./opsRoutes.js";

/** What the HTTP layer needs, built once in `src/server.ts`. `now` is epoch milliseconds. */
export interface HttpDeps {
  config: Config;
  store: Store;
  catalog: TopicCatalog;
  /** Refreshes `catalog` after an admin wrote topics to the store, and tells the other processes. */
  topicSync: TopicCatalogSync;
  verifier: TokenVerifier;
  rateLimits: RateLimits;
  metrics: Metrics;
  logger: Logger;
  publisher: EventPublisher;
  /** The recording storage port: presigned URLs in `GET /sessions/:id`, the local storage's URL route. */
  recordings: RecordingStorage;
  /** Creates notifications (stored, pushed over presence): here, report outcomes. */
  notifier: Notifier;
  onEventsWritten: () => void;
  now: () => number;
  /** Backends `GET /readyz` checks besides the store and the publisher (Redis). */
  readiness?: ReadinessCheck[];
  /** True once a graceful shutdown began (`GET /readyz` answers 503). */
  isShuttingDown?: () => boolean;
}

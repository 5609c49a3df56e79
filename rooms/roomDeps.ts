import type { Logger } from "pino";
import type { TokenVerifier } from "../src/auth/tokenVerifier.js";
import type { Config } from "../src/config/config.js";
import type { RoomCalls } from "../src/http/roomCalls.js";
import type { Notifier } from "../src/notifications/notifier.js";
import type { Metrics } from "../src/observability/metrics.js";
import type { RateLimits } from "../src/limits/rateLimits.js";
import type { RecordingStorage } from "../src/storage/recordingStorage.js";
import type { Store } from "../src/store/repositories.js";
import type { TopicCatalog } from "../src/topics/topicCatalog.js";
import type { IoRetryPolicy } from "./roomIoQueue.js";

/**
 * The ports a room needs, built once in `src/server.ts` and bound to the room classes there
 * (never module singletons, STYLE §2). `now` is epoch milliseconds; `random` returns [0, 1).
 */
export interface RoomDeps {
  config: Config;
  store: Store;
  catalog: TopicCatalog;
  verifier: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
  rateLimits: RateLimits;
  /** The recording storage port (DESIGN §6 "Recording"). */
  recordings: RecordingStorage;
  /** Creates notifications (stored, pushed over presence to the user's sockets on any process). */
  notifier: Notifier;
  /** Remote calls between rooms (a `matchmaking` gateway asks its `queue` actor), across processes. */
  roomCalls: RoomCalls;
  /** Asks the outbox relay to publish soon (after a write). */
  onEventsWritten: () => void;
  now: () => number;
  random: () => number;
  /** Retries of the rooms' I/O queues. @default DEFAULT_IO_RETRY */
  ioRetry?: IoRetryPolicy;
}

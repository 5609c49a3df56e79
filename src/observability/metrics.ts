import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The Prometheus metrics of seed 002 §10.1, on a registry owned by one server. */
export interface Metrics {
  readonly registry: Registry;
  matchRequests: Counter<"language" | "topic">;
  matchOutcomes: Counter<"outcome">;
  matchWaitSeconds: Histogram<"language">;
  conversationsActive: Gauge;
  conversationsCompleted: Counter<"language" | "duration_range">;
  conversationRatingAvg: Gauge<"topic">;
  promptsDisplayed: Counter<"type">;
  websocketConnections: Gauge;
  websocketMessages: Counter<"type">;
  queueSize: Gauge<"queue">;
  eventsPublished: Counter;
  outboxPending: Gauge;
  recordingUploadSeconds: Histogram;
  /** Failed store/room I/O attempts of a room's I/O queue, retried or final (DESIGN §1). */
  roomIoFailures: Counter<"room" | "operation">;
}

/** Bucket label of a conversation's duration for `conversations_completed_total`. */
export function durationRange(seconds: number): string {
  if (seconds < 120) return "lt_2m";
  if (seconds < 600) return "2m_10m";
  if (seconds < 1800) return "10m_30m";
  return "gte_30m";
}

/** Creates the registry and every metric (plus Node's default process metrics). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    matchRequests: new Counter({ name: "match_requests_total", help: "Match requests created", labelNames: ["language", "topic"], registers }),
    matchOutcomes: new Counter({ name: "match_outcomes_total", help: "Match requests by outcome (matched, expired, cancelled); match_success_rate = matched / all", labelNames: ["outcome"], registers }),
    matchWaitSeconds: new Histogram({ name: "match_wait_time_seconds", help: "Seconds from request to match", labelNames: ["language"], buckets: [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600], registers }),
    conversationsActive: new Gauge({ name: "conversations_active", help: "Conversation sessions in status active on this process", registers }),
    conversationsCompleted: new Counter({ name: "conversations_completed_total", help: "Completed conversations", labelNames: ["language", "duration_range"], registers }),
    conversationRatingAvg: new Gauge({ name: "conversation_rating_avg", help: "Last average rating per topic", labelNames: ["topic"], registers }),
    promptsDisplayed: new Counter({ name: "prompts_displayed_total", help: "Prompts displayed", labelNames: ["type"], registers }),
    websocketConnections: new Gauge({ name: "websocket_connections_active", help: "Clients connected to rooms on this process", registers }),
    websocketMessages: new Counter({ name: "websocket_messages_total", help: "Room messages received", labelNames: ["type"], registers }),
    queueSize: new Gauge({ name: "matchmaking_queue_size", help: "Waiting tickets per queue", labelNames: ["queue"], registers }),
    eventsPublished: new Counter({ name: "events_published_total", help: "Events published from the outbox", registers }),
    outboxPending: new Gauge({ name: "outbox_pending", help: "Events waiting in the outbox", registers }),
    recordingUploadSeconds: new Histogram({ name: "recording_upload_duration_seconds", help: "Recording upload duration", registers }),
    roomIoFailures: new Counter({ name: "room_io_failures_total", help: "Failed I/O attempts of a room's I/O queue (retried or final), by room and operation", labelNames: ["room", "operation"], registers }),
  };
}

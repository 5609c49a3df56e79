import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from "prom-client";
import type { EventEnvelope } from "../events/envelope.js";
import type { OutboxRepository } from "../store/repositories.js";

/**
 * The Prometheus metrics of seed 002 §10.1 (names as in the seed, except `redis_queue_size` →
 * `matchmaking_queue_size{queue}`: a queue is a room, not a Redis list; and
 * `r2_upload_duration_seconds` → `recording_upload_duration_seconds`: the storage is S3), plus
 * what the alerts of §10.3 need (`match_outcomes_total`, `conversations_ended_total`,
 * `recording_uploads_total`, `websocket_disconnections_total`) and the operator's gauges
 * (Colyseus rooms/CCU, outbox backlog and age), on a registry owned by one server.
 *
 * Counters and histograms are per process (sum them in PromQL). The gauges read at scrape time
 * from the shared outbox are the same on every process (use `max`). Ratings and ended
 * conversations are counted from the events the outbox relay publishes, so only the process
 * leading the outbox reports them, and it sees every process's events.
 */
export interface Metrics {
  readonly registry: Registry;
  matchRequests: Counter<"language" | "topic">;
  /** Match requests by final outcome (`matched`, `expired`, `cancelled`); also feeds {@link matchSuccessRate}. */
  matchOutcomes: Counter<"outcome">;
  /** matched / (matched + expired + cancelled) over the last {@link MATCH_SUCCESS_WINDOW_MS}, 0–1; NaN with no outcome in the window. */
  matchSuccessRate: Gauge;
  matchWaitSeconds: Histogram<"language">;
  conversationsActive: Gauge;
  conversationsCompleted: Counter<"language" | "duration_range">;
  /** Conversations ended by final status (`completed`, `aborted`, `expired`), counted once per session. */
  conversationsEnded: Counter<"status">;
  /** Mean rating per topic over the last {@link RATING_WINDOW_MS} (an edited rating counts once, with its new value). */
  conversationRatingAvg: Gauge<"topic">;
  /** How many ratings {@link conversationRatingAvg} averages, per topic. */
  conversationRatings: Gauge<"topic">;
  promptsDisplayed: Counter<"type">;
  websocketConnections: Gauge;
  websocketMessages: Counter<"type">;
  /** Closed WebSocket connections: `clean` (1000, 1001, 4000 consented, 4001 server shutdown) or `abnormal` (any other code, e.g. 1006). */
  websocketDisconnections: Counter<"kind">;
  /** Sockets refused as they opened because this process already held `WS_MAX_CONNECTIONS` (closed with 4503 "server full"; not counted as disconnections). */
  websocketConnectionsRefused: Counter;
  queueSize: Gauge<"queue">;
  eventsPublished: Counter;
  outboxPending: Gauge;
  /** Age of the oldest unpublished outbox event in seconds; 0 when none is pending. */
  outboxOldestAgeSeconds: Gauge;
  /** Rooms on this process (`matchMaker.stats.local.roomCount`). */
  colyseusRooms: Gauge;
  /** Clients connected to rooms of this process (`matchMaker.stats.local.ccu`). */
  colyseusCcu: Gauge;
  /** Seconds a recording takes to become durable once it ends (the writer's `finish`). */
  recordingUploadSeconds: Histogram;
  /** Recordings by upload outcome (`success`, `failure`). */
  recordingUploads: Counter<"outcome">;
  /** Track or manifest uploads that failed for good (after the storage's retries) and were aborted (issue 10; logged too). */
  recordingUploadFailures: Counter;
  /**
   * Feeds the metrics derived from published events (call it with each batch the outbox relay
   * published): `events_published_total`, `conversations_ended_total` (once per session,
   * although each participant gets its own event), and the rating window of
   * `conversation_rating_avg` (`conversation.rated`).
   */
  observePublished(events: readonly EventEnvelope[]): void;
  /** Failed store/room I/O attempts of a room's I/O queue, retried or final (DESIGN §1). */
  roomIoFailures: Counter<"room" | "operation">;
}

/** What the scrape-time gauges read; every field is optional (tests build bare metrics). */
export interface MetricSources {
  /** Clock, epoch milliseconds. @default Date.now */
  now?: () => number;
  /** The outbox (`outbox_pending`, `outbox_oldest_pending_age_seconds`). */
  outbox?: Pick<OutboxRepository, "pending" | "pendingCount">;
  /** This process's rooms and connected clients (`colyseus_rooms`, `colyseus_ccu`). */
  roomStats?: () => { roomCount: number; ccu: number };
  /** Told when a scrape-time source fails (the gauge then reads NaN; the scrape still answers). */
  onCollectError?: (metric: string, err: unknown) => void;
}

/** Window of `match_success_rate`: the last 15 minutes of outcomes, in ms. */
export const MATCH_SUCCESS_WINDOW_MS = 15 * 60_000;

/** Window of `conversation_rating_avg`: ratings of the last 24 hours, in ms. */
export const RATING_WINDOW_MS = 24 * 3_600_000;

/** Close codes that are not a failure: normal, going away, consented leave (4000), server shutdown (4001). */
const CLEAN_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 4000, 4001]);

/** Sessions remembered to count an ending once although each participant gets its own event. */
const ENDED_SESSIONS_REMEMBERED = 10_000;

const ENDED_STATUS_BY_EVENT: Readonly<Record<string, string>> = {
  "conversation.completed": "completed",
  "conversation.aborted": "aborted",
  "conversation.expired": "expired",
};

/** Bucket label of a conversation's duration for `conversations_completed_total`. */
export function durationRange(seconds: number): string {
  if (seconds < 120) return "lt_2m";
  if (seconds < 600) return "2m_10m";
  if (seconds < 1800) return "10m_30m";
  return "gte_30m";
}

/** `websocket_disconnections_total` label of a WebSocket close code. */
export function disconnectionKind(code: number): "clean" | "abnormal" {
  return CLEAN_CLOSE_CODES.has(code) ? "clean" : "abnormal";
}

/** Match outcomes counted per minute, kept for {@link MATCH_SUCCESS_WINDOW_MS}. */
export class MatchOutcomeWindow {
  private readonly minutes = new Map<number, { matched: number; total: number }>();

  /** @param now epoch ms */
  record(outcome: string, count: number, now: number): void {
    const minute = Math.floor(now / 60_000);
    const bucket = this.minutes.get(minute) ?? { matched: 0, total: 0 };
    if (outcome === "matched") bucket.matched += count;
    bucket.total += count;
    this.minutes.set(minute, bucket);
  }

  /** matched / all over the minutes that started within the window before `now`; NaN when there is none. */
  successRate(now: number): number {
    const oldest = Math.floor((now - MATCH_SUCCESS_WINDOW_MS) / 60_000) + 1;
    let matched = 0;
    let total = 0;
    for (const [minute, bucket] of this.minutes) {
      if (minute < oldest) {
        this.minutes.delete(minute);
        continue;
      }
      matched += bucket.matched;
      total += bucket.total;
    }
    return total === 0 ? Number.NaN : matched / total;
  }
}

/** The ratings of the last {@link RATING_WINDOW_MS}, one per (session, rater): an edit replaces. */
export class RatingWindow {
  // Insertion order = time order (an edit is re-inserted), so expiry pops from the front.
  private readonly ratings = new Map<string, { topic: string; rating: number; at: number }>();

  /** @param now epoch ms */
  record(sessionId: string, userId: string, topic: string, rating: number, now: number): void {
    const key = `${sessionId}\u0000${userId}`;
    this.ratings.delete(key);
    this.ratings.set(key, { topic, rating, at: now });
  }

  /** Mean and count per topic of the ratings within the window before `now`. */
  averages(now: number): Map<string, { avg: number; count: number }> {
    for (const [key, entry] of this.ratings) {
      if (entry.at > now - RATING_WINDOW_MS) break;
      this.ratings.delete(key);
    }
    const sums = new Map<string, { sum: number; count: number }>();
    for (const { topic, rating } of this.ratings.values()) {
      const s = sums.get(topic) ?? { sum: 0, count: 0 };
      s.sum += rating;
      s.count += 1;
      sums.set(topic, s);
    }
    return new Map([...sums].map(([topic, s]) => [topic, { avg: s.sum / s.count, count: s.count }]));
  }
}

/**
 * `counter`, whose `inc` also tells each labelled increment to `observe` (the rooms keep
 * calling `inc`). prom-client assigns `inc` per instance (without exemplars: `inc(labels?, value?)`),
 * so it is wrapped rather than overridden.
 */
function observeIncrements<T extends string>(counter: Counter<T>, observe: (labels: LabelValues<T>, value: number) => void): Counter<T> {
  const inc = counter.inc.bind(counter) as (first?: LabelValues<T> | number, value?: number) => void;
  counter.inc = ((first?: LabelValues<T> | number, value?: number) => {
    inc(first, value);
    if (typeof first === "object") observe(first, value ?? 1);
  }) as Counter<T>["inc"];
  return counter;
}

/** The remembered-set of ended sessions: insertion-ordered, bounded. */
function firstTimeSeen(seen: Set<string>, key: string): boolean {
  if (seen.has(key)) return false;
  seen.add(key);
  if (seen.size > ENDED_SESSIONS_REMEMBERED) seen.delete(seen.values().next().value as string);
  return true;
}

/** Creates the registry and every metric (plus Node's default process metrics). */
export function createMetrics(sources: MetricSources = {}): Metrics {
  const now = sources.now ?? Date.now;
  const failed = (metric: string, err: unknown) => sources.onCollectError?.(metric, err);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const outcomes = new MatchOutcomeWindow();
  const ratings = new RatingWindow();
  const endedSessions = new Set<string>();
  const { outbox, roomStats } = sources;

  const metrics: Metrics = {
    registry,
    matchRequests: new Counter({ name: "match_requests_total", help: "Match requests created", labelNames: ["language", "topic"], registers }),
    matchOutcomes: observeIncrements(
      new Counter({ name: "match_outcomes_total", help: "Match requests by outcome (matched, expired, cancelled)", labelNames: ["outcome"], registers }),
      (labels, value) => outcomes.record(String(labels.outcome), value, now()),
    ),
    matchSuccessRate: new Gauge({
      name: "match_success_rate",
      help: `Matched / (matched + expired + cancelled) match requests over the last ${MATCH_SUCCESS_WINDOW_MS / 60_000} minutes on this process, 0-1 (NaN without outcomes)`,
      registers,
      collect() {
        this.set(outcomes.successRate(now()));
      },
    }),
    matchWaitSeconds: new Histogram({ name: "match_wait_time_seconds", help: "Seconds from request to match", labelNames: ["language"], buckets: [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300, 600], registers }),
    conversationsActive: new Gauge({ name: "conversations_active", help: "Conversation sessions in status active on this process", registers }),
    conversationsCompleted: new Counter({ name: "conversations_completed_total", help: "Completed conversations", labelNames: ["language", "duration_range"], registers }),
    conversationsEnded: new Counter({ name: "conversations_ended_total", help: "Conversations ended, by final status (completed, aborted, expired), from the published events", labelNames: ["status"], registers }),
    conversationRatingAvg: new Gauge({
      name: "conversation_rating_avg",
      help: `Mean rating (1-5) per topic over the last ${RATING_WINDOW_MS / 3_600_000} h, from the published conversation.rated events`,
      labelNames: ["topic"],
      registers,
      collect() {
        this.reset();
        for (const [topic, { avg }] of ratings.averages(now())) this.set({ topic }, avg);
      },
    }),
    conversationRatings: new Gauge({
      name: "conversation_ratings_window",
      help: `Ratings per topic in the window of conversation_rating_avg (last ${RATING_WINDOW_MS / 3_600_000} h)`,
      labelNames: ["topic"],
      registers,
      collect() {
        this.reset();
        for (const [topic, { count }] of ratings.averages(now())) this.set({ topic }, count);
      },
    }),
    promptsDisplayed: new Counter({ name: "prompts_displayed_total", help: "Prompts displayed", labelNames: ["type"], registers }),
    websocketConnections: new Gauge({ name: "websocket_connections_active", help: "Clients connected to rooms on this process", registers }),
    websocketMessages: new Counter({ name: "websocket_messages_total", help: "Room messages received", labelNames: ["type"], registers }),
    websocketDisconnections: new Counter({ name: "websocket_disconnections_total", help: "WebSocket connections closed: clean (1000, 1001, 4000, 4001) or abnormal (any other close code)", labelNames: ["kind"], registers }),
    websocketConnectionsRefused: new Counter({ name: "websocket_connections_refused_total", help: "WebSocket connections refused at WS_MAX_CONNECTIONS open sockets (closed with 4503 server full)", registers }),
    queueSize: new Gauge({ name: "matchmaking_queue_size", help: "Waiting tickets per queue (seed 002 redis_queue_size)", labelNames: ["queue"], registers }),
    eventsPublished: new Counter({ name: "events_published_total", help: "Events published from the outbox", registers }),
    outboxPending: new Gauge({
      name: "outbox_pending",
      help: "Events waiting in the outbox (shared by every process)",
      registers,
      async collect() {
        if (!outbox) return;
        try {
          this.set(await outbox.pendingCount());
        } catch (err) {
          this.set(Number.NaN);
          failed("outbox_pending", err);
        }
      },
    }),
    outboxOldestAgeSeconds: new Gauge({
      name: "outbox_oldest_pending_age_seconds",
      help: "Age in seconds of the oldest unpublished outbox event (0 when none)",
      registers,
      async collect() {
        if (!outbox) return;
        try {
          const [oldest] = await outbox.pending(1);
          this.set(oldest ? Math.max(0, (now() - Date.parse(oldest.event.timestamp)) / 1000) : 0);
        } catch (err) {
          this.set(Number.NaN);
          failed("outbox_oldest_pending_age_seconds", err);
        }
      },
    }),
    colyseusRooms: new Gauge({
      name: "colyseus_rooms",
      help: "Colyseus rooms on this process",
      registers,
      collect() {
        if (roomStats) this.set(roomStats().roomCount);
      },
    }),
    colyseusCcu: new Gauge({
      name: "colyseus_ccu",
      help: "Clients connected to Colyseus rooms on this process",
      registers,
      collect() {
        if (roomStats) this.set(roomStats().ccu);
      },
    }),
    recordingUploadSeconds: new Histogram({ name: "recording_upload_duration_seconds", help: "Seconds for a recording to become durable once it ends (seed 002 r2_upload_duration_seconds)", buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers }),
    recordingUploads: new Counter({ name: "recording_uploads_total", help: "Recordings by upload outcome (success, failure)", labelNames: ["outcome"], registers }),
    recordingUploadFailures: new Counter({ name: "recording_upload_failures_total", help: "Recording track or manifest uploads that failed after retries and were aborted", registers }),
    observePublished(events) {
      metrics.eventsPublished.inc(events.length);
      for (const event of events) {
        const status = ENDED_STATUS_BY_EVENT[event.eventType];
        if (status && firstTimeSeen(endedSessions, `${status}:${event.metadata.correlationId}`)) metrics.conversationsEnded.inc({ status });
        if (event.eventType === "conversation.rated") {
          const { sessionId, userId, rating, topicCode } = event.payload as { sessionId?: unknown; userId?: unknown; rating?: unknown; topicCode?: unknown };
          if (typeof sessionId === "string" && typeof userId === "string" && typeof topicCode === "string" && typeof rating === "number") {
            ratings.record(sessionId, userId, topicCode, rating, Date.parse(event.timestamp) || now());
          }
        }
      }
    },
    roomIoFailures: new Counter({ name: "room_io_failures_total", help: "Failed I/O attempts of a room's I/O queue (retried or final), by room and operation", labelNames: ["room", "operation"], registers }),
  };
  return metrics;
}

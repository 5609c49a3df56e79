import type { Logger } from "pino";
import { events as buildEvents } from "../events/eventBuilders.js";
import { endOrphanedSession } from "../http/orphanedSessions.js";
import { sessionDeadlineOf, type SessionLimits } from "../session/sessionLifecycle.js";
import type { MatchRequestRecord, SessionEndReason, SessionRecord } from "../store/records.js";
import type { Store } from "../store/repositories.js";

/**
 * What the cleanup job asks of the rooms. Built in `src/server.ts` on `matchMaker` (whose
 * listings cover every process with the Redis driver); this module imports no Colyseus.
 */
export interface CleanupRooms {
  /** The ids of the `conversation` rooms listed now, on every process (`roomId` = `sessionId`). */
  listedConversationIds(): Promise<ReadonlySet<string>>;
  /**
   * Asks a session's room to run its clock now (`ConversationRoom.tick`), so that the room —
   * the writer of a live session — ends it by its own deadline.
   * @returns false when the room did not answer (its process is gone or stuck)
   */
  nudge(sessionId: string): Promise<boolean>;
}

/** The limits the job judges a session by, in seconds (from `Config.session`). */
export type CleanupLimits = Pick<SessionLimits, "joinTimeoutSeconds" | "maxDurationFreeSeconds" | "maxDurationPremiumSeconds">;

/** What to do with one live session. */
export type SessionCleanupDecision =
  | { action: "keep" }
  /** The room is listed but the session is past its deadline: let the room end it. */
  | { action: "nudge_room"; deadline: number }
  /** End it in the store (nobody else can): at `at` (epoch ms), with `reason`. */
  | { action: "end"; reason: SessionEndReason; at: number; why: "room_gone" | "over_time" };

/**
 * The deadline of a live session (epoch ms): the lifecycle's rule (`sessionDeadlineOf`, DESIGN §6)
 * applied to the stored record.
 */
export function sessionDeadline(session: SessionRecord, limits: CleanupLimits): number {
  const scheduled = (session as SessionRecord & { scheduledStartAt?: Date }).scheduledStartAt;
  return sessionDeadlineOf({
    status: session.status === "waiting" ? "waiting" : "active",
    createdAt: session.createdAt.getTime(),
    scheduledStartAt: scheduled?.getTime(),
    startedAt: session.startedAt?.getTime(),
    tiers: session.participants.map((p) => p.tier),
  }, limits);
}

/**
 * The cleanup rule for one live session (DESIGN §6 "ends sessions whose room is gone or over
 * time"), pure:
 * - room listed, not past deadline + slack → keep (the room's own clock ends it);
 * - room listed, past deadline + slack → nudge the room (it is the writer);
 * - room gone, `active` → end now (reason `error`), or at the deadline (reason `timeout`) when
 *   it is already past it — the crash time is unknown, so the duration is capped there;
 * - room gone, `waiting` and older than `slackMs` → expire it (the matchmaking room stores a
 *   session a moment *before* it creates its room: younger ones are left alone).
 * @param now epoch milliseconds
 * @param slackMs grace past a deadline before the job acts, in ms
 */
export function decideSessionCleanup(session: SessionRecord, roomListed: boolean, now: number, limits: CleanupLimits, slackMs: number): SessionCleanupDecision {
  if (session.status !== "waiting" && session.status !== "active") return { action: "keep" };
  const deadline = sessionDeadline(session, limits);
  const overdue = now > deadline + slackMs;
  if (roomListed) return overdue ? { action: "nudge_room", deadline } : { action: "keep" };
  if (session.status === "waiting" && now - session.createdAt.getTime() <= slackMs) return { action: "keep" };
  return overdue || now > deadline
    ? { action: "end", reason: "timeout", at: Math.min(now, deadline), why: overdue ? "over_time" : "room_gone" }
    : { action: "end", reason: "error", at: now, why: "room_gone" };
}

/** Dependencies of {@link SessionCleanup}. */
export interface SessionCleanupDeps {
  store: Store;
  rooms: CleanupRooms;
  logger: Logger;
  limits: CleanupLimits;
  /** Epoch milliseconds. */
  now: () => number;
  /** Asks the outbox relay to publish soon. */
  onEventsWritten: () => void;
}

/** Tuning of {@link SessionCleanup}. */
export interface SessionCleanupOptions {
  /** Period of the job, in ms (`SESSION_CLEANUP_INTERVAL`). */
  intervalMs: number;
  /** Grace past a deadline (or a ticket's `expiresAt`) before the job acts, in ms. @default 60000 */
  slackMs?: number;
  /** Sessions and tickets examined per run (oldest first). @default 1000 */
  batchSize?: number;
  /** Uniform [0, 1) source for the first run's jitter. @default Math.random */
  random?: () => number;
  /**
   * How long published outbox rows and processed event ids are kept, in ms
   * (`OUTBOX_RETENTION_HOURS`); each run deletes the older ones. @default 72 hours
   */
  retentionMs?: number;
}

/** Default of {@link SessionCleanupOptions.retentionMs}: 72 hours. */
export const DEFAULT_RETENTION_MS = 72 * 3600 * 1000;

/** What one run did. */
export interface CleanupReport {
  /** Sessions ended in the store, by id, with their new status. */
  sessionsEnded: { sessionId: string; status: string; why: "room_gone" | "over_time" }[];
  /** Rooms asked to run their clock (session past its deadline). */
  roomsNudged: string[];
  /** Tickets expired in the store. */
  ticketsExpired: string[];
  /** Published outbox rows deleted (older than the retention). */
  outboxRowsPruned: number;
  /** Processed event ids forgotten (older than the retention). */
  processedEventsPruned: number;
  /** Notifications deleted past their 30-day expiry. */
  notificationsPruned: number;
}

/**
 * The cleanup job (DESIGN §6, seed 002 §6.2): every `SESSION_CLEANUP_INTERVAL`, live sessions
 * whose `conversation` room is gone (a crashed process) or that are past their time limit are
 * ended, with their events in the outbox; pending tickets past `expiresAt` (+ slack) — left by
 * a matchmaking room that is gone — are expired with `match.expired`; and published outbox rows
 * and processed event ids older than `OUTBOX_RETENTION_HOURS` are deleted (retention: without
 * it both collections grow forever; FerretDB 1.24 has no TTL index to do it).
 *
 * Several processes: **every process runs the job, none coordinates**. That is safe because
 * every write is conditional — a session ends only from the status it was read in
 * (`sessions.transition(id, [status], …)`), a ticket expires only while `pending` — and the
 * events are written with the change or not at all: when two processes race on one session,
 * one write applies and the other is refused with no event, so there are no duplicates (on
 * FerretDB too: the Mongo store's conditional writes go through claimed writes). The first
 * run is jittered over one interval so the processes do not all scan at the same moment.
 * Pruning is a delete by age, idempotent: two processes pruning at once delete each row once.
 */
export class SessionCleanup {
  private timer?: NodeJS.Timeout;
  private running?: Promise<CleanupReport>;
  private readonly slackMs: number;
  private readonly batchSize: number;
  private readonly retentionMs: number;

  constructor(
    private readonly deps: SessionCleanupDeps,
    private readonly options: SessionCleanupOptions,
  ) {
    this.slackMs = options.slackMs ?? 60_000;
    this.batchSize = options.batchSize ?? 1000;
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
  }

  /** Starts the periodic runs (first one after a random part of the interval). */
  start(): void {
    if (this.timer) return;
    const first = Math.floor((this.options.random ?? Math.random)() * this.options.intervalMs);
    const loop = (delay: number) => {
      this.timer = setTimeout(() => {
        this.run().catch((err: unknown) => this.deps.logger.error({ err }, "session cleanup failed; will retry next interval"));
        loop(this.options.intervalMs);
      }, delay);
      this.timer.unref();
    };
    loop(first);
  }

  /** Stops the periodic runs and waits for the one in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One run, now (coalesced with a run in progress). Public for tests and operators. */
  run(): Promise<CleanupReport> {
    this.running ??= this.runOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async runOnce(): Promise<CleanupReport> {
    const { store, rooms, logger, limits } = this.deps;
    const report: CleanupReport = { sessionsEnded: [], roomsNudged: [], ticketsExpired: [], outboxRowsPruned: 0, processedEventsPruned: 0, notificationsPruned: 0 };
    // Sessions first, rooms second: a room created after the query cannot be missed for a
    // session read before it (and a session read before has its room listed, or is young).
    const live = await store.sessions.listLive(this.batchSize);
    const listed = live.length > 0 ? await rooms.listedConversationIds() : new Set<string>();
    for (const session of live) {
      const now = this.deps.now();
      const decision = decideSessionCleanup(session, listed.has(session.id), now, limits, this.slackMs);
      if (decision.action === "keep") continue;
      if (decision.action === "nudge_room") {
        report.roomsNudged.push(session.id);
        if (await rooms.nudge(session.id)) continue;
        // Listed but silent (its process is gone and its listing stale): end it here.
        await this.end(session, { action: "end", reason: "timeout", at: Math.min(now, decision.deadline), why: "over_time" }, report);
        continue;
      }
      await this.end(session, decision, report);
    }
    const tickets = await store.matchRequests.listExpiredPending(new Date(this.deps.now() - this.slackMs), this.batchSize);
    for (const ticket of tickets) await this.expireTicket(ticket, report);
    if (report.sessionsEnded.length + report.ticketsExpired.length > 0) {
      this.deps.onEventsWritten();
      logger.info({ sessionsEnded: report.sessionsEnded.length, ticketsExpired: report.ticketsExpired.length, roomsNudged: report.roomsNudged.length }, "session cleanup");
    }
    const keptSince = new Date(this.deps.now() - this.retentionMs);
    report.outboxRowsPruned = await store.outbox.prunePublished(keptSince);
    report.processedEventsPruned = await store.processedEvents.pruneBefore(keptSince);
    report.notificationsPruned = await store.notifications.pruneExpired(new Date(this.deps.now()));
    if (report.outboxRowsPruned + report.processedEventsPruned + report.notificationsPruned > 0) {
      logger.info({ outboxRowsPruned: report.outboxRowsPruned, processedEventsPruned: report.processedEventsPruned, notificationsPruned: report.notificationsPruned, keptSince: keptSince.toISOString() }, "retention: pruned published events and processed event ids");
    }
    return report;
  }

  private async end(session: SessionRecord, decision: Extract<SessionCleanupDecision, { action: "end" }>, report: CleanupReport): Promise<void> {
    const status = await endOrphanedSession(this.deps.store, session, decision.reason, decision.at);
    if (!status) return; // changed meanwhile (its room, or another process, got there first)
    report.sessionsEnded.push({ sessionId: session.id, status, why: decision.why });
    this.deps.logger.warn({ sessionId: session.id, from: session.status, to: status, why: decision.why }, "cleanup ended a session its room did not");
  }

  private async expireTicket(ticket: MatchRequestRecord, report: CleanupReport): Promise<void> {
    const now = this.deps.now();
    const event = buildEvents.matchExpired({ id: ticket.id, userId: ticket.userId, createdAt: ticket.createdAt.getTime() }, ticket.expiresAt.getTime(), now);
    if (await this.deps.store.matchRequests.transition(ticket.id, "pending", { status: "expired" }, { events: [event] })) {
      report.ticketsExpired.push(ticket.id);
    }
  }
}

import { matchMaker, Room, type Client } from "@colyseus/core";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import { ParleyError, errorBody, type ErrorBody } from "../src/errors/errorCodes.js";
import { eventPerUser, createEvent } from "../src/events/envelope.js";
import { admitTicket } from "../src/matchmaking/ticketAdmission.js";
import { Matcher, type MatchResult } from "../src/matchmaking/matcher.js";
import { matchmakingJoinOptionsSchema, matchRequestBodySchema } from "../src/matchmaking/matchRequestOptions.js";
import type { Ticket } from "../src/matchmaking/ticket.js";
import { WaitEstimator } from "../src/matchmaking/waitEstimator.js";
import type { MatchRequestRecord, ParticipantRecord, SessionRecord } from "../src/store/records.js";
import { CEFR_LEVELS, cefrIndex } from "../src/topics/cefr.js";
import { onUnknownMessage, onValidatedMessage } from "./guardedMessages.js";
import { toJoinError } from "./joinErrors.js";
import { MatchmakingState } from "./matchmakingState.js";
import type { RoomDeps } from "./roomDeps.js";

/** What the room keeps per waiting ticket besides the matcher's {@link Ticket}. */
interface WaitingEntry {
  ticket: Ticket;
  record: MatchRequestRecord;
  principal: Principal;
  /** The connected client, absent for tickets made over REST. */
  client?: Client;
  blockedPeers: Set<string>;
  recentPartners: Set<string>;
  suggested: boolean;
}

/** The JSON returned for a new ticket (seed 002 §3.2 `POST /match-request` 201). */
export interface MatchRequestView {
  matchRequest: { id: string; status: "pending"; estimatedWaitTimeSeconds: number; expiresAt: string };
}

type MatchmakingClient = Client<{ auth: Principal; userData: { ticketId?: string } }>;

/**
 * The `matchmaking` actor (DESIGN §1, §4, §5): one per queue (`filterBy(["queue"])`). Holds the
 * queue's waiting tickets in a {@link Matcher}, matches on every arrival and on a tick, creates
 * the session and its `conversation` room, and hands each matched client a seat reservation.
 * Tickets made over REST live here too (`addRemoteTicket`, via `matchMaker.remoteRoomCall`).
 */
export abstract class MatchmakingRoom extends Room<{ state: MatchmakingState; client: MatchmakingClient }> {
  protected abstract readonly deps: RoomDeps;
  override state = new MatchmakingState();
  private matcher!: Matcher;
  private readonly waits = new WaitEstimator();
  private readonly entries = new Map<string, WaitingEntry>();
  /** The same entries by userId: the matcher asks about users for every candidate it reads. */
  private readonly entriesByUser = new Map<string, WaitingEntry>();
  /** Per-room ordered I/O: state changes happen synchronously, their writes run in order. */
  private io: Promise<unknown> = Promise.resolve();
  /** Admissions awaiting the store: the room must not dispose under them. */
  private admitting = 0;
  private closing = false;

  override onCreate(options: { queue?: unknown }): void {
    const queue = z.string().min(2).max(20).safeParse(options.queue);
    if (!queue.success) throw toJoinError(new ParleyError("INVALID_REQUEST", "queue: a queue name of 2–20 characters is required"));
    this.state.queue = queue.data;
    // Tickets made over REST have no client: the room must outlive its clients while anyone waits.
    this.autoDispose = false;
    const { config } = this.deps;
    this.matcher = new Matcher({
      boundaries: config.matching.stageBoundariesSeconds,
      minCompatibilityScore: config.matching.minCompatibilityScore,
      // The matcher asks both ways round; blockedPeers already holds blocks in either direction.
      isBlocked: (a, b) => this.entryOfUser(a)?.blockedPeers.has(b) === true,
      hadRecentConversation: (a, b) => this.entryOfUser(a)?.recentPartners.has(b) === true || this.entryOfUser(b)?.recentPartners.has(a) === true,
    });
    this.setPatchRate(1000);
    this.clock.setInterval(() => this.tick(), config.matching.tickMs);
    onValidatedMessage(this, "cancel", z.strictObject({}), this.deps.logger, (client: MatchmakingClient) => {
      const ticketId = client.userData?.ticketId;
      if (ticketId) this.cancel(ticketId, "cancelled by user");
      client.leave();
    });
    onUnknownMessage(this, (type) => this.deps.metrics.websocketMessages.inc({ type }));
  }

  override async onAuth(_client: Client, _options: unknown, context: { token?: string }): Promise<Principal> {
    try {
      return this.deps.verifier.verify(context.token);
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override async onJoin(client: MatchmakingClient, options: unknown): Promise<void> {
    try {
      const principal = client.auth;
      if (!principal) throw new ParleyError("UNAUTHORIZED", "missing identity");
      const parsed = matchmakingJoinOptionsSchema.safeParse(options ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ParleyError("INVALID_REQUEST", `${issue?.path.join(".") || "options"}: ${issue?.message}`);
      }
      const { queue, ...body } = parsed.data;
      if (queue !== this.state.queue) throw new ParleyError("INVALID_REQUEST", `queue option "${queue}" does not match this room`);
      const view = await this.admit(principal, body, client);
      client.userData = { ticketId: view.matchRequest.id };
      client.send("match_request", view);
      this.tryMatch(view.matchRequest.id);
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override onLeave(client: MatchmakingClient): void {
    const ticketId = client.userData?.ticketId;
    const entry = ticketId ? this.entries.get(ticketId) : undefined;
    // Leaving the room cancels a ticket still waiting (DESIGN §5); a matched one is gone already.
    if (entry && entry.client === client) this.cancel(entry.ticket.id, "left the matchmaking room");
  }

  /**
   * Remote call from REST (`POST /match-request`): admits a ticket without a client.
   * Arguments are JSON-cloned by `remoteRoomCall`. A refusal is answered as `{ error: ErrorBody }`
   * (with `retryAfterSeconds` for `RATE_LIMITED`).
   */
  async addRemoteTicket(principal: Principal, rawBody: unknown): Promise<MatchRequestView | { error: ErrorBody }> {
    try {
      if (this.closing) throw new ParleyError("MATCHING_UNAVAILABLE", "this queue's room is closing; retry");
      const body = matchRequestBodySchema.parse(rawBody);
      const view = await this.admit(principal, body, undefined);
      this.tryMatch(view.matchRequest.id);
      return view;
    } catch (err) {
      if (err instanceof ParleyError) return { error: errorBody(err) };
      throw err;
    }
  }

  /** Remote call from REST (`DELETE /match-request/:id`). @returns false when not waiting here. */
  cancelRemoteTicket(userId: string, ticketId: string): boolean {
    const entry = this.entries.get(ticketId);
    if (!entry || entry.ticket.userId !== userId) return false;
    entry.client?.leave();
    this.cancel(ticketId, "cancelled by user");
    return true;
  }

  /** One matching round: expire, then retry waiting tickets (stages widen with time). Public for tests. */
  tick(now = this.deps.now()): void {
    const { matches, expired } = this.matcher.tick(now);
    for (const ticket of expired) this.expire(ticket, now);
    for (const match of matches) this.startSession(match, now);
    this.suggestPractice(now);
    this.refreshGauges();
    if (this.entries.size === 0 && this.clients.length === 0 && this.admitting === 0 && !this.closing) {
      this.closing = true;
      this.disconnect().catch(() => undefined);
    }
  }

  private entryOfUser(userId: string): WaitingEntry | undefined {
    return this.entriesByUser.get(userId);
  }

  private addEntry(entry: WaitingEntry): void {
    this.entries.set(entry.ticket.id, entry);
    this.entriesByUser.set(entry.ticket.userId, entry);
  }

  private removeEntry(ticketId: string): WaitingEntry | undefined {
    const entry = this.entries.get(ticketId);
    if (!entry) return undefined;
    this.entries.delete(ticketId);
    if (this.entriesByUser.get(entry.ticket.userId) === entry) this.entriesByUser.delete(entry.ticket.userId);
    return entry;
  }

  private async admit(principal: Principal, body: z.infer<typeof matchRequestBodySchema>, client: MatchmakingClient | undefined): Promise<MatchRequestView> {
    const now = this.deps.now();
    if (this.entryOfUser(principal.userId)) throw new ParleyError("ALREADY_MATCHED", "a match request is already pending");
    this.admitting++;
    try {
      return await this.admitAndStore(principal, body, client, now);
    } finally {
      this.admitting--;
    }
  }

  private async admitAndStore(principal: Principal, body: z.infer<typeof matchRequestBodySchema>, client: MatchmakingClient | undefined, now: number): Promise<MatchRequestView> {
    const admitted = await admitTicket(this.deps, principal, body, this.state.queue, now);
    const { record } = admitted;
    const event = createEvent("match.requested", record.userId, {
      matchRequestId: record.id,
      userId: record.userId,
      targetLanguageCode: record.targetLanguageCode,
      topicCode: record.topicCode,
      preferredPartnerLevel: record.preferredPartnerLevel,
      sessionType: record.sessionType,
    }, record.id, now);
    await this.deps.store.matchRequests.create(record, { events: [event] });
    this.deps.onEventsWritten();
    if (this.entryOfUser(principal.userId)) {
      // Lost a race with a second join of the same user while awaiting: keep the first.
      await this.deps.store.matchRequests.transition(record.id, "pending", { status: "cancelled" });
      throw new ParleyError("ALREADY_MATCHED", "a match request is already pending");
    }
    this.addEntry({
      ticket: admitted.ticket,
      record,
      principal,
      client,
      blockedPeers: new Set(admitted.blockedPeers),
      recentPartners: new Set(admitted.recentPartners),
      suggested: false,
    });
    this.deps.metrics.matchRequests.inc({ language: record.targetLanguageCode, topic: record.topicCode });
    this.refreshGauges();
    return {
      matchRequest: {
        id: record.id,
        status: "pending",
        estimatedWaitTimeSeconds: Math.round(this.waits.estimate(record.targetLanguageCode, record.currentLevel)),
        expiresAt: record.expiresAt.toISOString(),
      },
    };
  }

  private tryMatch(ticketId: string): void {
    const entry = this.entries.get(ticketId);
    if (!entry) return;
    const now = this.deps.now();
    const match = this.matcher.add(entry.ticket, now);
    if (match) this.startSession(match, now);
    this.refreshGauges();
  }

  private cancel(ticketId: string, why: string): void {
    const entry = this.removeEntry(ticketId);
    if (!entry) return;
    this.matcher.remove(ticketId);
    this.deps.metrics.matchOutcomes.inc({ outcome: "cancelled" });
    const now = this.deps.now();
    const event = createEvent("match.cancelled", entry.ticket.userId, { matchRequestId: ticketId, userId: entry.ticket.userId, reason: why }, ticketId, now);
    this.enqueue(async () => {
      await this.deps.store.matchRequests.transition(ticketId, "pending", { status: "cancelled" }, { events: [event] });
      this.deps.onEventsWritten();
    });
    this.refreshGauges();
  }

  private expire(ticket: Ticket, now: number): void {
    const entry = this.removeEntry(ticket.id);
    this.deps.metrics.matchOutcomes.inc({ outcome: "expired" });
    this.deps.logger.warn({ event: "match.expired", matchRequestId: ticket.id, userId: ticket.userId, waitTimeSeconds: Math.round((now - ticket.createdAt) / 1000) }, "match timeout");
    const event = createEvent("match.expired", ticket.userId, { matchRequestId: ticket.id, userId: ticket.userId, waitedSeconds: Math.round((now - ticket.createdAt) / 1000) }, ticket.id, now);
    this.enqueue(async () => {
      await this.deps.store.matchRequests.transition(ticket.id, "pending", { status: "expired" }, { events: [event] });
      this.deps.onEventsWritten();
      entry?.client?.send("match_expired", { matchRequestId: ticket.id });
    });
  }

  /** Tandem tickets still unmatched at the any-level stage learn about the practice queue (DESIGN §4). */
  private suggestPractice(now: number): void {
    const anyLevelAfterMs = this.deps.config.matching.stageBoundariesSeconds.categorySeconds * 1000;
    for (const entry of this.entries.values()) {
      if (entry.suggested || entry.ticket.sessionType !== "tandem" || !entry.client) continue;
      if (now - entry.ticket.createdAt < anyLevelAfterMs) continue;
      entry.suggested = true;
      const practiceQueue = entry.ticket.targetLanguageCode;
      const client = entry.client;
      this.enqueue(async () => {
        const rooms = await matchMaker.query({ name: this.roomName, queue: practiceQueue } as Record<string, unknown>);
        const waitingCount = rooms.reduce((n, r) => n + Number((r.metadata as { waiting?: number } | undefined)?.waiting ?? r.clients ?? 0), 0);
        client.send("match_suggestion", {
          matchRequestId: entry.ticket.id,
          queue: practiceQueue,
          waitingCount,
          estimatedWaitTimeSeconds: Math.round(this.waits.estimate(practiceQueue, entry.ticket.level)),
        });
      });
    }
  }

  private startSession(match: MatchResult, now: number): void {
    const [older, newer] = match.tickets;
    const first = this.entries.get(older.id);
    const second = this.entries.get(newer.id);
    if (!first || !second) return;
    this.removeEntry(older.id);
    this.removeEntry(newer.id);
    const sessionId = randomUUID();
    const participants = [first, second].map((entry, i): ParticipantRecord => ({
      userId: entry.ticket.userId,
      displayName: entry.principal.displayName,
      avatarUrl: entry.principal.avatarUrl,
      nativeLanguageCode: entry.ticket.nativeLanguageCode,
      targetLanguageCode: entry.ticket.targetLanguageCode,
      level: entry.ticket.level,
      role: i === 0 ? "learner" : "partner",
      tier: entry.principal.tier,
      recordingConsent: entry.record.recordingConsent,
      spokenSeconds: 0,
      turnCount: 0,
    }));
    const meanLevel = CEFR_LEVELS[Math.floor((cefrIndex(older.level) + cefrIndex(newer.level)) / 2)] ?? older.level;
    const session: SessionRecord = {
      id: sessionId,
      sessionType: older.sessionType,
      targetLanguageCode: older.targetLanguageCode,
      topicCode: match.topicCode,
      targetLevel: meanLevel,
      status: "waiting",
      participants,
      prompts: [],
      matchRequestIds: [older.id, newer.id],
      compatibilityScore: match.score,
      createdAt: new Date(now),
      updatedAt: new Date(now),
      durationSeconds: 0,
      ratings: [],
    };
    for (const t of match.tickets) {
      const waited = (now - t.createdAt) / 1000;
      this.waits.record(t.targetLanguageCode, t.level, waited, now);
      this.deps.metrics.matchWaitSeconds.observe({ language: t.targetLanguageCode }, waited);
      this.deps.metrics.matchOutcomes.inc({ outcome: "matched" });
    }
    const matchedEvents = eventPerUser("conversation.matched", participants.map((p) => p.userId), {
      sessionId,
      matchRequestIds: session.matchRequestIds,
      participants: participants.map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode, nativeLanguageCode: p.nativeLanguageCode })),
      topicCode: session.topicCode,
      sessionType: session.sessionType,
      compatibilityScore: match.score,
      waitTimeSeconds: Math.round((now - older.createdAt) / 1000),
    }, sessionId, now);
    this.deps.logger.info({ event: "conversation.matched", sessionId, participants: participants.map((p) => p.userId), waitTimeSeconds: Math.round((now - older.createdAt) / 1000), compatibilityScore: match.score, stage: match.stage }, "match found");
    this.enqueue(async () => {
      const { store } = this.deps;
      await store.sessions.create(session, { events: matchedEvents });
      for (const entry of [first, second]) {
        await store.matchRequests.transition(entry.ticket.id, "pending", { status: "matched", matchedSessionId: sessionId, matchedAt: new Date(now) });
      }
      this.deps.onEventsWritten();
      const room = await matchMaker.createRoom("conversation", { sessionId });
      for (const [entry, partner] of [[first, second], [second, first]] as const) {
        if (!entry.client) continue;
        const reservation = await matchMaker.reserveSeatFor(room, {}, entry.principal);
        entry.client.send("match_found", {
          matchRequestId: entry.ticket.id,
          sessionId,
          isInitiator: entry === first,
          compatibilityScore: match.score,
          sessionType: session.sessionType,
          topicCode: session.topicCode,
          ...(match.estimatedLevelDifference !== undefined ? { estimatedLevelDifference: match.estimatedLevelDifference } : {}),
          partner: {
            userId: partner.ticket.userId,
            displayName: partner.principal.displayName,
            ...(partner.principal.avatarUrl ? { avatarUrl: partner.principal.avatarUrl } : {}),
            nativeLanguageCode: partner.ticket.nativeLanguageCode,
            targetLanguageCode: partner.ticket.targetLanguageCode,
            level: partner.ticket.level,
          },
          reservation,
        });
      }
    });
    this.refreshGauges();
  }

  private enqueue(task: () => Promise<void>): void {
    this.io = this.io.then(task).catch((err: unknown) => this.deps.logger.error({ err, queue: this.state.queue }, "matchmaking I/O failed"));
  }

  private refreshGauges(): void {
    const waiting = this.entries.size;
    if (this.state.waiting !== waiting) {
      this.state.waiting = waiting;
      this.setMetadata({ queue: this.state.queue, waiting } as never).catch(() => undefined);
    }
    this.deps.metrics.queueSize.set({ queue: this.state.queue }, waiting);
  }

  override async onDispose(): Promise<void> {
    await this.io;
    this.deps.metrics.queueSize.set({ queue: this.state.queue }, 0);
  }
}

import { matchMaker, Room, type Client } from "@colyseus/core";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import { ParleyError, errorBody, isParleyError, type ErrorBody } from "../src/errors/errorCodes.js";
import { matchRequestBodySchema, type MatchRequestBody } from "../src/matchmaking/matchRequestOptions.js";
import { queueRoomId } from "../src/matchmaking/queueName.js";
import { QueueCore, type OpenConversation, type QueueSuggestion, type QueueNote, type QueueOutgoing, type QueueUnit } from "../src/matchmaking/queueCore.js";
import { admitTicket, reloadScheduledTickets } from "../src/matchmaking/ticketAdmission.js";
import { cancelMessageSchema, matchmakingJoinOptionsSchema, ROOM_NAMES, type MatchRequestView } from "../src/protocol/index.js";
import { onUnknownMessage, onValidatedMessage } from "./guardedMessages.js";
import { toJoinError } from "./joinErrors.js";
import { MatchmakingState } from "./matchmakingState.js";
import type { RoomDeps } from "./roomDeps.js";
import { RoomIoQueue } from "./roomIoQueue.js";
import { matchFoundDraft, sessionReminderDraft } from "../src/notifications/notificationDrafts.js";
import type { NotificationDraft } from "../src/notifications/notifier.js";
import { reportQueueNotes } from "./roomMetrics.js";

type MatchmakingClient = Client<{ auth: Principal; userData: { ticketId?: string } }>;

/**
 * The `matchmaking` actor (DESIGN §1, §4, §5): one per queue (`filterBy(["queue"])`, `roomId`
 * from the queue). A shell around {@link QueueCore}: admission checks, then the ticket stored
 * through the room's {@link RoomIoQueue}, then the core's units (writes batched per tick, then
 * the conversation room and `match_found`; `match_expired` when a match cannot be stored).
 * It disposes by Colyseus' own `autoDispose` (no clients and no reserved seats) once the core
 * is idle, so a seat reservation for it is never voided. REST tickets live here too.
 */
/** A queue room's metadata: its queue, waiting tickets, and those per native language (for `match_suggestion`). */
interface QueueMetadata {
  queue: string;
  waiting: number;
  waitingByNative?: Record<string, number>;
}

export abstract class MatchmakingRoom extends Room<{ state: MatchmakingState; client: MatchmakingClient }> {
  protected abstract readonly deps: RoomDeps;
  override state = new MatchmakingState();
  private core!: QueueCore;
  private io!: RoomIoQueue;
  /** Who holds each waiting ticket: the principal, and the client for SDK tickets. */
  private readonly holders = new Map<string, { principal: Principal; client?: MatchmakingClient }>();
  /** The `waitingByNative` last put in the metadata, as JSON. */
  private metadataNatives = "";

  override async onCreate(options: { queue?: unknown }): Promise<void> {
    const queue = z.string().min(2).max(20).safeParse(options.queue);
    if (!queue.success) throw toJoinError(new ParleyError("INVALID_REQUEST", "queue: a queue name of 2–20 characters is required"));
    this.state.queue = queue.data;
    this.roomId = queueRoomId(queue.data);
    const { config, store, logger, metrics } = this.deps;
    this.core = new QueueCore({ queue: queue.data, boundaries: config.matching.stageBoundariesSeconds, minCompatibilityScore: config.matching.minCompatibilityScore, maxLevelGap: config.matching.maxLevelGap, suggestAfterSeconds: config.matching.stageBoundariesSeconds.categorySeconds });
    this.io = new RoomIoQueue({ room: ROOM_NAMES.matchmaking, store, logger, failures: metrics.roomIoFailures, onWritten: this.deps.onEventsWritten, retry: this.deps.ioRetry });
    this.setPatchRate(1000);
    this.clock.setInterval(() => this.tick(), config.matching.tickMs);
    onValidatedMessage(this, "cancel", cancelMessageSchema, logger, (client: MatchmakingClient) => {
      const ticketId = client.userData?.ticketId;
      if (ticketId) this.applyUnits([this.core.cancel(ticketId, "cancelled by user", this.deps.now())]);
      client.leave();
    });
    onUnknownMessage(this, (type) => metrics.websocketMessages.inc({ type }));
    await this.reloadScheduled();
  }

  /** Scheduled tickets survive a restart (DESIGN §4): a new queue room takes back the pending ones of its queue from the store. */
  private async reloadScheduled(): Promise<void> {
    try {
      const reloaded = await reloadScheduledTickets(this.deps, this.state.queue, this.deps.now());
      for (const { admitted, holder } of reloaded) {
        try {
          this.core.reloadScheduled(admitted, holder);
        } catch (err) {
          this.deps.logger.warn({ err, matchRequestId: admitted.record.id }, "scheduled ticket not reloaded");
        }
      }
      if (reloaded.length > 0) this.deps.logger.info({ queue: this.state.queue, tickets: reloaded.length }, "scheduled tickets reloaded");
    } catch (err) {
      // The cleanup job expires them at their slot if no queue room takes them back.
      this.deps.logger.error({ err, queue: this.state.queue }, "scheduled tickets could not be reloaded");
    }
    this.refresh();
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
      const parsed = matchmakingJoinOptionsSchema.safeParse(options ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ParleyError("INVALID_REQUEST", `${issue?.path.join(".") || "options"}: ${issue?.message}`);
      }
      const { queue, ...body } = parsed.data;
      if (queue !== this.state.queue) throw new ParleyError("INVALID_REQUEST", `queue option "${queue}" does not match this room`);
      await this.admit(client.auth as Principal, body, client);
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override onLeave(client: MatchmakingClient): void {
    const ticketId = client.userData?.ticketId;
    const waiting = ticketId ? this.core.waitingTicket(ticketId) : undefined;
    const holder = this.holders.get(waiting?.userId ?? "");
    // A scheduled ticket waits for its slot without its client (DESIGN §4); cancel cancels it.
    if (waiting?.scheduled && holder?.client === client) {
      holder.client = undefined;
      return;
    }
    // Leaving the room cancels a ticket still waiting (DESIGN §5); a matched one is gone already.
    if (ticketId && holder?.client === client) {
      this.applyUnits([this.core.cancel(ticketId, "left the matchmaking room", this.deps.now())]);
    }
  }

  /** Remote call from REST (`POST /match-request`): admits a ticket without a client. */
  async addRemoteTicket(principal: Principal, rawBody: unknown): Promise<MatchRequestView | { error: ErrorBody }> {
    try {
      return await this.admit(principal, matchRequestBodySchema.parse(rawBody), undefined);
    } catch (err) {
      if (isParleyError(err)) return { error: errorBody(err) };
      throw err;
    }
  }

  /**
   * Remote call from REST (`DELETE /match-request/:id`), answered once the cancel is stored.
   * @returns false when not waiting here; `{ error }` (INTERNAL_ERROR) when it could not be stored
   */
  async cancelRemoteTicket(userId: string, ticketId: string): Promise<boolean | { error: ErrorBody }> {
    if (this.core.waitingTicket(ticketId)?.userId !== userId) return false;
    this.holders.get(userId)?.client?.leave();
    const unit = this.core.cancel(ticketId, "cancelled by user", this.deps.now());
    if (!unit) return false;
    this.applyNotes(unit.notes);
    return this.io.write(unit.writes).then(
      () => true,
      () => ({ error: errorBody(new ParleyError("INTERNAL_ERROR", "the cancel could not be stored; try again")) }),
    );
  }

  /** One matching round: expiries, matches, suggestions. Public for tests. */
  tick(now = this.deps.now()): void {
    const { units, suggestions } = this.core.tick(now);
    this.applyUnits(units);
    for (const s of suggestions) this.suggest(s);
  }

  private async admit(principal: Principal, body: MatchRequestBody, client: MatchmakingClient | undefined): Promise<MatchRequestView> {
    const now = this.deps.now();
    this.core.beginAdmission(principal.userId);
    this.refresh();
    try {
      const admitted = await admitTicket(this.deps, principal, body, this.state.queue, now);
      const [outcome] = await this.io.write(this.core.ticketWrites(admitted, now)).catch(() => Promise.reject(new ParleyError("INTERNAL_ERROR", "the match request could not be stored; try again")));
      if (outcome?.status !== "applied") throw (outcome?.status === "refused" && outcome.error) || new ParleyError("ALREADY_MATCHED", "a match request is already pending");
      this.holders.set(principal.userId, { principal, client });
      const { view, units } = this.core.ticketStored(admitted, principal, now);
      if (client) {
        client.userData = { ticketId: view.matchRequest.id };
        client.send("match_request", view);
      }
      this.applyUnits(units);
      return view;
    } catch (err) {
      this.core.abandonAdmission(principal.userId);
      throw err;
    } finally {
      this.refresh();
    }
  }

  /** Stores each unit's writes (one batch per tick), then opens its room and tells its users; on failure, its fallback. */
  private applyUnits(units: readonly (QueueUnit | undefined)[]): void {
    for (const unit of units) {
      if (!unit) continue;
      this.applyNotes(unit.notes);
      const fail = () => {
        for (const m of unit.onFailure?.messages ?? []) this.tell(m);
        if (unit.onFailure?.writes.length) this.io.write(unit.onFailure.writes).catch(() => undefined);
      };
      this.io
        .write(unit.writes)
        .then(async () => {
          if (unit.open) await this.openConversation(unit.open);
          for (const m of unit.messages) this.tell(m);
        })
        .catch(fail);
    }
    this.refresh();
  }

  /** Creates the session's room and hands each connected user `match_found` with a seat reservation. */
  private async openConversation(open: OpenConversation): Promise<void> {
    // The session is stored (its unit's writes came first): no need to wait for later batches.
    const room = await this.io.now("open_conversation", () => matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: open.sessionId }), true);
    for (const { userId, message } of open.matchFound) {
      const holder = this.holders.get(userId);
      this.holders.delete(userId);
      if (!holder?.client) {
        // A ticket made over REST: its learner is not here; tell them wherever they are (issue 9).
        this.notify(matchFoundDraft(userId, open.sessionId, message.partner.displayName), open.sessionId);
        continue;
      }
      const reservation = await matchMaker.reserveSeatFor(room, {}, holder.principal);
      holder.client.send("match_found", { ...message, reservation });
    }
  }

  /**
   * Sends a notification. A failure is logged only: the match or session it announces is stored,
   * and the learner still finds it (`GET /match-request/status`, the session itself).
   */
  private notify(draft: NotificationDraft, sessionId: string): void {
    this.deps.notifier.notify(draft).catch((err: unknown) => this.deps.logger.warn({ err, sessionId, type: draft.type }, "notification not sent"));
  }

  private tell(m: QueueOutgoing): void {
    this.holders.get(m.userId)?.client?.send(m.type, m.payload);
    this.holders.delete(m.userId);
  }

  /**
   * `match_suggestion` (DESIGN §4 tandem → practice, §10 A1–A2 practice → tandem): counts the
   * other queue's waiting tickets from its rooms' metadata (only native speakers of
   * `nativeLanguageCode` when set); nothing is sent when a native-speaker count is 0.
   */
  private suggest(s: QueueSuggestion): void {
    const client = this.holders.get(s.userId)?.client;
    if (!client) return;
    this.io
      .now("suggest_queue", () => matchMaker.query({ name: this.roomName, queue: s.queue } as Record<string, unknown>))
      .then((rooms) => {
        const waitingCount = rooms.reduce((n, r) => {
          const metadata = r.metadata as QueueMetadata | undefined;
          if (s.nativeLanguageCode !== undefined) return n + (metadata?.waitingByNative?.[s.nativeLanguageCode] ?? 0);
          return n + Number(metadata?.waiting ?? r.clients ?? 0);
        }, 0);
        if (s.nativeLanguageCode !== undefined && waitingCount === 0) return;
        client.send("match_suggestion", { matchRequestId: s.ticketId, queue: s.queue, waitingCount, estimatedWaitTimeSeconds: s.estimatedWaitTimeSeconds });
      })
      .catch(() => undefined);
  }

  private applyNotes(notes: readonly QueueNote[]): void {
    reportQueueNotes(this.deps.metrics, this.deps.logger, notes);
    // A scheduled match: each learner is told now (the 5-minute reminder is the reminder job's).
    for (const note of notes) {
      if (note.kind !== "reminders") continue;
      const session = { id: note.sessionId, scheduledStartAt: new Date(note.scheduledStartAt) };
      for (const userId of note.userIds) this.notify(sessionReminderDraft(userId, session, "matched"), note.sessionId);
    }
  }

  /** Gauges and metadata; and Colyseus may dispose the room (no clients, no reserved seats) only while the core is idle. */
  private refresh(): void {
    const waiting = this.core.waitingCount;
    const waitingByNative = this.core.waitingByNativeLanguage();
    const natives = JSON.stringify(waitingByNative);
    if (this.state.waiting !== waiting || this.metadataNatives !== natives) {
      this.state.waiting = waiting;
      this.metadataNatives = natives;
      const metadata: QueueMetadata = { queue: this.state.queue, waiting, waitingByNative };
      this.setMetadata(metadata as never).catch(() => undefined);
    }
    this.deps.metrics.queueSize.set({ queue: this.state.queue }, waiting);
    this.autoDispose = this.core.idle;
  }

  override async onDispose(): Promise<void> {
    await this.io?.idle();
    this.deps.metrics.queueSize.set({ queue: this.state.queue }, 0);
  }
}

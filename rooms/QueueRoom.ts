import { Room } from "@colyseus/core";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import { ParleyError, errorBody, isParleyError, type ErrorBody } from "../src/errors/errorCodes.js";
import { matchRequestBodySchema, type MatchRequestBody } from "../src/matchmaking/matchRequestOptions.js";
import { queueRoomId } from "../src/matchmaking/queueName.js";
import { QueueCore, type QueueUnit } from "../src/matchmaking/queueCore.js";
import { admitTicket, reloadScheduledTickets } from "../src/matchmaking/ticketAdmission.js";
import { ROOM_NAMES, type MatchRequestView } from "../src/protocol/index.js";
import { ticketHolderAddressSchema, type TicketHolderAddress } from "./gatewayDelivery.js";
import { toJoinError } from "./joinErrors.js";
import type { RoomDeps } from "./roomDeps.js";
import { RoomIoQueue } from "./roomIoQueue.js";
import { QueueEffects } from "./queueEffects.js";
import type { QueueMetadata } from "./queueListing.js";
import { TicketHolders } from "./ticketHolders.js";

/**
 * The `queue` actor (DESIGN §1, §4): one per queue across processes (`roomId` from the queue;
 * the Redis driver's atomic insert keeps one), with no clients. A shell around
 * {@link QueueCore}: admission checks, then the ticket stored through the room's
 * {@link RoomIoQueue}, then the core's units (writes batched per tick, then the conversation
 * room and `match_found`; `match_expired` when a match cannot be stored).
 * Tickets arrive by remote call: from REST, and from the `matchmaking` gateways, whose waiting
 * clients it reaches over presence ({@link TicketHolders}). It disposes by Colyseus' own
 * `autoDispose` once the core is idle, never while a ticket waits.
 */
export abstract class QueueRoom extends Room {
  protected abstract readonly deps: RoomDeps;
  private queue = "";
  private core!: QueueCore;
  private io!: RoomIoQueue;
  private holders!: TicketHolders;
  private effects!: QueueEffects;
  /** The metadata last listed, as JSON. */
  private listed = "";

  override async onCreate(options: { queue?: unknown }): Promise<void> {
    const queue = z.string().min(2).max(20).safeParse(options.queue);
    if (!queue.success) throw toJoinError(new ParleyError("INVALID_REQUEST", "queue: a queue name of 2–20 characters is required"));
    this.queue = queue.data;
    this.roomId = queueRoomId(queue.data);
    const { config, store, logger, metrics } = this.deps;
    this.core = new QueueCore({ queue: queue.data, boundaries: config.matching.stageBoundariesSeconds, minCompatibilityScore: config.matching.minCompatibilityScore, maxLevelGap: config.matching.maxLevelGap, suggestAfterSeconds: config.matching.stageBoundariesSeconds.categorySeconds });
    this.holders = new TicketHolders({ presence: this.presence, notifier: this.deps.notifier, logger }, queue.data);
    this.io = new RoomIoQueue({ room: ROOM_NAMES.queue, store, logger, failures: metrics.roomIoFailures, onWritten: this.deps.onEventsWritten, retry: this.deps.ioRetry });
    this.effects = new QueueEffects({ io: this.io, holders: this.holders, metrics, logger });
    this.setPatchRate(1000);
    this.clock.setInterval(() => this.tick(), config.matching.tickMs);
    await this.reloadScheduled();
  }

  /** Scheduled tickets survive a restart (DESIGN §4): a new queue room takes back the pending ones of its queue from the store. */
  private async reloadScheduled(): Promise<void> {
    try {
      const reloaded = await reloadScheduledTickets(this.deps, this.queue, this.deps.now());
      for (const { admitted, holder } of reloaded) {
        try {
          this.core.reloadScheduled(admitted, holder);
        } catch (err) {
          this.deps.logger.warn({ err, matchRequestId: admitted.record.id }, "scheduled ticket not reloaded");
        }
      }
      if (reloaded.length > 0) this.deps.logger.info({ queue: this.queue, tickets: reloaded.length }, "scheduled tickets reloaded");
    } catch (err) {
      // The cleanup job expires them at their slot if no queue room takes them back.
      this.deps.logger.error({ err, queue: this.queue }, "scheduled tickets could not be reloaded");
    }
    this.refresh();
  }

  /**
   * Remote call from REST (`POST /match-request`, no `holder`) or from a `matchmaking` gateway
   * (`holder` = where its client waits: it gets `match_request`, then the other messages, over
   * presence). Answered once the ticket is stored.
   * @returns the ticket's view, or `{ error }` for a refusal (`ALREADY_MATCHED`, `TOPIC_LOCKED`, …)
   */
  async addRemoteTicket(principal: Principal, rawBody: unknown, holder?: unknown): Promise<MatchRequestView | { error: ErrorBody }> {
    try {
      return await this.admit(principal, matchRequestBodySchema.parse(rawBody), holder === undefined ? undefined : ticketHolderAddressSchema.parse(holder));
    } catch (err) {
      if (isParleyError(err)) return { error: errorBody(err) };
      throw err;
    }
  }

  /**
   * Remote call from REST (`DELETE /match-request/:id`), answered once the cancel is stored; a
   * learner waiting in a gateway is made to leave it.
   * @returns false when not waiting here; `{ error }` (INTERNAL_ERROR) when it could not be stored
   */
  async cancelRemoteTicket(userId: string, ticketId: string): Promise<boolean | { error: ErrorBody }> {
    if (this.core.waitingTicket(ticketId)?.userId !== userId) return false;
    this.holders.leave(userId);
    this.holders.take(userId);
    const unit = this.core.cancel(ticketId, "cancelled by user", this.deps.now());
    if (!unit) return false;
    this.effects.notes(unit.notes);
    return this.io.write(unit.writes).then(
      () => true,
      () => ({ error: errorBody(new ParleyError("INTERNAL_ERROR", "the cancel could not be stored; try again")) }),
    );
  }

  /**
   * Remote call from a gateway: its client holding `ticketId` sent `cancel` (`"cancel"`) or left
   * (`"leave"`, DESIGN §5: leaving cancels a ticket still waiting). A scheduled ticket outlives
   * its client's leaving (DESIGN §4): it waits for its slot, and `cancel` cancels it.
   * @returns whether the ticket was waiting here for that client
   */
  releaseHeldTicket(ticketId: string, sessionId: string, why: "cancel" | "leave"): boolean {
    const waiting = this.core.waitingTicket(ticketId);
    const holder = this.holders.get(waiting?.userId ?? "");
    if (!waiting || holder?.gateway?.sessionId !== sessionId) return false;
    if (why === "leave" && waiting.scheduled) {
      holder.gateway = undefined;
      return true;
    }
    this.holders.take(waiting.userId);
    this.applyUnits([this.core.cancel(ticketId, why === "cancel" ? "cancelled by user" : "left the matchmaking room", this.deps.now())]);
    return true;
  }

  /** One matching round: expiries, matches, suggestions. Public for tests. */
  tick(now = this.deps.now()): void {
    const { units, suggestions } = this.core.tick(now);
    this.applyUnits(units);
    for (const s of suggestions) this.effects.suggest(s);
  }

  private async admit(principal: Principal, body: MatchRequestBody, gateway: TicketHolderAddress | undefined): Promise<MatchRequestView> {
    const now = this.deps.now();
    this.core.beginAdmission(principal.userId);
    this.refresh();
    try {
      const admitted = await admitTicket(this.deps, principal, body, this.queue, now);
      const [outcome] = await this.io.write(this.core.ticketWrites(admitted, now)).catch(() => Promise.reject(new ParleyError("INTERNAL_ERROR", "the match request could not be stored; try again")));
      if (outcome?.status !== "applied") throw (outcome?.status === "refused" && outcome.error) || new ParleyError("ALREADY_MATCHED", "a match request is already pending");
      const { view, units } = this.core.ticketStored(admitted, principal, now);
      this.holders.hold({ principal, ticketId: view.matchRequest.id, gateway });
      // Published before anything else about the ticket: the gateway sees them in this order.
      this.holders.send(principal.userId, "match_request", view);
      this.applyUnits(units);
      return view;
    } catch (err) {
      this.core.abandonAdmission(principal.userId);
      throw err;
    } finally {
      this.refresh();
    }
  }

  private applyUnits(units: readonly (QueueUnit | undefined)[]): void {
    this.effects.apply(units);
    this.refresh();
  }

  /** Gauges and metadata; and Colyseus may dispose the room (it has no clients) only while the core is idle. */
  private refresh(): void {
    const waiting = this.core.waitingCount;
    const metadata: QueueMetadata = { queue: this.queue, waiting, waitingByNative: this.core.waitingByNativeLanguage() };
    const listed = JSON.stringify(metadata);
    if (this.listed !== listed) {
      this.listed = listed;
      this.setMetadata(metadata as never).catch(() => undefined);
    }
    this.deps.metrics.queueSize.set({ queue: this.queue }, waiting);
    this.autoDispose = this.core.idle;
  }

  /**
   * Graceful shutdown: as if every learner waiting in a gateway left (DESIGN §5), their tickets
   * are cancelled (scheduled ones keep waiting in the store) and their gateways let them go;
   * the actor disposes once that is written.
   */
  override onBeforeShutdown(): void {
    const now = this.deps.now();
    const units: (QueueUnit | undefined)[] = [];
    for (const { principal, ticketId, gateway } of [...this.holders.all()]) {
      const waiting = this.core.waitingTicket(ticketId);
      if (!gateway || !waiting || waiting.scheduled) continue;
      this.holders.leave(principal.userId);
      this.holders.take(principal.userId);
      units.push(this.core.cancel(ticketId, "left the matchmaking room", now));
    }
    this.applyUnits(units);
    this.io.idle().then(() => this.disconnect()).catch(() => undefined);
  }

  override async onDispose(): Promise<void> {
    await this.io?.idle();
    this.deps.metrics.queueSize.set({ queue: this.queue }, 0);
  }
}

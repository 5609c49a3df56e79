import { backOff } from "exponential-backoff";
import { matchMaker, Room, type Client } from "@colyseus/core";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import type { TokenVerifier } from "../src/auth/tokenVerifier.js";
import { ParleyError } from "../src/errors/errorCodes.js";
import { queueRoomId } from "../src/matchmaking/queueName.js";
import { cancelMessageSchema, matchmakingJoinOptionsSchema, type MatchRequestView } from "../src/protocol/index.js";
import { gatewayChannel, type GatewayDelivery } from "./gatewayDelivery.js";
import { onUnknownMessage, onValidatedMessage } from "./guardedMessages.js";
import { toJoinError } from "./joinErrors.js";
import { MatchmakingState } from "./matchmakingState.js";
import type { RoomDeps } from "./roomDeps.js";

/** A waiting learner: its ticket, until the ticket is matched, expired or cancelled (`settled`). */
type GatewayClient = Client<{ auth: Principal; userData: { ticketId?: string; settled?: boolean } }>;

/** The join option the server sets on every matchmake request (never the client): the process that took it. */
export const GATEWAY_OPTION = "gateway";

/** Messages after which a ticket no longer waits: leaving the gateway then cancels nothing. */
const TICKET_ENDS = new Set(["match_found", "match_expired"]);
/** Attempts at handing a ticket back to the queue actor when its learner cancels or leaves. */
const RELEASE_ATTEMPTS = 3;

/**
 * The static `onAuth` of the `matchmaking` room, run on the SDK's matchmake HTTP request in the
 * process it reached, before a room is looked up: verifies the token, and sets the
 * {@link GATEWAY_OPTION} to this process, so that `joinOrCreate` (`filterBy(["queue",
 * "gateway"])`) finds this process's gateway of the queue, or creates it here.
 * @returns the principal (`client.auth`)
 * @throws the join error of DESIGN §5 (401 `UNAUTHORIZED`, …)
 */
export function authenticateMatchmakeRequest(verifier: TokenVerifier, token: string | undefined, options: unknown): Principal {
  try {
    const principal = verifier.verify(token);
    if (options && typeof options === "object") (options as Record<string, unknown>)[GATEWAY_OPTION] = matchMaker.processId;
    return principal;
  } catch (err) {
    throw toJoinError(err);
  }
}

/**
 * The `matchmaking` room (DESIGN §4, §5): a gateway, one per queue and process, where an SDK
 * learner waits on the process its matchmake request reached — so a busy queue's sockets spread
 * over processes while its tickets stay in the one `queue` actor. A join admits a ticket there
 * by remote call (its refusal is the join error); `match_request`, `match_found`,
 * `match_expired`, `match_suggestion` come back over presence on the gateway's channel;
 * `cancel` and leaving are forwarded. No rules here: they are the actor's (`QueueCore`). It
 * disposes by Colyseus' own `autoDispose` (no clients, no reserved seats).
 */
export abstract class MatchmakingRoom extends Room<{ state: MatchmakingState; client: GatewayClient }> {
  protected abstract readonly deps: RoomDeps;
  override state = new MatchmakingState();
  private channel = "";

  override async onCreate(options: { queue?: unknown }): Promise<void> {
    const queue = z.string().min(2).max(20).safeParse(options.queue);
    if (!queue.success) throw toJoinError(new ParleyError("INVALID_REQUEST", "queue: a queue name of 2–20 characters is required"));
    this.state.queue = queue.data;
    // The state never changes after this, and no timers: the slowest patch loop will do.
    this.setPatchRate(1000);
    this.channel = gatewayChannel(this.roomId);
    await this.presence.subscribe(this.channel, (delivery: GatewayDelivery) => {
      try {
        this.deliver(delivery);
      } catch (err) {
        this.deps.logger.error({ err, queue: this.state.queue }, "gateway delivery not handled");
      }
    });
    const { logger, metrics } = this.deps;
    onValidatedMessage(this, "cancel", cancelMessageSchema, logger, async (client: GatewayClient) => {
      await this.release(client, "cancel");
      client.leave();
    });
    onUnknownMessage(this, (type) => metrics.websocketMessages.inc({ type }));
  }

  override async onJoin(client: GatewayClient, options: unknown): Promise<void> {
    try {
      if (!client.auth) throw new ParleyError("UNAUTHORIZED", "a token is required");
      const { [GATEWAY_OPTION]: _gateway, ...given } = (options ?? {}) as Record<string, unknown>;
      const parsed = matchmakingJoinOptionsSchema.safeParse(given);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ParleyError("INVALID_REQUEST", `${issue?.path.join(".") || "options"}: ${issue?.message}`);
      }
      const { queue, ...body } = parsed.data;
      if (queue !== this.state.queue) throw new ParleyError("INVALID_REQUEST", `queue option "${queue}" does not match this room`);
      const view = await this.deps.roomCalls.admitToQueue(queue, client.auth, body, { channel: this.channel, sessionId: client.sessionId });
      client.userData ??= {};
      if (!client.userData.settled) client.userData.ticketId = view.matchRequest.id;
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override onLeave(client: GatewayClient): void {
    // Not awaited: the gateway need not outlive the call (at shutdown the actor may be gone).
    void this.release(client, "leave");
  }

  /** A message of the actor for one of this gateway's clients. */
  private deliver(delivery: GatewayDelivery): void {
    const client = this.clients.getById(delivery.sessionId);
    if (!client) {
      // Admitted after its client gave up (the call timed out) or left: as if it left now.
      if ("type" in delivery && delivery.type === "match_request") this.takeBack((delivery.payload as MatchRequestView).matchRequest.id, delivery.sessionId);
      return;
    }
    client.userData ??= {};
    if ("leave" in delivery) {
      client.userData = { settled: true };
      client.leave();
      return;
    }
    if (delivery.type === "match_request" && !client.userData.settled) client.userData.ticketId = (delivery.payload as MatchRequestView).matchRequest.id;
    if (TICKET_ENDS.has(delivery.type)) client.userData = { settled: true };
    client.send(delivery.type, delivery.payload);
  }

  /** Forwards `cancel` or leaving to the actor while the client's ticket waits. */
  private async release(client: GatewayClient, why: "cancel" | "leave"): Promise<void> {
    const ticketId = client.userData?.ticketId;
    if (!ticketId) return;
    client.userData = { settled: true };
    await this.takeBack(ticketId, client.sessionId, why);
  }

  /**
   * Asks the actor to take a ticket back, three attempts (the release is idempotent: a repeat
   * answers false): a ticket left behind could be matched with a learner who is gone. After the
   * last failure it is logged, and the ticket waits until it expires.
   */
  private async takeBack(ticketId: string, sessionId: string, why: "cancel" | "leave" = "leave"): Promise<void> {
    const release = () => this.deps.roomCalls.releaseTicket(queueRoomId(this.state.queue), ticketId, sessionId, why);
    await backOff(release, { numOfAttempts: RELEASE_ATTEMPTS, startingDelay: 250 }).catch((err: unknown) => {
      this.deps.logger.warn({ err, queue: this.state.queue, matchRequestId: ticketId, why }, "the queue did not take the ticket back");
    });
  }
}

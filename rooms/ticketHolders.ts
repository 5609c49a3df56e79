import type { Presence } from "@colyseus/core";
import type { Logger } from "pino";
import type { Principal } from "../src/auth/principal.js";
import type { NotificationDraft, Notifier } from "../src/notifications/notifier.js";
import type { GatewayDelivery, TicketHolderAddress } from "./gatewayDelivery.js";

/** Who holds a waiting ticket: its principal, and where its learner waits when it came through a gateway. */
export interface TicketHolder {
  principal: Principal;
  ticketId: string;
  /** Absent for a REST ticket, and for a scheduled ticket whose client left (it waits for its slot). */
  gateway?: TicketHolderAddress;
}

/**
 * The queue actor's learners, by `userId` (one waiting ticket per user, DESIGN §4), and the two
 * ways to reach them: a message to the client waiting in a gateway, on any process (presence
 * pub/sub, {@link GatewayDelivery}), or a notification (stored, pushed wherever they are).
 * Delivery failures are logged only: what they announce is stored, and the learner finds it
 * (`GET /match-request/status`, the session itself).
 */
export class TicketHolders {
  private readonly holders = new Map<string, TicketHolder>();

  constructor(
    private readonly ports: { presence: Presence; notifier: Notifier; logger: Logger },
    private readonly queue: string,
  ) {}

  hold(holder: TicketHolder): void {
    this.holders.set(holder.principal.userId, holder);
  }

  get(userId: string): TicketHolder | undefined {
    return this.holders.get(userId);
  }

  /** Forgets a user's holder; @returns it. */
  take(userId: string): TicketHolder | undefined {
    const holder = this.holders.get(userId);
    this.holders.delete(userId);
    return holder;
  }

  all(): IterableIterator<TicketHolder> {
    return this.holders.values();
  }

  /** Sends `type` with `payload` (DESIGN §5) to the user's client if it waits in a gateway; @returns whether it does. */
  send(userId: string, type: string, payload: unknown): boolean {
    const gateway = this.holders.get(userId)?.gateway;
    if (gateway) this.publish(gateway, { sessionId: gateway.sessionId, type, payload });
    return gateway !== undefined;
  }

  /** Makes the user's client leave its gateway (its ticket was cancelled elsewhere). */
  leave(userId: string): void {
    const gateway = this.holders.get(userId)?.gateway;
    if (gateway) this.publish(gateway, { sessionId: gateway.sessionId, leave: true });
  }

  /** Creates a notification for a learner who is not waiting in a gateway. */
  notify(draft: NotificationDraft, sessionId: string): void {
    this.ports.notifier.notify(draft).catch((err: unknown) => this.ports.logger.warn({ err, sessionId, type: draft.type }, "notification not sent"));
  }

  /** Never throws: the local presence runs the gateway's handler synchronously, inside the actor's own command. */
  private publish(gateway: TicketHolderAddress, delivery: GatewayDelivery): void {
    const failed = (err: unknown) => this.ports.logger.warn({ err, queue: this.queue }, "gateway delivery failed");
    try {
      Promise.resolve(this.ports.presence.publish(gateway.channel, delivery)).catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}

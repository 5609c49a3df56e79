import { ParleyError } from "../errors/errorCodes.js";
import { assertCanSchedule } from "../session/quotas.js";
import type { Tier } from "../session/sessionLifecycle.js";
import type { Ticket } from "./ticket.js";

/**
 * Scheduled sessions (DESIGN §4 "Scheduled mode", seed 002 §6.5 "Scheduling disponible
 * (planifier jusqu'à 7 jours à l'avance)"), as pure rules: which `scheduledFor` is accepted, when
 * a slot's tickets are matched, when reminders go out. All instants are epoch milliseconds.
 *
 * A ticket with `mode: "scheduled"` waits in its queue's {@link ScheduledSlotBook} until its slot
 * opens, {@link SLOT_OPENS_BEFORE_MS} before the slot starts; the slot's tickets are then matched
 * together by the same rules as `now` tickets (the widening stages counting from the opening),
 * until the slot starts. A pair becomes a session `waiting` with `scheduledStartAt` = the slot,
 * and the join timeout (`SESSION_JOIN_TIMEOUT_SECONDS`) counts from there.
 */

/** Length of a slot: `scheduledFor` must fall on a quarter hour (UTC). */
export const SLOT_MS = 15 * 60_000;

/** A slot's tickets are matched from this long before the slot starts (10 minutes). */
export const SLOT_OPENS_BEFORE_MS = 10 * 60_000;

/** The second reminder goes out this long before the slot starts (5 minutes). */
export const REMINDER_BEFORE_MS = 5 * 60_000;

/**
 * Checks a scheduled request and returns its slot (epoch ms).
 * @param input.scheduledFor the requested start, epoch ms (undefined when missing)
 * @throws ParleyError `PREMIUM_REQUIRED` (403) for a free user (checked first);
 *   `INVALID_REQUEST` (400) when `scheduledFor` is missing, not in the future, more than 7 days
 *   ahead, or not on a 15-minute slot boundary (`:00`, `:15`, `:30`, `:45`, zero seconds)
 */
export function scheduledSlotOf(input: { tier: Tier; scheduledFor?: number; now: number }): number {
  assertCanSchedule({ ...input, mode: "scheduled" });
  const slot = input.scheduledFor as number;
  if (slot % SLOT_MS !== 0) {
    throw new ParleyError("INVALID_REQUEST", `scheduledFor must be on a 15-minute slot (e.g. ${new Date(Math.ceil(slot / SLOT_MS) * SLOT_MS).toISOString()})`);
  }
  return slot;
}

/** When the tickets of `slot` start being matched (epoch ms). */
export function slotOpensAt(slot: number): number {
  return slot - SLOT_OPENS_BEFORE_MS;
}

/**
 * When the two participants of a scheduled pair are reminded (epoch ms, ascending): at match
 * time, and {@link REMINDER_BEFORE_MS} before the slot — the second is left out when the match
 * came later than that.
 */
export function reminderTimes(slot: number, matchedAt: number): number[] {
  const before = slot - REMINDER_BEFORE_MS;
  return before > matchedAt ? [matchedAt, before] : [matchedAt];
}

/** The matcher queue of a slot's tickets, `<queue>@<slot ISO instant>`: distinct from the queue's `now` tickets and from other slots. */
export function slotQueue(queue: string, slot: number): string {
  return `${queue}@${new Date(slot).toISOString()}`;
}

/**
 * A scheduled ticket as its slot's matching sees it, to put in the queue's matcher when the slot
 * opens: queue {@link slotQueue} (so it pairs only with tickets of the same slot — "same queue"
 * is a hard rule of the matcher), `createdAt` moved to the slot's opening (the widening stages
 * count from there) and `expiresAt` to the slot's start (a ticket still unmatched then expires).
 */
export function ticketForSlot(ticket: Ticket, slot: number): Ticket {
  return { ...ticket, queue: slotQueue(ticket.queue, slot), createdAt: slotOpensAt(slot), expiresAt: slot };
}

/** A ticket waiting for its slot. */
export interface SlottedTicket<T> {
  slot: number;
  ticket: T;
}

/**
 * The scheduled tickets of one queue, by slot. Pure: the queue actor keeps one, adds the
 * tickets it admits (or reloads from the store after a restart), and takes the slots that open
 * on each tick.
 */
export class ScheduledSlotBook<T extends { id: string; userId: string }> {
  private readonly slots = new Map<number, Map<string, T>>();
  private readonly slotOf = new Map<string, number>();

  /** Tickets waiting, all slots. */
  get size(): number {
    return this.slotOf.size;
  }

  /** True when `userId` has a ticket waiting for a slot. */
  hasUser(userId: string): boolean {
    for (const tickets of this.slots.values()) for (const t of tickets.values()) if (t.userId === userId) return true;
    return false;
  }

  /** Files `ticket` under `slot`. @throws ParleyError `ALREADY_MATCHED` when its id is already filed */
  add(ticket: T, slot: number): void {
    if (this.slotOf.has(ticket.id)) throw new ParleyError("ALREADY_MATCHED", `ticket ${ticket.id} is already scheduled`);
    let tickets = this.slots.get(slot);
    if (!tickets) this.slots.set(slot, (tickets = new Map()));
    tickets.set(ticket.id, ticket);
    this.slotOf.set(ticket.id, slot);
  }

  /** Removes a ticket (cancel); returns it, or `undefined` when it was not filed. */
  remove(ticketId: string): SlottedTicket<T> | undefined {
    const slot = this.slotOf.get(ticketId);
    if (slot === undefined) return undefined;
    const tickets = this.slots.get(slot);
    const ticket = tickets?.get(ticketId);
    tickets?.delete(ticketId);
    if (tickets?.size === 0) this.slots.delete(slot);
    this.slotOf.delete(ticketId);
    return ticket && { slot, ticket };
  }

  /**
   * Takes out the slots open at `now` (opening ≤ now), oldest slot first, each with its tickets
   * in filing order. A slot whose start has passed is returned too (its tickets are then
   * expired by the caller, as its matcher would).
   */
  takeOpen(now: number): { slot: number; tickets: T[] }[] {
    const open = [...this.slots.keys()].filter((slot) => slotOpensAt(slot) <= now).sort((a, b) => a - b);
    return open.map((slot) => {
      const tickets = [...(this.slots.get(slot)?.values() ?? [])];
      this.slots.delete(slot);
      for (const t of tickets) this.slotOf.delete(t.id);
      return { slot, tickets };
    });
  }

  /** When the next slot opens (epoch ms), for the actor's timer; `undefined` when none waits. */
  nextOpening(): number | undefined {
    let next: number | undefined;
    for (const slot of this.slots.keys()) if (next === undefined || slotOpensAt(slot) < next) next = slotOpensAt(slot);
    return next;
  }
}

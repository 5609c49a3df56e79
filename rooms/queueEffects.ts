import { matchMaker } from "@colyseus/core";
import type { Logger } from "pino";
import type { OpenConversation, QueueNote, QueueOutgoing, QueueSuggestion, QueueUnit } from "../src/matchmaking/queueCore.js";
import { matchFoundDraft, sessionReminderDraft } from "../src/notifications/notificationDrafts.js";
import type { Metrics } from "../src/observability/metrics.js";
import { ROOM_NAMES } from "../src/protocol/index.js";
import { waitingIn } from "./queueListing.js";
import type { RoomIoQueue } from "./roomIoQueue.js";
import { reportQueueNotes } from "./roomMetrics.js";
import type { TicketHolders } from "./ticketHolders.js";

/**
 * The queue actor's effects (DESIGN §1 "functional core, imperative shell"): what `QueueCore`
 * returns, carried out in order — writes through the actor's one I/O queue, then the
 * conversation room and `match_found` (with a seat reservation) for each learner waiting in a
 * gateway, a notification for the others; metrics and reminders from the notes; the fallback
 * messages and writes of a unit whose writes failed for good.
 */
export class QueueEffects {
  constructor(private readonly ports: { io: RoomIoQueue; holders: TicketHolders; metrics: Metrics; logger: Logger }) {}

  /** Stores each unit's writes (one batch per tick), then opens its room and tells its users; on failure, its fallback. */
  apply(units: readonly (QueueUnit | undefined)[]): void {
    const { io } = this.ports;
    for (const unit of units) {
      if (!unit) continue;
      this.notes(unit.notes);
      const fail = () => {
        for (const m of unit.onFailure?.messages ?? []) this.tell(m);
        if (unit.onFailure?.writes.length) io.write(unit.onFailure.writes).catch(() => undefined);
      };
      io.write(unit.writes)
        .then(async () => {
          if (unit.open) await this.openConversation(unit.open);
          for (const m of unit.messages) this.tell(m);
        })
        .catch(fail);
    }
  }

  /** Metrics and logs of the notes; a scheduled match tells each learner now (the 5-minute reminder is the reminder job's). */
  notes(notes: readonly QueueNote[]): void {
    reportQueueNotes(this.ports.metrics, this.ports.logger, notes);
    for (const note of notes) {
      if (note.kind !== "reminders") continue;
      const session = { id: note.sessionId, scheduledStartAt: new Date(note.scheduledStartAt) };
      for (const userId of note.userIds) this.ports.holders.notify(sessionReminderDraft(userId, session, "matched"), note.sessionId);
    }
  }

  /**
   * `match_suggestion` (DESIGN §4 tandem → practice, §10 A1–A2 practice → tandem): counts the
   * other queue's waiting tickets from its actor's listing (only native speakers of
   * `nativeLanguageCode` when set); nothing is sent when a native-speaker count is 0.
   */
  suggest(s: QueueSuggestion): void {
    const { io, holders } = this.ports;
    if (!holders.get(s.userId)?.gateway) return;
    io.now("suggest_queue", () => matchMaker.query({ name: ROOM_NAMES.queue, queue: s.queue } as Record<string, unknown>))
      .then((rooms) => {
        const waitingCount = waitingIn(rooms, s.nativeLanguageCode);
        if (s.nativeLanguageCode !== undefined && waitingCount === 0) return;
        holders.send(s.userId, "match_suggestion", { matchRequestId: s.ticketId, queue: s.queue, waitingCount, estimatedWaitTimeSeconds: s.estimatedWaitTimeSeconds });
      })
      .catch(() => undefined);
  }

  /** Creates the session's room and hands each user waiting in a gateway `match_found` with a seat reservation. */
  private async openConversation(open: OpenConversation): Promise<void> {
    const { io, holders } = this.ports;
    // The session is stored (its unit's writes came first): no need to wait for later batches.
    const room = await io.now("open_conversation", () => matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: open.sessionId }), true);
    for (const { userId, message } of open.matchFound) {
      const holder = holders.get(userId);
      if (holder?.gateway) holders.send(userId, "match_found", { ...message, reservation: await matchMaker.reserveSeatFor(room, {}, holder.principal) });
      // A ticket made over REST: its learner is not here; tell them wherever they are (issue 9).
      else holders.notify(matchFoundDraft(userId, open.sessionId, message.partner.displayName), open.sessionId);
      holders.take(userId);
    }
  }

  private tell(m: QueueOutgoing): void {
    this.ports.holders.send(m.userId, m.type, m.payload);
    this.ports.holders.take(m.userId);
  }
}

import { randomUUID } from "node:crypto";
import { ParleyError } from "../errors/errorCodes.js";
import { events } from "../events/eventBuilders.js";
import type { MatchExpiredMessage, MatchExplanation, MatchFoundMessage, MatchRequestView } from "../protocol/matchmakingMessages.js";
import type { ParticipantRecord, SessionRecord } from "../store/records.js";
import type { StoreWrite } from "../store/storeWrites.js";
import { CEFR_LEVELS, cefrIndex } from "../topics/cefr.js";
import { Matcher, type MatcherOptions, type MatchResult } from "./matcher.js";
import { explainMatch } from "./matchExplanation.js";
import { queueFor } from "./queueName.js";
import { reminderTimes, ScheduledSlotBook, slotOpensAt, ticketForSlot } from "./scheduledSlots.js";
import type { AdmittedTicket } from "./ticketAdmission.js";
import type { Ticket } from "./ticket.js";
import { WaitEstimator } from "./waitEstimator.js";

/** The user behind a ticket, as the session needs them (from the token, DESIGN §3). */
export interface TicketHolder {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  tier: "free" | "premium";
}

/** A stored match whose conversation room the shell must open, and what to tell each user then. */
export interface OpenConversation {
  sessionId: string;
  /** `match_found` per user, without the seat reservation (the shell adds it). */
  matchFound: { userId: string; message: Omit<MatchFoundMessage, "reservation"> }[];
}

/** Something the shell reports (metrics, logs); no rule depends on it. */
export type QueueNote =
  | { kind: "matched"; sessionId: string; userIds: string[]; score: number; stage: string; waited: { language: string; seconds: number }[] }
  | { kind: "expired"; matchRequestId: string; userId: string; waitTimeSeconds: number }
  | { kind: "cancelled" }
  | { kind: "requested"; language: string; topic: string }
  /** A scheduled pair was matched: remind both users at each of `at` (epoch ms, DESIGN §4). */
  | { kind: "reminders"; sessionId: string; userIds: string[]; scheduledStartAt: number; at: number[] };

/** A message of the matchmaking room to one user. */
export type QueueOutgoing = { userId: string; type: "match_expired"; payload: MatchExpiredMessage };

/**
 * One independent piece of work a command asks of the shell (DESIGN §1 effects): store
 * `writes` (one batch with the other units of the tick), then open the conversation room (if
 * `open`) and send `messages`. When the writes or the room opening fail for good, run
 * `onFailure` instead: its messages are sent at once and its writes are tried once more.
 */
export interface QueueUnit {
  writes: StoreWrite[];
  messages: QueueOutgoing[];
  open?: OpenConversation;
  notes: QueueNote[];
  onFailure?: { messages: QueueOutgoing[]; writes: StoreWrite[] };
}

/**
 * A ticket to point at another queue (`match_suggestion`): a tandem ticket at its practice queue
 * (DESIGN §4), an A1–A2 practice ticket at its tandem queue (DESIGN §10). The shell counts that
 * queue's waiting tickets — only those of native speakers of `nativeLanguageCode` when it is set
 * — and says nothing when there are none of those.
 */
export interface QueueSuggestion {
  ticketId: string;
  userId: string;
  queue: string;
  /** Count only the waiting tickets of native speakers of this language (the tandem suggestion). */
  nativeLanguageCode?: string;
  estimatedWaitTimeSeconds: number;
}

interface WaitingEntry {
  ticket: Ticket;
  admitted: AdmittedTicket;
  holder: TicketHolder;
  blockedPeers: Set<string>;
  recentPartners: Set<string>;
  suggested: boolean;
}

/** Options of {@link QueueCore}. */
export interface QueueCoreOptions extends Pick<MatcherOptions, "boundaries" | "minCompatibilityScore" | "maxLevelGap"> {
  queue: string;
  /**
   * Seconds after which a tandem ticket, or an A1–A2 practice ticket, gets `match_suggestion`
   * (the any-level boundary, `MATCH_STAGE_CATEGORY_SECONDS`). A ticket reaching it on the tick
   * it expires still gets it.
   */
  suggestAfterSeconds: number;
}

/** Levels whose practice tickets are pointed at their tandem queue (DESIGN §10). */
const TANDEM_SUGGESTED_LEVELS: ReadonlySet<string> = new Set(["A1", "A2"]);

/**
 * The rules of one matchmaking queue (DESIGN §1 "functional core", §4, §5): its waiting tickets
 * in a {@link Matcher}, wait estimates, expiry and cancel, and the session built from a match
 * (participants, roles, target level, topic, events). No Colyseus, no awaits; every `now` is
 * epoch ms. The admission checks that read the store (quota, blocks, live session) run before,
 * in `admitTicket`; this core owns what happens in the queue.
 */
export class QueueCore {
  readonly queue: string;
  private readonly matcher: Matcher;
  private readonly waits = new WaitEstimator();
  private readonly entries = new Map<string, WaitingEntry>();
  private readonly byUser = new Map<string, WaitingEntry>();
  /** Waiting tickets per native language. */
  private readonly natives = new Map<string, number>();
  private readonly admitting = new Set<string>();
  /** Scheduled tickets waiting for their slot to open (DESIGN §4 scheduled mode). */
  private readonly slots = new ScheduledSlotBook<Ticket>();
  private readonly suggestAfterMs: number;

  constructor(options: QueueCoreOptions) {
    this.queue = options.queue;
    this.suggestAfterMs = options.suggestAfterSeconds * 1000;
    this.matcher = new Matcher({
      boundaries: options.boundaries,
      minCompatibilityScore: options.minCompatibilityScore,
      ...(options.maxLevelGap !== undefined ? { maxLevelGap: options.maxLevelGap } : {}),
      // blockedPeers holds blocks in either direction; the matcher asks both ways round.
      isBlocked: (a, b) => this.byUser.get(a)?.blockedPeers.has(b) === true,
      hadRecentConversation: (a, b) => this.byUser.get(a)?.recentPartners.has(b) === true || this.byUser.get(b)?.recentPartners.has(a) === true,
    });
  }

  /** Tickets waiting here. */
  get waitingCount(): number {
    return this.entries.size;
  }

  /** Nothing waits and nothing is being admitted: the room may dispose (when Colyseus agrees). */
  get idle(): boolean {
    return this.entries.size === 0 && this.admitting.size === 0;
  }

  /** The waiting ticket `ticketId` of `userId`, if any; `scheduled` for a ticket of a slot. */
  waitingTicket(ticketId: string): { userId: string; scheduled: boolean } | undefined {
    const entry = this.entries.get(ticketId);
    return entry && { userId: entry.ticket.userId, scheduled: entry.admitted.record.mode === "scheduled" };
  }

  /**
   * A pending scheduled ticket reloaded from the store (a restarted queue room, DESIGN §4): it
   * waits for its slot again, with no event (it was stored and announced before). A ticket whose
   * slot has started is expired at the next {@link tick}.
   * @throws ParleyError `ALREADY_MATCHED` when its user already waits here
   */
  reloadScheduled(admitted: AdmittedTicket, holder: TicketHolder): void {
    if (this.byUser.has(holder.userId) || this.entries.has(admitted.ticket.id)) throw new ParleyError("ALREADY_MATCHED", `user ${holder.userId} already waits in ${this.queue}`);
    this.hold(admitted, holder);
  }

  private hold(admitted: AdmittedTicket, holder: TicketHolder): WaitingEntry {
    const entry: WaitingEntry = { ticket: admitted.ticket, admitted, holder, blockedPeers: new Set(admitted.blockedPeers), recentPartners: new Set(admitted.recentPartners), suggested: false };
    this.entries.set(entry.ticket.id, entry);
    this.byUser.set(holder.userId, entry);
    this.countNative(entry.ticket.nativeLanguageCode, 1);
    const slot = admitted.record.scheduledFor?.getTime();
    if (admitted.record.mode === "scheduled" && slot !== undefined) this.slots.add(entry.ticket, slot);
    return entry;
  }

  /**
   * Starts admitting a ticket of `userId` (one active ticket per user, DESIGN §4).
   * @throws ParleyError `ALREADY_MATCHED` when the user waits here or is being admitted
   */
  beginAdmission(userId: string): void {
    if (this.byUser.has(userId) || this.admitting.has(userId)) throw new ParleyError("ALREADY_MATCHED", "a match request is already pending");
    this.admitting.add(userId);
  }

  /** The ticket's creation with its `match.requested` event, to store before it enters the queue. */
  ticketWrites(admitted: AdmittedTicket, now: number): StoreWrite[] {
    return [{ kind: "matchRequest.create", record: admitted.record, events: [events.matchRequested(admitted.record, now)] }];
  }

  /** Admission ended without a stored ticket (refused, or the write failed). */
  abandonAdmission(userId: string): void {
    this.admitting.delete(userId);
  }

  /**
   * The ticket is stored: it enters the queue and is matched at once if it can be.
   * @returns the `match_request` view and the units of a match
   */
  ticketStored(admitted: AdmittedTicket, holder: TicketHolder, now: number): { view: MatchRequestView; units: QueueUnit[] } {
    this.admitting.delete(holder.userId);
    const entry = this.hold(admitted, holder);
    const { record } = admitted;
    const slot = record.mode === "scheduled" ? record.scheduledFor?.getTime() : undefined;
    // A scheduled ticket waits for its slot's opening, then for the usual estimate.
    const estimate = this.waits.estimate(record.targetLanguageCode, record.currentLevel) + (slot === undefined ? 0 : Math.max(0, (slotOpensAt(slot) - now) / 1000));
    const view: MatchRequestView = {
      matchRequest: { id: record.id, status: "pending", estimatedWaitTimeSeconds: Math.round(estimate), expiresAt: record.expiresAt.toISOString() },
    };
    const units: QueueUnit[] = [{ writes: [], messages: [], notes: [{ kind: "requested", language: record.targetLanguageCode, topic: record.topicCode }] }];
    const match = slot === undefined ? this.matcher.add(entry.ticket, now) : null;
    if (match) units.push(...this.matchUnits(match, now));
    return { view, units };
  }

  /**
   * Cancels a waiting ticket (`cancel`, leaving the room, REST cancel).
   * @returns its unit, or undefined when `ticketId` is not waiting here
   */
  cancel(ticketId: string, reason: string, now: number): QueueUnit | undefined {
    const entry = this.remove(ticketId);
    if (!entry) return undefined;
    return {
      writes: [{ kind: "matchRequest.transition", id: ticketId, expected: "pending", patch: { status: "cancelled" }, events: [events.matchCancelled(entry.ticket, reason, now)] }],
      messages: [],
      notes: [{ kind: "cancelled" }],
    };
  }

  /**
   * One matching round (DESIGN §4: on a 1 s tick): matches as stages widen, suggestions (also
   * for tickets expiring on this tick, so a boundary equal to the timeout still suggests), then
   * expiries.
   */
  tick(now: number): { units: QueueUnit[]; suggestions: QueueSuggestion[] } {
    // Slots 10 minutes away open: their tickets are matched together, by the same rules (DESIGN §4).
    const late: Ticket[] = [];
    for (const { slot, tickets } of this.slots.takeOpen(now)) {
      for (const ticket of tickets) {
        if (slot <= now) late.push(ticket);
        else this.matcher.enqueue(ticketForSlot(ticket, slot), now);
      }
    }
    const { matches, expired } = this.matcher.tick(now);
    const matched = matches.flatMap((match) => this.matchUnits(match, now));
    const suggestions = this.suggestions(now);
    const units: QueueUnit[] = [];
    for (const ticket of [...late, ...expired]) {
      this.remove(ticket.id);
      const told: QueueOutgoing = { userId: ticket.userId, type: "match_expired", payload: { matchRequestId: ticket.id } };
      units.push({
        writes: [{ kind: "matchRequest.transition", id: ticket.id, expected: "pending", patch: { status: "expired" }, events: [events.matchExpired(ticket, now, now)] }],
        messages: [told],
        notes: [{ kind: "expired", matchRequestId: ticket.id, userId: ticket.userId, waitTimeSeconds: Math.max(0, Math.round((now - ticket.createdAt) / 1000)) }],
        // Not stored: still tell the user; the cleanup job expires the stored ticket later.
        onFailure: { messages: [told], writes: [] },
      });
    }
    units.push(...matched);
    return { units, suggestions };
  }

  /**
   * The tickets that reached the any-level boundary since the last round and may be served by
   * another queue: a tandem ticket → its practice queue (DESIGN §4); an A1–A2 practice ticket →
   * its tandem queue, counting native speakers of its target language there (DESIGN §10).
   * Each ticket is suggested at most once; scheduled tickets never.
   */
  private suggestions(now: number): QueueSuggestion[] {
    const out: QueueSuggestion[] = [];
    for (const entry of this.entries.values()) {
      const { ticket } = entry;
      if (entry.suggested || entry.admitted.record.mode === "scheduled" || now - ticket.createdAt < this.suggestAfterMs) continue;
      const estimatedWaitTimeSeconds = Math.round(this.waits.estimate(ticket.targetLanguageCode, ticket.level));
      if (ticket.sessionType === "tandem") {
        entry.suggested = true;
        out.push({ ticketId: ticket.id, userId: ticket.userId, queue: ticket.targetLanguageCode, estimatedWaitTimeSeconds });
      } else if (TANDEM_SUGGESTED_LEVELS.has(ticket.level) && ticket.nativeLanguageCode !== ticket.targetLanguageCode) {
        entry.suggested = true;
        const queue = queueFor({ sessionType: "tandem", targetLanguageCode: ticket.targetLanguageCode, nativeLanguageCode: ticket.nativeLanguageCode });
        out.push({ ticketId: ticket.id, userId: ticket.userId, queue, nativeLanguageCode: ticket.targetLanguageCode, estimatedWaitTimeSeconds });
      }
    }
    return out;
  }

  /** Waiting tickets by native language (a tandem queue's metadata: who a practice ticket would meet there). */
  waitingByNativeLanguage(): Record<string, number> {
    return Object.fromEntries(this.natives);
  }

  private countNative(language: string, delta: number): void {
    const n = (this.natives.get(language) ?? 0) + delta;
    if (n > 0) this.natives.set(language, n);
    else this.natives.delete(language);
  }

  private remove(ticketId: string): WaitingEntry | undefined {
    const entry = this.entries.get(ticketId);
    if (!entry) return undefined;
    this.entries.delete(ticketId);
    this.countNative(entry.ticket.nativeLanguageCode, -1);
    if (this.byUser.get(entry.ticket.userId) === entry) this.byUser.delete(entry.ticket.userId);
    this.matcher.remove(ticketId);
    this.slots.remove(ticketId);
    return entry;
  }

  /**
   * A match as one unit (DESIGN §4–§5): the session (`waiting`, older ticket = `learner`, the
   * other `partner`, target level = the lower middle of the two) with `conversation.matched`,
   * both tickets `matched`; then the conversation room and `match_found`. If it cannot be
   * stored or opened: `match_expired` to both, tickets and session left expired.
   */
  private matchUnits(match: MatchResult, now: number): QueueUnit[] {
    const [older, newer] = match.tickets;
    const first = this.entries.get(older.id);
    const second = this.entries.get(newer.id);
    if (!first || !second) return [];
    this.remove(older.id);
    this.remove(newer.id);
    const sessionId = randomUUID();
    const pair = [first, second] as const;
    const participants = pair.map((entry, i): ParticipantRecord => ({
      userId: entry.ticket.userId,
      displayName: entry.holder.displayName,
      ...(entry.holder.avatarUrl ? { avatarUrl: entry.holder.avatarUrl } : {}),
      nativeLanguageCode: entry.ticket.nativeLanguageCode,
      targetLanguageCode: entry.ticket.targetLanguageCode,
      level: entry.ticket.level,
      role: i === 0 ? "learner" : "partner",
      tier: entry.holder.tier,
      recordingConsent: entry.admitted.record.recordingConsent,
      spokenSeconds: 0,
      turnCount: 0,
    }));
    const session: SessionRecord = {
      id: sessionId,
      sessionType: older.sessionType,
      targetLanguageCode: older.targetLanguageCode,
      topicCode: match.topicCode,
      targetLevel: CEFR_LEVELS[Math.floor((cefrIndex(older.level) + cefrIndex(newer.level)) / 2)] ?? older.level,
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
    const scheduledStartAt = first.admitted.record.mode === "scheduled" ? first.admitted.record.scheduledFor : undefined;
    if (scheduledStartAt) session.scheduledStartAt = scheduledStartAt;
    const waited = match.tickets.map((t) => {
      const seconds = (now - t.createdAt) / 1000;
      this.waits.record(t.targetLanguageCode, t.level, seconds, now);
      return { language: t.targetLanguageCode, seconds };
    });
    const explanations = pair.map((entry) => explainMatch(match, entry.ticket));
    const matchFound = pair.map((entry, i) => {
      const partner = pair[1 - i] as WaitingEntry;
      const message: Omit<MatchFoundMessage, "reservation"> = {
        matchRequestId: entry.ticket.id,
        sessionId,
        isInitiator: i === 0,
        compatibilityScore: match.score,
        sessionType: session.sessionType as "practice" | "tandem",
        topicCode: session.topicCode,
        ...(match.estimatedLevelDifference !== undefined ? { estimatedLevelDifference: match.estimatedLevelDifference } : {}),
        ...(explanations[i] as MatchExplanation),
        partner: {
          userId: partner.ticket.userId,
          displayName: partner.holder.displayName,
          ...(partner.holder.avatarUrl ? { avatarUrl: partner.holder.avatarUrl } : {}),
          nativeLanguageCode: partner.ticket.nativeLanguageCode,
          targetLanguageCode: partner.ticket.targetLanguageCode,
          level: partner.ticket.level,
        },
      };
      return { userId: entry.ticket.userId, message };
    });
    const expiredMessages: QueueOutgoing[] = pair.map((e) => ({ userId: e.ticket.userId, type: "match_expired", payload: { matchRequestId: e.ticket.id } }));
    const undo: StoreWrite[] = [
      ...pair.flatMap((e): StoreWrite[] => [
        { kind: "matchRequest.transition", id: e.ticket.id, expected: "pending", patch: { status: "expired" }, events: [events.matchExpired(e.ticket, now, now)] },
        { kind: "matchRequest.transition", id: e.ticket.id, expected: "matched", patch: { status: "expired" }, events: [events.matchExpired(e.ticket, now, now)] },
      ]),
      {
        kind: "session.transition",
        id: sessionId,
        expected: ["waiting"],
        patch: { status: "expired", endedAt: new Date(now), endReason: "error", durationSeconds: 0, xpEligible: false },
        events: events.conversationEnded("expired", session, { participants: participants.map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode, spokenSeconds: 0, turnCount: 0 })), reason: "error", durationSeconds: 0, xpEligible: false }, now),
      },
    ];
    return [{
      writes: [
        { kind: "session.create", record: session, events: events.conversationMatched(session, Math.round((now - older.createdAt) / 1000), now) },
        ...pair.map((e, i): StoreWrite => ({
          kind: "matchRequest.transition",
          id: e.ticket.id,
          expected: "pending",
          patch: { status: "matched", matchedSessionId: sessionId, matchedAt: new Date(now), matchExplanation: { compatibilityScore: match.score, ...(explanations[i] as MatchExplanation) } },
        })),
      ],
      messages: [],
      open: { sessionId, matchFound },
      notes: [
        { kind: "matched", sessionId, userIds: participants.map((p) => p.userId), score: match.score, stage: match.stage, waited },
        ...(scheduledStartAt ? [{ kind: "reminders" as const, sessionId, userIds: participants.map((p) => p.userId), scheduledStartAt: scheduledStartAt.getTime(), at: reminderTimes(scheduledStartAt.getTime(), now) }] : []),
      ],
      onFailure: { messages: expiredMessages, writes: undo },
    }];
  }
}

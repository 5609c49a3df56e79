import { ParleyError } from "../errors/errorCodes.js";
import { MinHeap } from "./minHeap.js";
import type { ScoreComponents } from "./pairScore.js";
import { compareTicketAge, uniformShape, waitedSeconds, type Ticket } from "./ticket.js";
import { TicketIndex, type TicketIndexStats } from "./ticketIndex.js";
import {
  DEFAULT_MIN_COMPATIBILITY_SCORE,
  DEFAULT_WIDENING_BOUNDARIES,
  WIDENING_STAGES,
  evaluatePair,
  stageFor,
  stageRank,
  stageRankFor,
  DEFAULT_MAX_LEVEL_GAP,
  stageStartSeconds,
  validateBoundaries,
  type CompatibilityContext,
  type WideningBoundaries,
  type WideningStage,
} from "./wideningStages.js";

/** Construction options of a {@link Matcher} (DESIGN §4, §9). */
export interface MatcherOptions {
  /** Stage boundaries in seconds; missing fields take {@link DEFAULT_WIDENING_BOUNDARIES} (30/60/120). */
  boundaries?: Partial<WideningBoundaries>;
  /** `MIN_COMPATIBILITY_SCORE`, the score floor of the `level_1` and `same_category` stages. @default 50 */
  minCompatibilityScore?: number;
  /** `MATCH_MAX_LEVEL_GAP`: no stage pairs levels further apart; A1–A2 pair at most one apart (DESIGN §10). @default 2 */
  maxLevelGap?: number;
  /** True when `userA` blocked `userB`; asked in both directions. Must be synchronous (cache it). @default () => false */
  isBlocked?: (userA: string, userB: string) => boolean;
  /** True when the two users talked in the last 7 days (ids in ascending order). Synchronous. @default () => false */
  hadRecentConversation?: (userA: string, userB: string) => boolean;
}

/** A pair the matcher formed; both tickets have left the queue. */
export interface MatchResult {
  /** The two tickets, older first (createdAt, then id); the older one is the initiator. */
  tickets: [Ticket, Ticket];
  /** {@link pairScore} of the pair (`compatibilityScore` in `match_found`). */
  score: number;
  /** Absolute CEFR distance between the two levels. */
  levelDifference: number;
  /** The stage the pair was judged at: the stage of the longer wait. */
  stage: WideningStage;
  /** Topic of the session: the older ticket's `topicCode` (differs from the newer one's only from `same_category` on). */
  topicCode: string;
  /**
   * Set (to `levelDifference`) on every match made at the `any_level` stage — the only stage
   * that can pair levels more than one apart — so both users get it in `match_found`
   * (DESIGN §4, §5). Absent at the other stages.
   */
  estimatedLevelDifference?: number;
  /** Points per score component, for logs and metrics. */
  components: ScoreComponents;
  /** When the match was made, epoch ms (the `now` of the call). */
  matchedAt: number;
}

/** A ticket still waiting whose stage widened during a {@link Matcher.tick}. */
export interface WidenedTicket {
  ticket: Ticket;
  /** The stage it reached (e.g. `any_level` → a tandem ticket gets `match_suggestion`). */
  stage: WideningStage;
}

/** What one {@link Matcher.tick} did. */
export interface TickResult {
  /** Pairs formed, in the order they were formed (older searcher first). */
  matches: MatchResult[];
  /** Tickets removed because `expiresAt ≤ now`, oldest first (→ `match_expired`). */
  expired: Ticket[];
  /** Unmatched tickets whose stage widened since they were last searched, oldest first. */
  widened: WidenedTicket[];
}

/** A scheduled instant for one waiting ticket: its expiry, or its next stage boundary. */
interface Deadline {
  /** Epoch ms. */
  at: number;
  /** Insertion order, to keep equal instants FIFO. */
  seq: number;
  ticketId: string;
  kind: "expire" | "widen";
}

function compareDeadlines(a: Deadline, b: Deadline): number {
  return a.at - b.at || a.seq - b.seq;
}

/*
 * Bound once: under tsx (how `npm start` and the benchmark run), each call to an imported
 * function goes through a CommonJS export getter; in the per-candidate loop of `search` that
 * was more than half of the cost (≈ 95 → 40 ns per candidate, loadtest/RESULTS.md).
 */
const judgePair = evaluatePair;
const rankAfter = stageRankFor;
const ageOrder = compareTicketAge;
const STAGES = WIDENING_STAGES;

interface Found {
  partner: Ticket;
  score: number;
  levelDifference: number;
  components: ScoreComponents;
  stage: WideningStage;
}

/**
 * The matchmaking engine of one `matchmaking` actor (DESIGN §4; seed 002 §6.1): holds the
 * waiting tickets in a {@link TicketIndex} and pairs them. Pure: no Colyseus, no I/O, no clock —
 * every method that depends on time takes `now` in epoch **milliseconds**.
 *
 * Search for ticket A at `now`: for each stage from `strict` up to the stage of the longer of
 * (A's wait, the queue's oldest ticket's wait), it opens only the buckets that stage newly
 * allows ({@link TicketIndex.bucketsOpenedAt}). Buckets within A's own stage are read whole; in
 * a wider ring only the prefix of tickets that have themselves waited long enough to reach
 * that stage is read (buckets are FIFO, so that prefix ends at the first younger ticket).
 * Each candidate is judged by {@link evaluatePair} at the pair's stage (the longer wait).
 * Best score wins; ties go to the older ticket (createdAt, then id).
 *
 * Ticks re-examine only what can change: a pair's stage is the stage of its older ticket, so a
 * new pair can only become compatible when some ticket reaches a new stage. A deadline heap
 * holds each waiting ticket's expiry and next stage boundary; a tick expires the due tickets,
 * then searches again for the tickets that reached a new stage, oldest first. (Changes in the
 * `isBlocked` / `hadRecentConversation` answers are seen at the next search, not on their own.)
 */
export class Matcher {
  private readonly index: TicketIndex;
  private readonly deadlines = new MinHeap<Deadline>(compareDeadlines);
  private deadlineSeq = 0;
  /**
   * ticket id → the caller's ticket object (what every result returns) and the rank of the
   * stage it was last searched at. The index holds {@link uniformShape} copies instead, so the
   * search loop sees one object shape however the caller built its tickets (with mixed shapes
   * the benchmark measured ~60% more time per candidate).
   */
  private readonly waiting = new Map<string, { original: Ticket; searchedRank: number }>();
  private readonly boundaries: WideningBoundaries;
  private readonly context: CompatibilityContext;

  /**
   * @throws ParleyError `INVALID_REQUEST` when the boundaries are not `0 ≤ strict ≤ level ≤
   *   category`, `minCompatibilityScore` is not a finite number or `maxLevelGap` not an integer ≥ 1.
   */
  constructor(options: MatcherOptions = {}) {
    this.boundaries = Object.freeze(validateBoundaries({ ...DEFAULT_WIDENING_BOUNDARIES, ...options.boundaries }));
    const minCompatibilityScore = options.minCompatibilityScore ?? DEFAULT_MIN_COMPATIBILITY_SCORE;
    if (!Number.isFinite(minCompatibilityScore)) {
      throw new ParleyError("INVALID_REQUEST", `minCompatibilityScore must be a finite number (got ${minCompatibilityScore})`);
    }
    const maxLevelGap = options.maxLevelGap ?? DEFAULT_MAX_LEVEL_GAP;
    if (!Number.isInteger(maxLevelGap) || maxLevelGap < 1) {
      throw new ParleyError("INVALID_REQUEST", `maxLevelGap must be an integer ≥ 1 (got ${maxLevelGap})`);
    }
    this.index = new TicketIndex(maxLevelGap);
    this.context = {
      maxLevelGap,
      minCompatibilityScore,
      isBlocked: options.isBlocked,
      hadRecentConversation: options.hadRecentConversation,
    };
  }

  /** Number of waiting tickets (all queues). */
  get size(): number {
    return this.index.size;
  }

  /** Waiting tickets in `queue`, or in all queues when omitted (`waitingCount` of `match_suggestion`). */
  waitingCount(queue?: string): number {
    return queue === undefined ? this.index.size : this.index.sizeOf(queue);
  }

  /** True when the ticket is waiting. */
  has(ticketId: string): boolean {
    return this.index.has(ticketId);
  }

  /** The waiting ticket with this id. */
  get(ticketId: string): Ticket | undefined {
    return this.waiting.get(ticketId)?.original;
  }

  /** The waiting ticket of `userId`, if any (one active ticket per user). */
  byUser(userId: string): Ticket | undefined {
    const indexed = this.index.byUser(userId)[0];
    return indexed === undefined ? undefined : this.waiting.get(indexed.id)?.original;
  }

  /** The stage a waiting ticket is at on its own at `now` (epoch ms); `undefined` if not waiting. */
  stageOf(ticketId: string, now: number): WideningStage | undefined {
    const ticket = this.index.get(ticketId);
    return ticket === undefined ? undefined : stageFor(waitedSeconds(ticket, now), this.boundaries);
  }

  /** The boundaries in use (seconds). */
  get wideningBoundaries(): Readonly<WideningBoundaries> {
    return this.boundaries;
  }

  /** Tickets visited by the most recent search (for tests and the benchmark). */
  get lastSearchVisits(): number {
    return this.index.lastVisitCount;
  }

  /** Visit counters of the underlying index. */
  get stats(): Readonly<TicketIndexStats> {
    return this.index.stats;
  }

  /**
   * A ticket arrives: it is matched at once with the best compatible waiting ticket, or queued.
   * @param now epoch ms.
   * @returns the match (the partner has left the queue; the arriving ticket never entered it),
   *   or `null` when the ticket now waits.
   * @throws ParleyError `MATCH_EXPIRED` when `ticket.expiresAt ≤ now`; `INVALID_REQUEST` when a
   *   ticket with that id is already queued or `expiresAt ≤ createdAt`; `ALREADY_MATCHED`
   *   when the user already has a waiting ticket here (one active ticket per user, DESIGN §4).
   */
  add(ticket: Ticket, now: number): MatchResult | null {
    this.admit(ticket, now);
    const probe = uniformShape(ticket);
    const found = this.search(probe, now);
    if (found !== undefined) {
      const partner = this.forget(found.partner.id) ?? found.partner;
      return buildResult(ticket, partner, found, now);
    }
    const rank = stageRank(stageFor(waitedSeconds(ticket, now), this.boundaries));
    this.hold(ticket, probe, rank);
    this.scheduleNextStage(ticket, rank, now);
    return null;
  }

  /**
   * Queues a ticket **without searching now**; the next {@link tick} searches it, oldest first
   * with the other due tickets. For loading many tickets at once so that they are paired by
   * age rather than by loading order: restoring a queue from stored requests after a restart,
   * or a scheduled slot's tickets when the slot opens (DESIGN §4 "Scheduled mode").
   * @param now epoch ms.
   * @throws the same errors as {@link add}.
   */
  enqueue(ticket: Ticket, now: number): void {
    this.admit(ticket, now);
    this.hold(ticket, uniformShape(ticket), -1);
    this.schedule(now, ticket.id, "widen");
  }

  /** Checks the arrival rules of {@link add} / {@link enqueue}. */
  private admit(ticket: Ticket, now: number): void {
    if (ticket.expiresAt <= ticket.createdAt) {
      throw new ParleyError("INVALID_REQUEST", `ticket ${ticket.id} expires before it is created`);
    }
    if (ticket.expiresAt <= now) throw new ParleyError("MATCH_EXPIRED", `ticket ${ticket.id} has expired`);
    if (this.index.has(ticket.id)) throw new ParleyError("INVALID_REQUEST", `ticket ${ticket.id} is already queued`);
    if (this.index.byUser(ticket.userId).length > 0) {
      throw new ParleyError("ALREADY_MATCHED", `user ${ticket.userId} already has an active match request`);
    }
  }

  /** Puts an admitted ticket in the index and schedules its expiry. */
  private hold(ticket: Ticket, probe: Ticket, searchedRank: number): void {
    this.index.add(probe);
    this.waiting.set(ticket.id, { original: ticket, searchedRank });
    this.schedule(ticket.expiresAt, ticket.id, "expire");
  }

  /** Cancels a waiting ticket; returns it, or `undefined` when it was not waiting. */
  remove(ticketId: string): Ticket | undefined {
    return this.forget(ticketId);
  }

  /**
   * The periodic pass (DESIGN §4: "on every arrival and on a 1 s tick"). First removes every
   * ticket with `expiresAt ≤ now`; then, oldest first, searches again for each waiting ticket
   * that reached a wider stage since its last search (or was {@link enqueue}d and never
   * searched). Cost: O(due tickets × search), never a sweep of the whole queue.
   * @param now epoch ms.
   */
  tick(now: number): TickResult {
    const expired: Ticket[] = [];
    const widenIds = new Set<string>();
    for (let next = this.deadlines.peek(); next !== undefined && next.at <= now; next = this.deadlines.peek()) {
      const deadline = next;
      this.deadlines.pop();
      if (deadline.kind === "widen") {
        widenIds.add(deadline.ticketId);
        continue;
      }
      const ticket = this.index.get(deadline.ticketId);
      if (ticket !== undefined && ticket.expiresAt <= now) {
        expired.push(this.forget(ticket.id) ?? ticket);
      }
    }
    expired.sort(compareTicketAge);

    const widening: Ticket[] = [];
    for (const id of widenIds) {
      const ticket = this.index.get(id);
      if (ticket !== undefined) widening.push(ticket);
    }
    widening.sort(compareTicketAge);

    const matches: MatchResult[] = [];
    const widened: WidenedTicket[] = [];
    for (const ticket of widening) {
      if (!this.index.has(ticket.id)) continue; // taken by an older ticket in this tick
      const stage = stageFor(waitedSeconds(ticket, now), this.boundaries);
      const rank = stageRank(stage);
      const entry = this.waiting.get(ticket.id);
      if (entry === undefined) continue;
      if (rank <= entry.searchedRank) {
        this.scheduleNextStage(ticket, rank, now);
        continue;
      }
      const found = this.search(ticket, now);
      if (found !== undefined) {
        this.forget(ticket.id);
        const partner = this.forget(found.partner.id) ?? found.partner;
        matches.push(buildResult(entry.original, partner, found, now));
        continue;
      }
      // A ticket from enqueue() (never searched) counts as widened only past the strict stage.
      if (entry.searchedRank >= 0 || rank > 0) widened.push({ ticket: entry.original, stage });
      entry.searchedRank = rank;
      this.scheduleNextStage(ticket, rank, now);
    }
    return { matches, expired, widened };
  }

  /** Best compatible waiting partner for `ticket` at `now`, visiting only the allowed buckets. */
  private search(ticket: Ticket, now: number): Found | undefined {
    this.index.beginSearch();
    const oldest = this.index.oldest(ticket.queue);
    if (oldest === undefined) return undefined;
    const ownRank = stageRank(stageFor(waitedSeconds(ticket, now), this.boundaries));
    const widestRank = stageRank(
      stageFor(Math.max(waitedSeconds(ticket, now), waitedSeconds(oldest, now)), this.boundaries),
    );

    let best: Found | undefined;
    let ringRank = 0;
    const boundaries = this.boundaries;
    const context = this.context;
    const consider = (candidate: Ticket): boolean => {
      const candidateRank = rankAfter(Math.max(0, now - candidate.createdAt) / 1000, boundaries); // waitedSeconds, inlined
      // Beyond the ticket's own stage, a ring is reachable only through candidates that waited
      // long enough themselves; they form a prefix of the FIFO bucket: stop at the first other.
      if (ringRank > ownRank && candidateRank < ringRank) return false;
      if (candidate.expiresAt <= now) return true;
      const stage = STAGES[Math.max(ownRank, candidateRank)] ?? "any_level";
      const verdict = judgePair(ticket, candidate, stage, context);
      if (!verdict.compatible) return true;
      if (
        best === undefined ||
        verdict.score > best.score ||
        (verdict.score === best.score && ageOrder(candidate, best.partner) < 0)
      ) {
        best = {
          partner: candidate,
          score: verdict.score,
          levelDifference: verdict.levelDifference,
          components: verdict.components,
          stage,
        };
      }
      return true;
    };
    for (; ringRank <= widestRank; ringRank += 1) {
      const ringStage = WIDENING_STAGES[ringRank];
      if (ringStage === undefined) break;
      for (const bucket of this.index.bucketsOpenedAt(ticket, ringStage)) this.index.scan(bucket, consider);
    }
    return best;
  }

  /** Schedules the next stage boundary of a waiting ticket, unless it expires first. */
  private scheduleNextStage(ticket: Ticket, currentRank: number, now: number): void {
    const nextStage = WIDENING_STAGES[currentRank + 1];
    if (nextStage === undefined) return;
    let at = ticket.createdAt + Math.ceil(stageStartSeconds(nextStage, this.boundaries) * 1000);
    if (at <= now) at = now + 1; // rounding guard: the stage is not reached yet at `now`
    if (at >= ticket.expiresAt) return;
    this.schedule(at, ticket.id, "widen");
  }

  private schedule(at: number, ticketId: string, kind: Deadline["kind"]): void {
    this.deadlines.push({ at, seq: this.deadlineSeq++, ticketId, kind });
  }

  /** Removes a ticket from the index and the bookkeeping; returns the caller's object. */
  private forget(ticketId: string): Ticket | undefined {
    const entry = this.waiting.get(ticketId);
    this.waiting.delete(ticketId);
    const indexed = this.index.remove(ticketId);
    return entry?.original ?? indexed;
  }
}

function buildResult(ticket: Ticket, partner: Ticket, found: Found, now: number): MatchResult {
  const [older, newer] = compareTicketAge(ticket, partner) <= 0 ? [ticket, partner] : [partner, ticket];
  const result: MatchResult = {
    tickets: [older, newer],
    score: found.score,
    levelDifference: found.levelDifference,
    stage: found.stage,
    topicCode: older.topicCode,
    components: found.components,
    matchedAt: now,
  };
  if (found.stage === "any_level") result.estimatedLevelDifference = found.levelDifference;
  return result;
}

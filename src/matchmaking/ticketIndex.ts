import { ParleyError } from "../errors/errorCodes.js";
import { CEFR_LEVELS, cefrIndex, type CefrLevel } from "../topics/cefr.js";
import type { TopicCategory } from "../topics/topic.js";
import { MinHeap } from "./minHeap.js";
import { compareTicketAge, type Ticket } from "./ticket.js";
import { DEFAULT_MAX_LEVEL_GAP, levelWindow, STAGE_RULES, WIDENING_STAGES, stageRank, type LevelWindow, type TopicScope, type WideningStage } from "./wideningStages.js";

/** Where an indexed ticket lives. */
interface Entry {
  readonly ticket: Ticket;
  readonly bucket: Bucket;
}

function compareEntryAge(a: Entry, b: Entry): number {
  return compareTicketAge(a.ticket, b.ticket);
}

/**
 * One (queue, level, topicCode) bucket as seen from outside: read-only facts, no access to the
 * tickets except through {@link TicketIndex.scan} (which counts visits).
 */
export interface TicketBucket {
  readonly queue: string;
  readonly level: CefrLevel;
  readonly topicCode: string;
  readonly topicCategory: TopicCategory;
  /** Number of tickets in the bucket (≥ 1: empty buckets are dropped). */
  readonly size: number;
}

class Bucket implements TicketBucket {
  /** The bucket's tickets, sorted by (createdAt, id): FIFO. A dense array, for cache-friendly scans. */
  readonly tickets: Ticket[] = [];

  constructor(
    readonly queue: string,
    readonly level: CefrLevel,
    readonly topicCode: string,
    readonly topicCategory: TopicCategory,
  ) {}

  get size(): number {
    return this.tickets.length;
  }

  /** Inserts in FIFO order: O(1) for arrivals in order, else binary search + splice. */
  insert(ticket: Ticket): void {
    const tickets = this.tickets;
    const last = tickets[tickets.length - 1];
    if (last === undefined || compareTicketAge(last, ticket) <= 0) {
      tickets.push(ticket);
      return;
    }
    tickets.splice(this.positionOf(ticket), 0, ticket);
  }

  /** Removes this very ticket object; false when it is not here. O(log n) search + splice. */
  delete(ticket: Ticket): boolean {
    const at = this.positionOf(ticket);
    if (this.tickets[at] !== ticket) return false;
    this.tickets.splice(at, 1);
    return true;
  }

  /** First position whose ticket is not older than `ticket` (binary search). */
  private positionOf(ticket: Ticket): number {
    const tickets = this.tickets;
    let low = 0;
    let high = tickets.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const probe = tickets[middle];
      if (probe !== undefined && compareTicketAge(probe, ticket) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/** Everything the index keeps for one queue. */
class QueueShelf {
  /** `byLevel[cefrIndex]` → topicCode → non-empty bucket. */
  readonly byLevel: Map<string, Bucket>[] = CEFR_LEVELS.map(() => new Map<string, Bucket>());
  /** topicCode → its category, for the topics that have at least one ticket in this queue. */
  readonly categoryOfTopic = new Map<string, TopicCategory>();
  /** category → topicCode → number of non-empty buckets of that topic (all levels). */
  readonly topicsByCategory = new Map<TopicCategory, Map<string, number>>();
  /** Every entry ever added, oldest on top; removed ones are dropped when they surface. */
  readonly byAge = new MinHeap<Entry>(compareEntryAge);
  size = 0;
}

/** Visit counters of {@link TicketIndex}, for tests and the benchmark. */
export interface TicketIndexStats {
  /** Tickets visited by {@link TicketIndex.scan} since the last {@link TicketIndex.beginSearch}. */
  lastVisitCount: number;
  /** Buckets opened by {@link TicketIndex.scan} since the last {@link TicketIndex.beginSearch}. */
  lastBucketCount: number;
  /** Tickets visited by `scan` since the index was made. */
  totalVisits: number;
  /** Calls to `beginSearch` since the index was made. */
  searches: number;
}

/**
 * The in-memory index of waiting tickets of one `matchmaking` actor (DESIGN §1, §4 "tickets
 * are indexed by (level, topicCode) buckets, and a search visits only the buckets its stage
 * allows"). Pure data structure: no clock, no I/O.
 *
 * - Tickets are bucketed by (queue, level, topicCode); each bucket is a dense array sorted by
 *   (createdAt, id), so "tickets that waited at least s seconds" is a prefix of every bucket
 *   and a scan walks contiguous memory. Removal is a binary search plus a splice.
 * - Per queue: level → topic → bucket maps, a topic → category map and a category → topics
 *   index, so a stage's buckets are found without scanning tickets; plus a min-heap by age for
 *   {@link oldest}.
 * - Adding in arrival order is an array push plus O(log n) for the age heap.
 */
export class TicketIndex {
  private readonly entries = new Map<string, Entry>();
  private readonly shelves = new Map<string, QueueShelf>();
  /** userId → ids of that user's tickets (nearly always one: a small array, not a Set). */
  private readonly userTickets = new Map<string, string[]>();
  private readonly counters: TicketIndexStats = { lastVisitCount: 0, lastBucketCount: 0, totalVisits: 0, searches: 0 };

  /**
   * @param maxLevelGap `MATCH_MAX_LEVEL_GAP`: searches never visit levels beyond the guardrails
   *   (DESIGN §10; {@link levelWindow}). @default 2
   */
  constructor(private readonly maxLevelGap = DEFAULT_MAX_LEVEL_GAP) {}

  /** Number of tickets in the index (all queues). */
  get size(): number {
    return this.entries.size;
  }

  /** Visit counters (a live read-only view). */
  get stats(): Readonly<TicketIndexStats> {
    return this.counters;
  }

  /** Tickets visited by the last search (shortcut for `stats.lastVisitCount`). */
  get lastVisitCount(): number {
    return this.counters.lastVisitCount;
  }

  /**
   * Adds a ticket.
   * @throws ParleyError `INVALID_REQUEST` when a ticket with the same id is already indexed, or
   *   when the ticket's `topicCategory` contradicts the category already known for its
   *   `topicCode` in that queue.
   */
  add(ticket: Ticket): void {
    if (this.entries.has(ticket.id)) {
      throw new ParleyError("INVALID_REQUEST", `ticket ${ticket.id} is already queued`);
    }
    const shelf = this.shelfFor(ticket.queue);
    const knownCategory = shelf.categoryOfTopic.get(ticket.topicCode);
    if (knownCategory !== undefined && knownCategory !== ticket.topicCategory) {
      throw new ParleyError(
        "INVALID_REQUEST",
        `topic ${ticket.topicCode} is in category ${knownCategory}, not ${ticket.topicCategory}`,
      );
    }
    const levelBuckets = shelf.byLevel[cefrIndex(ticket.level)];
    if (levelBuckets === undefined) throw new ParleyError("INVALID_REQUEST", `unknown level ${String(ticket.level)}`);

    let bucket = levelBuckets.get(ticket.topicCode);
    if (bucket === undefined) {
      bucket = new Bucket(ticket.queue, ticket.level, ticket.topicCode, ticket.topicCategory);
      levelBuckets.set(ticket.topicCode, bucket);
      shelf.categoryOfTopic.set(ticket.topicCode, ticket.topicCategory);
      let topics = shelf.topicsByCategory.get(ticket.topicCategory);
      if (topics === undefined) {
        topics = new Map<string, number>();
        shelf.topicsByCategory.set(ticket.topicCategory, topics);
      }
      topics.set(ticket.topicCode, (topics.get(ticket.topicCode) ?? 0) + 1);
    }

    const entry: Entry = { ticket, bucket };
    bucket.insert(ticket);
    shelf.byAge.push(entry);
    shelf.size += 1;
    this.entries.set(ticket.id, entry);
    const ids = this.userTickets.get(ticket.userId);
    if (ids === undefined) this.userTickets.set(ticket.userId, [ticket.id]);
    else ids.push(ticket.id);
  }

  /**
   * Removes a ticket by id; returns it, or `undefined` when it was not indexed.
   * O(log b) to find it in its bucket of b tickets, plus the splice.
   */
  remove(ticketId: string): Ticket | undefined {
    const entry = this.entries.get(ticketId);
    if (entry === undefined) return undefined;
    this.entries.delete(ticketId);
    const { ticket, bucket } = entry;
    bucket.delete(ticket);
    const shelf = this.shelves.get(ticket.queue);
    if (shelf !== undefined) {
      if (bucket.size === 0) this.dropBucket(shelf, bucket);
      shelf.size -= 1;
      if (shelf.size === 0) this.shelves.delete(ticket.queue);
    }
    const ids = this.userTickets.get(ticket.userId);
    if (ids !== undefined) {
      const remaining = ids.filter((id) => id !== ticketId);
      if (remaining.length === 0) this.userTickets.delete(ticket.userId);
      else this.userTickets.set(ticket.userId, remaining);
    }
    return ticket;
  }

  /** The ticket with this id, if indexed. */
  get(ticketId: string): Ticket | undefined {
    return this.entries.get(ticketId)?.ticket;
  }

  /** True when a ticket with this id is indexed. */
  has(ticketId: string): boolean {
    return this.entries.has(ticketId);
  }

  /** The indexed tickets of `userId` (any queue), oldest first. */
  byUser(userId: string): Ticket[] {
    const ids = this.userTickets.get(userId);
    if (ids === undefined) return [];
    const tickets: Ticket[] = [];
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry !== undefined) tickets.push(entry.ticket);
    }
    return tickets.sort(compareTicketAge);
  }

  /** Number of tickets in `queue`. */
  sizeOf(queue: string): number {
    return this.shelves.get(queue)?.size ?? 0;
  }

  /** The queues that hold at least one ticket. */
  queues(): string[] {
    return [...this.shelves.keys()];
  }

  /** The oldest ticket (createdAt, then id) of `queue`; amortised O(log n). */
  oldest(queue: string): Ticket | undefined {
    const shelf = this.shelves.get(queue);
    if (shelf === undefined) return undefined;
    for (let top = shelf.byAge.peek(); top !== undefined; top = shelf.byAge.peek()) {
      if (this.entries.get(top.ticket.id) === top) return top.ticket;
      shelf.byAge.pop(); // removed since it was pushed
    }
    return undefined;
  }

  /** All tickets of `queue`, oldest first (a sorted copy, not counted as visits; for listings). */
  tickets(queue: string): Ticket[] {
    const shelf = this.shelves.get(queue);
    if (shelf === undefined) return [];
    const all: Ticket[] = [];
    for (const levelBuckets of shelf.byLevel) {
      for (const bucket of levelBuckets.values()) {
        for (const ticket of bucket.tickets) all.push(ticket);
      }
    }
    return all.sort(compareTicketAge);
  }

  /**
   * Non-empty buckets of `queue` whose level lies in `window` (CEFR indices) and whose topic
   * matches `scope` around (`topicCode`, `topicCategory`). Found through the level → topic and
   * category → topics maps; no ticket is touched.
   */
  bucketsIn(
    queue: string,
    window: LevelWindow,
    scope: TopicScope,
    topicCode: string,
    topicCategory: TopicCategory,
  ): TicketBucket[] {
    const shelf = this.shelves.get(queue);
    if (shelf === undefined) return [];
    const found: Bucket[] = [];
    for (let level = window.min; level <= window.max; level += 1) {
      const levelBuckets = shelf.byLevel[level];
      if (levelBuckets === undefined || levelBuckets.size === 0) continue;
      if (scope === "topic") {
        const bucket = levelBuckets.get(topicCode);
        if (bucket !== undefined) found.push(bucket);
      } else if (scope === "category") {
        const topics = shelf.topicsByCategory.get(topicCategory);
        if (topics === undefined) continue;
        for (const topic of topics.keys()) {
          const bucket = levelBuckets.get(topic);
          if (bucket !== undefined) found.push(bucket);
        }
      } else {
        for (const bucket of levelBuckets.values()) found.push(bucket);
      }
    }
    return found;
  }

  /**
   * Buckets a search for `ticket` may visit at `stage` (cumulative: everything the narrower
   * stages allow too), in `ticket`'s queue (DESIGN §4):
   * - `strict`: own level, own topic (with `preferredPartnerLevel: "any"`, every level);
   * - `level_1`: levels ±1 (in the preferred direction), own topic;
   * - `same_category`: levels ±1, every topic of the ticket's category;
   * - `any_level`: every bucket of the queue within the level guardrails (in the preferred direction).
   * Levels follow {@link levelWindow}.
   */
  bucketsFor(
    ticket: Pick<Ticket, "queue" | "level" | "preferredPartnerLevel" | "topicCode" | "topicCategory">,
    stage: WideningStage,
  ): TicketBucket[] {
    return this.bucketsIn(
      ticket.queue,
      levelWindow(ticket, stage, this.maxLevelGap),
      STAGE_RULES[stage].topicScope,
      ticket.topicCode,
      ticket.topicCategory,
    );
  }

  /**
   * Buckets that `stage` allows for `ticket` and the previous (narrower) stage did not: the
   * "ring" a search has to add when its pair stage widens. For `strict`, the same as
   * {@link bucketsFor}.
   */
  bucketsOpenedAt(
    ticket: Pick<Ticket, "queue" | "level" | "preferredPartnerLevel" | "topicCode" | "topicCategory">,
    stage: WideningStage,
  ): TicketBucket[] {
    const all = this.bucketsFor(ticket, stage);
    const rank = stageRank(stage);
    const previous = rank === 0 ? undefined : WIDENING_STAGES[rank - 1];
    if (previous === undefined) return all;
    const inner = levelWindow(ticket, previous, this.maxLevelGap);
    const innerScope = STAGE_RULES[previous].topicScope;
    return all.filter((bucket) => {
      const level = cefrIndex(bucket.level);
      const levelInside = level >= inner.min && level <= inner.max;
      const topicInside =
        innerScope === "any" ||
        (innerScope === "category" ? bucket.topicCategory === ticket.topicCategory : bucket.topicCode === ticket.topicCode);
      return !(levelInside && topicInside);
    });
  }

  /** Starts a new search: resets `lastVisitCount` and `lastBucketCount`. */
  beginSearch(): void {
    this.counters.lastVisitCount = 0;
    this.counters.lastBucketCount = 0;
    this.counters.searches += 1;
  }

  /**
   * Calls `visit` with the tickets of `bucket`, oldest first, until it returns `false`; each
   * call counts as a visit. `visit` must not add or remove tickets (collect, then remove).
   * (A callback rather than a generator: this is the inner loop of every search.)
   */
  scan(bucket: TicketBucket, visit: (ticket: Ticket) => boolean): void {
    if (!(bucket instanceof Bucket)) return;
    const counters = this.counters;
    counters.lastBucketCount += 1;
    const tickets = bucket.tickets;
    let visited = 0;
    for (let i = 0; i < tickets.length; i += 1) {
      visited += 1;
      if (!visit(tickets[i] as Ticket)) break;
    }
    counters.lastVisitCount += visited;
    counters.totalVisits += visited;
  }

  private shelfFor(queue: string): QueueShelf {
    let shelf = this.shelves.get(queue);
    if (shelf === undefined) {
      shelf = new QueueShelf();
      this.shelves.set(queue, shelf);
    }
    return shelf;
  }

  private dropBucket(shelf: QueueShelf, bucket: Bucket): void {
    shelf.byLevel[cefrIndex(bucket.level)]?.delete(bucket.topicCode);
    const topics = shelf.topicsByCategory.get(bucket.topicCategory);
    if (topics === undefined) return;
    const remaining = (topics.get(bucket.topicCode) ?? 1) - 1;
    if (remaining > 0) {
      topics.set(bucket.topicCode, remaining);
      return;
    }
    topics.delete(bucket.topicCode);
    shelf.categoryOfTopic.delete(bucket.topicCode);
    if (topics.size === 0) shelf.topicsByCategory.delete(bucket.topicCategory);
  }
}

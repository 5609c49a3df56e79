import { ParleyError } from "../errors/errorCodes.js";
import { CEFR_LEVELS, cefrIndex, type CefrLevel } from "../topics/cefr.js";
import type { TopicCategory } from "../topics/topic.js";
import { compareTicketAge, type Ticket } from "./ticket.js";
import { levelWindow, STAGE_RULES, WIDENING_STAGES, stageRank, type LevelWindow, type TopicScope, type WideningStage } from "./wideningStages.js";

/** A link of the two FIFO lists a ticket belongs to: its bucket's and its queue's. */
interface TicketNode {
  readonly ticket: Ticket;
  readonly bucket: Bucket;
  prev: TicketNode | undefined;
  next: TicketNode | undefined;
  queuePrev: TicketNode | undefined;
  queueNext: TicketNode | undefined;
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
  head: TicketNode | undefined = undefined;
  tail: TicketNode | undefined = undefined;
  size = 0;

  constructor(
    readonly queue: string,
    readonly level: CefrLevel,
    readonly topicCode: string,
    readonly topicCategory: TopicCategory,
  ) {}
}

/** Everything the index keeps for one queue. */
class QueueShelf {
  /** `byLevel[cefrIndex]` → topicCode → non-empty bucket. */
  readonly byLevel: Map<string, Bucket>[] = CEFR_LEVELS.map(() => new Map<string, Bucket>());
  /** topicCode → its category, for the topics that have at least one ticket in this queue. */
  readonly categoryOfTopic = new Map<string, TopicCategory>();
  /** category → topicCode → number of non-empty buckets of that topic (all levels). */
  readonly topicsByCategory = new Map<TopicCategory, Map<string, number>>();
  /** FIFO of every ticket of the queue (createdAt, id). */
  head: TicketNode | undefined = undefined;
  tail: TicketNode | undefined = undefined;
  size = 0;
}

/** Visit counters of {@link TicketIndex}, for tests and the benchmark. */
export interface TicketIndexStats {
  /** Tickets yielded by {@link TicketIndex.scan} since the last {@link TicketIndex.beginSearch}. */
  lastVisitCount: number;
  /** Buckets opened by {@link TicketIndex.scan} since the last {@link TicketIndex.beginSearch}. */
  lastBucketCount: number;
  /** Tickets yielded by `scan` since the index was made. */
  totalVisits: number;
  /** Calls to `beginSearch` since the index was made. */
  searches: number;
}

/**
 * The in-memory index of waiting tickets of one `matchmaking` actor (DESIGN §1, §4 "tickets
 * are indexed by (level, topicCode) buckets, and a search visits only the buckets its stage
 * allows"). Pure data structure: no clock, no I/O.
 *
 * - Tickets are bucketed by (queue, level, topicCode); each bucket is a doubly-linked FIFO
 *   ordered by (createdAt, id), so removal is O(1) and "tickets that waited at least s seconds"
 *   is a prefix of every bucket.
 * - Per queue: level → topic → bucket maps, a topic → category map and a category → topics
 *   index, so a stage's buckets are found without scanning tickets; plus a queue-wide FIFO
 *   ({@link oldest}).
 * - Adding in arrival order is O(1); a ticket older than the tail is inserted by walking back
 *   from the tail.
 */
export class TicketIndex {
  private readonly nodes = new Map<string, TicketNode>();
  private readonly shelves = new Map<string, QueueShelf>();
  private readonly userTickets = new Map<string, Set<string>>();
  private readonly counters: TicketIndexStats = { lastVisitCount: 0, lastBucketCount: 0, totalVisits: 0, searches: 0 };

  /** Number of tickets in the index (all queues). */
  get size(): number {
    return this.nodes.size;
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
    if (this.nodes.has(ticket.id)) {
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

    const node: TicketNode = { ticket, bucket, prev: undefined, next: undefined, queuePrev: undefined, queueNext: undefined };
    insertInBucket(bucket, node);
    insertInQueue(shelf, node);
    this.nodes.set(ticket.id, node);
    let ids = this.userTickets.get(ticket.userId);
    if (ids === undefined) {
      ids = new Set<string>();
      this.userTickets.set(ticket.userId, ids);
    }
    ids.add(ticket.id);
  }

  /** Removes a ticket by id; returns it, or `undefined` when it was not indexed. O(1). */
  remove(ticketId: string): Ticket | undefined {
    const node = this.nodes.get(ticketId);
    if (node === undefined) return undefined;
    this.nodes.delete(ticketId);
    const { ticket, bucket } = node;
    const shelf = this.shelves.get(ticket.queue);
    if (shelf === undefined) return ticket; // unreachable: a node always has its shelf

    if (node.prev === undefined) bucket.head = node.next;
    else node.prev.next = node.next;
    if (node.next === undefined) bucket.tail = node.prev;
    else node.next.prev = node.prev;
    bucket.size -= 1;
    if (bucket.size === 0) this.dropBucket(shelf, bucket);

    if (node.queuePrev === undefined) shelf.head = node.queueNext;
    else node.queuePrev.queueNext = node.queueNext;
    if (node.queueNext === undefined) shelf.tail = node.queuePrev;
    else node.queueNext.queuePrev = node.queuePrev;
    shelf.size -= 1;
    if (shelf.size === 0) this.shelves.delete(ticket.queue);

    const ids = this.userTickets.get(ticket.userId);
    ids?.delete(ticketId);
    if (ids !== undefined && ids.size === 0) this.userTickets.delete(ticket.userId);
    return ticket;
  }

  /** The ticket with this id, if indexed. */
  get(ticketId: string): Ticket | undefined {
    return this.nodes.get(ticketId)?.ticket;
  }

  /** True when a ticket with this id is indexed. */
  has(ticketId: string): boolean {
    return this.nodes.has(ticketId);
  }

  /** The indexed tickets of `userId` (any queue), oldest first. */
  byUser(userId: string): Ticket[] {
    const ids = this.userTickets.get(userId);
    if (ids === undefined) return [];
    const tickets: Ticket[] = [];
    for (const id of ids) {
      const node = this.nodes.get(id);
      if (node !== undefined) tickets.push(node.ticket);
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

  /** The oldest ticket (createdAt, then id) of `queue`, in O(1). */
  oldest(queue: string): Ticket | undefined {
    return this.shelves.get(queue)?.head?.ticket;
  }

  /** All tickets of `queue`, oldest first (not counted as visits; for listings and sweeps). */
  *tickets(queue: string): Generator<Ticket, void, undefined> {
    for (let node = this.shelves.get(queue)?.head; node !== undefined; node = node.queueNext) {
      yield node.ticket;
    }
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
   * - `any_level`: every bucket of the queue (in the preferred direction).
   * Levels follow {@link levelWindow}.
   */
  bucketsFor(
    ticket: Pick<Ticket, "queue" | "level" | "preferredPartnerLevel" | "topicCode" | "topicCategory">,
    stage: WideningStage,
  ): TicketBucket[] {
    return this.bucketsIn(
      ticket.queue,
      levelWindow(ticket, stage),
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
    const inner = levelWindow(ticket, previous);
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
   * The tickets of `bucket`, oldest first, each one counted as a visit. Safe against removal
   * of the ticket just yielded (the next link is read before yielding). Stop early with `break`.
   */
  *scan(bucket: TicketBucket): Generator<Ticket, void, undefined> {
    if (!(bucket instanceof Bucket)) return;
    this.counters.lastBucketCount += 1;
    let node = bucket.head;
    while (node !== undefined) {
      const next = node.next;
      this.counters.lastVisitCount += 1;
      this.counters.totalVisits += 1;
      yield node.ticket;
      node = next;
    }
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

/** Inserts into the bucket FIFO, walking back from the tail (O(1) for arrivals in order). */
function insertInBucket(bucket: Bucket, node: TicketNode): void {
  let after = bucket.tail;
  while (after !== undefined && compareTicketAge(after.ticket, node.ticket) > 0) after = after.prev;
  node.prev = after;
  node.next = after === undefined ? bucket.head : after.next;
  if (after === undefined) bucket.head = node;
  else after.next = node;
  if (node.next === undefined) bucket.tail = node;
  else node.next.prev = node;
  bucket.size += 1;
}

/** Inserts into the queue-wide FIFO, walking back from the tail. */
function insertInQueue(shelf: QueueShelf, node: TicketNode): void {
  let after = shelf.tail;
  while (after !== undefined && compareTicketAge(after.ticket, node.ticket) > 0) after = after.queuePrev;
  node.queuePrev = after;
  node.queueNext = after === undefined ? shelf.head : after.queueNext;
  if (after === undefined) shelf.head = node;
  else after.queueNext = node;
  if (node.queueNext === undefined) shelf.tail = node;
  else node.queueNext.queuePrev = node;
  shelf.size += 1;
}

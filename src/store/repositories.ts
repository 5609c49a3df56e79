import type { EventEnvelope } from "../events/envelope.js";
import type {
  MatchRequestRecord,
  MatchRequestStatus,
  OutboxRecord,
  RatingRecord,
  ReportRecord,
  SessionRecord,
  SessionStatus,
} from "./records.js";

/**
 * A state change and the events it produces, written together: implementations must make
 * the events visible in the outbox if and only if the change is applied (DESIGN §6 "every
 * transition is persisted and its event put in the outbox before anyone is told", §8 outbox).
 */
export interface WriteOptions {
  events?: EventEnvelope[];
}

/** Tickets (seed 002 §2.1 MatchRequest; indexes (status, targetLanguageCode, createdAt), (userId, status)). */
export interface MatchRequestRepository {
  /** Inserts a pending ticket. @throws ParleyError `ALREADY_MATCHED` when the user has one pending. */
  create(record: MatchRequestRecord, options?: WriteOptions): Promise<void>;
  get(id: string): Promise<MatchRequestRecord | undefined>;
  /** The user's newest ticket of any status, for `GET /match-request/status`. */
  latestByUser(userId: string): Promise<MatchRequestRecord | undefined>;
  /** The user's pending ticket, if any. */
  pendingByUser(userId: string): Promise<MatchRequestRecord | undefined>;
  /**
   * Conditional update: applies `patch` only while the ticket is in `expected` status.
   * @returns true when applied (false: someone else changed it first — no events written)
   */
  transition(id: string, expected: MatchRequestStatus, patch: Partial<MatchRequestRecord>, options?: WriteOptions): Promise<boolean>;
  /** Pending tickets whose `expiresAt` ≤ `now` (cleanup job). */
  listExpiredPending(now: Date, limit: number): Promise<MatchRequestRecord[]>;
}

/** Filter of {@link SessionRepository.listByUser}. */
export interface SessionListQuery {
  userId: string;
  statuses?: SessionStatus[];
  targetLanguageCode?: string;
  limit: number;
  offset: number;
}

/** Conversation sessions (seed 002 §2.1; indexes (status, createdAt), participants.userId, (status, endedAt)). */
export interface SessionRepository {
  create(record: SessionRecord, options?: WriteOptions): Promise<void>;
  get(id: string): Promise<SessionRecord | undefined>;
  /**
   * Conditional update: applies `patch` only while the session status is one of `expected`,
   * so two processes ending a session race safely.
   * @returns true when applied
   */
  transition(id: string, expected: readonly SessionStatus[], patch: Partial<SessionRecord>, options?: WriteOptions): Promise<boolean>;
  /** Unconditional patch of live fields (prompts, stats) that produce no event. */
  patch(id: string, patch: Partial<SessionRecord>): Promise<void>;
  /** Sessions of a user, newest first, with the total count. */
  listByUser(query: SessionListQuery): Promise<{ items: SessionRecord[]; total: number }>;
  /** The user's session in `waiting` or `active`, if any. */
  liveByUser(userId: string): Promise<SessionRecord | undefined>;
  /** Sessions with `userId` created at or after `since` that did not expire (weekly quota). */
  countCountedSince(userId: string, since: Date): Promise<number>;
  /** Users who shared a session with `userId` that started at or after `since`. */
  partnersSince(userId: string, since: Date): Promise<string[]>;
  /** Live sessions (`waiting`/`active`), oldest first (cleanup job). */
  listLive(limit: number): Promise<SessionRecord[]>;
  /**
   * Adds or replaces the user's rating (conditional on the previous `ratedAt`, so two
   * concurrent ratings by one user keep exactly one).
   * @returns the session's ratings after the write
   */
  upsertRating(id: string, rating: RatingRecord, options?: WriteOptions): Promise<RatingRecord[]>;
}

/** Reports and blocks (DESIGN §7 report; `block` means never matched again). */
export interface ModerationRepository {
  createReport(report: ReportRecord, options?: WriteOptions): Promise<void>;
  countReportsAgainst(userId: string): Promise<number>;
  listReports(limit: number, offset: number): Promise<{ items: ReportRecord[]; total: number }>;
  block(blockerUserId: string, blockedUserId: string): Promise<void>;
  /** Users `userId` blocked or was blocked by. */
  blockedPeers(userId: string): Promise<string[]>;
}

/** The transactional outbox (DESIGN §8). */
export interface OutboxRepository {
  /** Oldest unpublished rows first, at most `limit`. */
  pending(limit: number): Promise<OutboxRecord[]>;
  markPublished(seqs: readonly number[], at: Date): Promise<void>;
  markFailed(seqs: readonly number[]): Promise<void>;
  /** Count of unpublished rows (metrics, readiness). */
  pendingCount(): Promise<number>;
}

/** Admin audit log (seeds 003/004). */
export interface AuditRecord {
  id: string;
  actorUserId: string;
  action: string;
  target: string;
  details?: Record<string, unknown>;
  at: Date;
}

/** The admin audit log. */
export interface AuditRepository {
  append(entry: AuditRecord): Promise<void>;
  list(limit: number, offset: number): Promise<{ items: AuditRecord[]; total: number }>;
}

/** Every repository, built once in the composition root. */
export interface Store {
  readonly kind: "memory" | "mongo";
  readonly matchRequests: MatchRequestRepository;
  readonly sessions: SessionRepository;
  readonly moderation: ModerationRepository;
  readonly outbox: OutboxRepository;
  readonly audit: AuditRepository;
  /** Throws when the backend is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

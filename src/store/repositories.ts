import type { EventEnvelope } from "../events/envelope.js";
import type { Topic } from "../topics/topic.js";
import type { ChannelMemberRepository, ChannelRepository, MessageRepository, NotificationRepository } from "./chatRepositories.js";
import type { FileUploadRepository } from "./fileUploads.js";
import type { StoreWrite, StoreWriteOutcome } from "./storeWrites.js";
import type { UserSessionActivity } from "./userActivity.js";
import type {
  MatchRequestRecord,
  MatchRequestStatus,
  ModerationResolution,
  OutboxRecord,
  ParticipantRecord,
  RatingRecord,
  ReportRecord,
  SessionRecord,
  SessionStatus,
  UserModerationRecord,
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
  /** Pending `mode: "scheduled"` tickets of `queue` (all queues when omitted), oldest first (the queue room reloads them, DESIGN §4 scheduled mode). */
  listPendingScheduled(queue?: string): Promise<MatchRequestRecord[]>;
}

/** Filter of {@link SessionRepository.listByUser}. */
export interface SessionListQuery {
  userId: string;
  statuses?: SessionStatus[];
  targetLanguageCode?: string;
  limit: number;
  offset: number;
}

/** Position in the list of public groups: the last group of the previous page. */
export interface GroupListPosition {
  createdAt: Date;
  id: string;
}

/** Filter of {@link SessionRepository.listPublicGroups}. */
export interface GroupListQuery {
  status: "waiting" | "active";
  targetLanguageCode?: string;
  /** Most groups returned. */
  limit: number;
  /** List only the groups after this one (exclusive), in list order. */
  after?: GroupListPosition;
}

/**
 * Conversation sessions (seed 002 §2.1; indexes (status, createdAt), participants.userId,
 * (status, endedAt); groups, seed 000: (status, targetLanguageCode), (hostUserId, createdAt),
 * inviteCode unique sparse, (type, status)).
 */
export interface SessionRepository {
  /**
   * Inserts a session.
   * @throws ParleyError `INVITE_CODE_TAKEN` when another session has its `inviteCode` (the
   *   caller draws a new code), `INVALID_REQUEST` when the id exists
   */
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
  /**
   * `liveByUser`, `countCountedSince` and `partnersSince` of one user at once, for admission
   * (issue 11 §4): one indexed read of the user's sessions that are live or were created,
   * started or ended at or after `since` — bounded by recent activity, not by history.
   * Callers pass the earliest of the windows they need (the 7-day quota window).
   */
  activitySince(userId: string, since: Date): Promise<UserSessionActivity>;
  /** Live sessions (`waiting`/`active`), oldest first (cleanup job). */
  listLive(limit: number): Promise<SessionRecord[]>;
  /** The group whose `inviteCode` is `inviteCode` (exact match), of any status. */
  findByInviteCode(inviteCode: string): Promise<SessionRecord | undefined>;
  /**
   * Public groups in `status`, oldest first (`createdAt`, then `id`), at most `limit`, after
   * `query.after` when given (cursor pagination of `GET /sessions`, seed 000).
   */
  listPublicGroups(query: GroupListQuery): Promise<SessionRecord[]>;
  /**
   * Gives `participant` a seat in a live group (seed 000, DESIGN §7 join): added when seats
   * remain — participants without `leftAt` stay under `maxParticipants`, even when several
   * users take the last seat at the same moment (exactly one gets it). Idempotent per user:
   * someone already seated changes nothing; someone who left is seated again (their `leftAt`
   * cleared) when a seat remains. Both REST and the room may call it.
   * @returns the session after the write
   * @throws ParleyError `SESSION_NOT_FOUND`; `SESSION_NOT_ACTIVE` when it is not a live
   *   (`waiting`/`active`) group; `SESSION_FULL` (409) when no seat is left
   */
  addGroupParticipant(id: string, participant: ParticipantRecord): Promise<SessionRecord>;
  /**
   * Adds or replaces the user's rating (conditional on the previous `ratedAt`, so two
   * concurrent ratings by one user keep exactly one).
   * @returns the session's ratings after the write
   */
  upsertRating(id: string, rating: RatingRecord, options?: WriteOptions): Promise<RatingRecord[]>;
}

/** Filter of {@link ModerationRepository.listReports}. */
export interface ReportListFilter {
  /** Only reports against users currently flagged for review. @default false */
  flaggedOnly?: boolean;
}

/**
 * Reports, blocks and the moderation state of users (DESIGN §7 report; `block` means never
 * matched again; "> 3 reports on a user → flagged for review").
 */
export interface ModerationRepository {
  /**
   * Stores a report. One per (session, reporter, reported user).
   * @throws ParleyError `ALREADY_REPORTED` (409) when the reporter reported that user in that
   *   session already (no events written); `INVALID_REQUEST` when the id exists
   */
  createReport(report: ReportRecord, options?: WriteOptions): Promise<void>;
  countReportsAgainst(userId: string): Promise<number>;
  /**
   * How many distinct users reported `userId` in reports created at or after `since` (all
   * reports when absent), not counting `exceptReporterUserId` when given.
   */
  countDistinctReporters(userId: string, since?: Date, exceptReporterUserId?: string): Promise<number>;
  /** Reports, newest first, with the total matching the filter. */
  listReports(limit: number, offset: number, filter?: ReportListFilter): Promise<{ items: ReportRecord[]; total: number }>;
  block(blockerUserId: string, blockedUserId: string): Promise<void>;
  /** Users `userId` blocked or was blocked by. */
  blockedPeers(userId: string): Promise<string[]>;
  /** The user's moderation state; undefined when nobody flagged or moderated them. */
  userState(userId: string): Promise<UserModerationRecord | undefined>;
  /** The states of several users (those that have one), in no particular order. */
  userStates(userIds: readonly string[]): Promise<UserModerationRecord[]>;
  /**
   * Flags the user for review at `at`, with `options.events`, unless already flagged.
   * @returns true when this call flagged them (its events written); false when they were
   *   flagged already (no events) — of concurrent calls exactly one gets true
   */
  flagForReview(userId: string, at: Date, options?: WriteOptions): Promise<boolean>;
  /**
   * Records a moderator's resolution: the flag is cleared, `lastResolution` set; `warn` adds
   * one warning; `ban` sets `bannedUntil` = `resolution.bannedUntil`. Concurrent resolutions
   * are all applied, one after the other.
   * @returns the state after the write
   */
  resolve(userId: string, resolution: ModerationResolution, options?: WriteOptions): Promise<UserModerationRecord>;
}

/** The transactional outbox (DESIGN §8). */
export interface OutboxRepository {
  /** Oldest unpublished rows first, at most `limit`. */
  pending(limit: number): Promise<OutboxRecord[]>;
  markPublished(seqs: readonly number[], at: Date): Promise<void>;
  markFailed(seqs: readonly number[]): Promise<void>;
  /** Count of unpublished rows (metrics, readiness). */
  pendingCount(): Promise<number>;
  /** Count of every row kept, published or not (retention). */
  rowCount(): Promise<number>;
  /**
   * Deletes published rows whose `publishedAt` is before `before` (retention,
   * `OUTBOX_RETENTION_HOURS`). Unpublished rows are never deleted. The Mongo outbox keeps
   * the row with the highest `seq`, so that seqs never go back.
   * @returns how many were deleted
   */
  prunePublished(before: Date): Promise<number>;
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

/**
 * Events a consumer has handled (DESIGN §8 "Consumers are idempotent by eventId"). A record is
 * per (`consumer`, `eventId`), so two consumers may each handle one event once.
 */
export interface ProcessedEventRepository {
  /** True when `consumer` has recorded `eventId` already. */
  isProcessed(eventId: string, consumer: string): Promise<boolean>;
  /**
   * Records that `consumer` handled `eventId` at `at`.
   * @returns true the first time, false when it was recorded already; of several concurrent
   *   calls for one pair exactly one gets true (memory: one Map, no await in between; Mongo:
   *   an insert against the unique `_id`)
   */
  markProcessed(eventId: string, consumer: string, at: Date): Promise<boolean>;
  /**
   * Forgets the records made before `before` (retention: a redelivery older than that is no
   * longer recognised; the consumers' effects are idempotent anyway).
   * @returns how many were forgotten
   */
  pruneBefore(before: Date): Promise<number>;
  /** Count of the records kept (retention). */
  count(): Promise<number>;
}

/**
 * The topic catalog as stored (seed 002 §2.1 ConversationTopic; issue 7 §4 "topics live in the
 * store"). A topic is identified by (`targetLanguageCode`, `code`). The store does not validate
 * topics: callers pass topics validated with `topicSchema`, and the catalog re-validates what
 * it loads. Each process reads it through its `TopicCatalog` (src/topics/topicCatalog.ts).
 */
export interface TopicRepository {
  /** Every topic, any language, active or not, in no particular order. */
  list(): Promise<Topic[]>;
  get(targetLanguageCode: string, code: string): Promise<Topic | undefined>;
  /** Inserts a new topic. @throws ParleyError `INVALID_REQUEST` when it exists already. */
  create(topic: Topic): Promise<void>;
  /** Creates or replaces the topic. @returns which of the two happened */
  put(topic: Topic): Promise<"created" | "replaced">;
  /** @returns true when the topic existed */
  remove(targetLanguageCode: string, code: string): Promise<boolean>;
  /**
   * Inserts `topics` when the store holds no topic at all (the seed catalog at boot); several
   * processes booting at once insert each topic once.
   * @returns how many were inserted (0 when the store had topics)
   */
  seedIfEmpty(topics: readonly Topic[]): Promise<number>;
}

/**
 * Skills learners acquired, from `lesson.events` `skill.acquired` (seed 002 §5.2, DESIGN §8).
 * Topic access (`src/topics/topicAccess.ts`) takes the union of these and the token's
 * `skills` claim: the token may predate a skill acquired since it was issued.
 */
export interface LearnerSkillRepository {
  /**
   * Records that `userId` acquired `skillCode` (e.g. `restaurant_vocab.en`).
   * @param acquiredAt when (the event's time), @default now
   * @returns true when new, false when the user had it already (kept as first recorded)
   */
  add(userId: string, skillCode: string, acquiredAt?: Date): Promise<boolean>;
  /** The user's skill codes, sorted; empty when none. */
  list(userId: string): Promise<string[]>;
}

/** What {@link Store.eraseUser} did: how many records of each kind it changed. */
export interface UserErasure {
  /** Sessions where the user's participant entry (and rating text) was anonymized. */
  sessionsAnonymized: number;
  /** The user's tickets, pending or past. */
  matchRequestsDeleted: number;
  /** Reports the user made (reports against them are kept as moderation history). */
  reportsDeleted: number;
  /** Blocks in either direction. */
  blocksDeleted: number;
  /** Acquired skills ({@link LearnerSkillRepository}). */
  skillsDeleted: number;
}

/** Every repository, built once in the composition root. */
export interface Store {
  readonly kind: "memory" | "mongo";
  readonly matchRequests: MatchRequestRepository;
  readonly sessions: SessionRepository;
  readonly moderation: ModerationRepository;
  readonly outbox: OutboxRepository;
  readonly audit: AuditRepository;
  readonly processedEvents: ProcessedEventRepository;
  readonly learnerSkills: LearnerSkillRepository;
  readonly topics: TopicRepository;
  /** Chat messages, channels, channel members, notifications (issue 9, `chatRepositories.ts`). */
  readonly messages: MessageRepository;
  readonly channels: ChannelRepository;
  readonly channelMembers: ChannelMemberRepository;
  readonly notifications: NotificationRepository;
  /** `file_uploads` (seed 003): recording track uploads and their progress (`fileUploads.ts`). */
  readonly fileUploads: FileUploadRepository;
  /**
   * Erases a deleted user's data (`user.events` `user.deleted`, DESIGN §8): in every stored
   * session their participant entry gets `displayName` = `ERASED_DISPLAY_NAME` and no
   * `avatarUrl`, and their rating loses its free-text `feedback` (the score stays in the
   * partners' session); their tickets (pending or past), the reports they made, their blocks
   * (both directions) and their acquired skills are deleted. The `userId` stays in sessions as
   * an opaque id (partners' histories, quotas and "recent partner" scores still count it).
   * The audit log and events already published are not touched. Idempotent: a second call
   * finds nothing left to change and returns zeros.
   */
  eraseUser(userId: string): Promise<UserErasure>;
  /**
   * Group commit of a room's I/O queue (DESIGN §1): applies `writes` (ticket and session
   * creations, transitions, patches, each atomic with its events) in one call — writes to one
   * document in the given order — and reports each one's outcome at the same index. Never
   * throws: a backend failure is a `failed` outcome of the writes it hit, to be retried.
   */
  writeBatch(writes: readonly StoreWrite[]): Promise<StoreWriteOutcome[]>;
  /** Throws when the backend is unreachable (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

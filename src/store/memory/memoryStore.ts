import { ParleyError } from "../../errors/errorCodes.js";
import type { EventEnvelope } from "../../events/envelope.js";
import type { Topic } from "../../topics/topic.js";
import type {
  MatchRequestRecord,
  ModerationResolution,
  OutboxRecord,
  ParticipantRecord,
  RatingRecord,
  ReportRecord,
  SessionRecord,
  UserModerationRecord,
} from "../records.js";
import type {
  AuditRecord,
  AuditRepository,
  GroupListQuery,
  LearnerSkillRepository,
  MatchRequestRepository,
  ModerationRepository,
  OutboxRepository,
  ProcessedEventRepository,
  ReportListFilter,
  SessionListQuery,
  SessionRepository,
  Store,
  TopicRepository,
  UserErasure,
  WriteOptions,
} from "../repositories.js";
import { seatInGroup } from "../groupSeats.js";
import { resolvedState } from "../moderationState.js";
import { applyWritesInOrder } from "../storeWrites.js";
import { activityOf, type UserSessionActivity } from "../userActivity.js";
import { anonymizedSessionFields } from "../userErasure.js";
import { MemoryChannelMembers, MemoryChannels, MemoryMessages, MemoryNotifications } from "./memoryChatStore.js";
import { MemoryFileUploadRepository } from "./memoryFileUploadRepository.js";
import { plainCopy } from "./plainCopy.js";

const LIVE = new Set(["waiting", "active"]);

/** In-memory outbox: rows kept in arrival order, published ones pruned past a bound. */
class MemoryOutbox implements OutboxRepository {
  private rows: OutboxRecord[] = [];
  private nextSeq = 1;

  append(events: readonly EventEnvelope[] | undefined): void {
    for (const event of events ?? []) {
      this.rows.push({ seq: this.nextSeq++, event: plainCopy(event), createdAt: new Date(), attempts: 0 });
    }
  }

  async pending(limit: number): Promise<OutboxRecord[]> {
    return this.rows.filter((r) => !r.publishedAt).slice(0, limit).map((r) => plainCopy(r));
  }

  async markPublished(seqs: readonly number[], at: Date): Promise<void> {
    const wanted = new Set(seqs);
    for (const row of this.rows) if (wanted.has(row.seq)) row.publishedAt = at;
    // Published rows are only history here; keep memory bounded.
    if (this.rows.length > 10_000) this.rows = this.rows.filter((r) => !r.publishedAt);
  }

  async markFailed(seqs: readonly number[]): Promise<void> {
    const wanted = new Set(seqs);
    for (const row of this.rows) if (wanted.has(row.seq)) row.attempts += 1;
  }

  async pendingCount(): Promise<number> {
    return this.rows.filter((r) => !r.publishedAt).length;
  }

  async rowCount(): Promise<number> {
    return this.rows.length;
  }

  async prunePublished(before: Date): Promise<number> {
    const kept = this.rows.filter((r) => !r.publishedAt || r.publishedAt >= before);
    const pruned = this.rows.length - kept.length;
    this.rows = kept;
    return pruned;
  }
}

class MemoryMatchRequests implements MatchRequestRepository {
  private readonly byId = new Map<string, MatchRequestRecord>();
  /** Ticket ids per userId. */
  private readonly byUser = new Map<string, Set<string>>();
  /** The pending ticket's id per userId (at most one each). */
  private readonly pending = new Map<string, string>();
  constructor(private readonly outbox: MemoryOutbox) {}

  /** Stores `record` as the ticket's current state and keeps the indexes. */
  private put(record: MatchRequestRecord): void {
    this.byId.set(record.id, record);
    let ids = this.byUser.get(record.userId);
    if (!ids) this.byUser.set(record.userId, (ids = new Set()));
    ids.add(record.id);
    if (record.status === "pending") this.pending.set(record.userId, record.id);
    else if (this.pending.get(record.userId) === record.id) this.pending.delete(record.userId);
  }

  /** The stored pending tickets (not copies). */
  private *pendingTickets(): Generator<MatchRequestRecord> {
    for (const id of this.pending.values()) {
      const r = this.byId.get(id);
      if (r) yield r;
    }
  }

  async create(record: MatchRequestRecord, options?: WriteOptions): Promise<void> {
    // Checked and inserted with no await in between, so that two concurrent creates cannot both pass.
    if (record.status === "pending" && this.pending.has(record.userId)) throw new ParleyError("ALREADY_MATCHED", "a match request is already pending");
    this.put(plainCopy(record));
    this.outbox.append(options?.events);
  }

  async get(id: string): Promise<MatchRequestRecord | undefined> {
    const found = this.byId.get(id);
    return found && plainCopy(found);
  }

  async latestByUser(userId: string): Promise<MatchRequestRecord | undefined> {
    let latest: MatchRequestRecord | undefined;
    for (const id of this.byUser.get(userId) ?? []) {
      const r = this.byId.get(id);
      if (r && (!latest || r.createdAt >= latest.createdAt)) latest = r;
    }
    return latest && plainCopy(latest);
  }

  async pendingByUser(userId: string): Promise<MatchRequestRecord | undefined> {
    const found = this.byId.get(this.pending.get(userId) ?? "");
    return found && plainCopy(found);
  }

  async transition(id: string, expected: MatchRequestRecord["status"], patch: Partial<MatchRequestRecord>, options?: WriteOptions): Promise<boolean> {
    const current = this.byId.get(id);
    if (!current || current.status !== expected) return false;
    this.put({ ...current, ...plainCopy(patch) });
    this.outbox.append(options?.events);
    return true;
  }

  async listExpiredPending(now: Date, limit: number): Promise<MatchRequestRecord[]> {
    const out: MatchRequestRecord[] = [];
    for (const r of this.pendingTickets()) {
      if (out.length >= limit) break;
      if (r.expiresAt <= now) out.push(plainCopy(r));
    }
    return out;
  }

  async listPendingScheduled(queue?: string): Promise<MatchRequestRecord[]> {
    return [...this.pendingTickets()]
      .filter((r) => r.mode === "scheduled" && (queue === undefined || r.queue === queue))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map((r) => plainCopy(r));
  }

  /** Deletes every ticket of `userId` (user erasure). @returns how many */
  deleteByUser(userId: string): number {
    let n = 0;
    for (const id of this.byUser.get(userId) ?? []) if (this.byId.delete(id)) n++;
    this.byUser.delete(userId);
    this.pending.delete(userId);
    return n;
  }
}

class MemorySessions implements SessionRepository {
  private readonly byId = new Map<string, SessionRecord>();
  /** Session ids per participant's userId (participants are added, never removed). */
  private readonly byUser = new Map<string, Set<string>>();
  constructor(private readonly outbox: MemoryOutbox) {}

  /** Stores `record` as the session's current state and indexes its participants. */
  private put(record: SessionRecord): void {
    this.byId.set(record.id, record);
    for (const p of record.participants) {
      let ids = this.byUser.get(p.userId);
      if (!ids) this.byUser.set(p.userId, (ids = new Set()));
      ids.add(record.id);
    }
  }

  /** The stored sessions `userId` takes or took part in (not copies). */
  private *sessionsOf(userId: string): Generator<SessionRecord> {
    for (const id of this.byUser.get(userId) ?? []) {
      const s = this.byId.get(id);
      if (s?.participants.some((p) => p.userId === userId)) yield s;
    }
  }

  async create(record: SessionRecord, options?: WriteOptions): Promise<void> {
    if (this.byId.has(record.id)) throw new ParleyError("INVALID_REQUEST", `session ${record.id} exists`);
    if (record.inviteCode !== undefined && [...this.byId.values()].some((s) => s.inviteCode === record.inviteCode)) {
      throw new ParleyError("INVITE_CODE_TAKEN", "another session has this invite code");
    }
    this.put(plainCopy(record));
    this.outbox.append(options?.events);
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const found = this.byId.get(id);
    return found && plainCopy(found);
  }

  async transition(id: string, expected: readonly SessionRecord["status"][], patch: Partial<SessionRecord>, options?: WriteOptions): Promise<boolean> {
    const current = this.byId.get(id);
    if (!current || !expected.includes(current.status)) return false;
    this.put({ ...current, ...plainCopy(patch), updatedAt: new Date() });
    this.outbox.append(options?.events);
    return true;
  }

  async patch(id: string, patch: Partial<SessionRecord>): Promise<void> {
    const current = this.byId.get(id);
    if (current) this.put({ ...current, ...plainCopy(patch), updatedAt: new Date() });
  }

  async listByUser(query: SessionListQuery): Promise<{ items: SessionRecord[]; total: number }> {
    const matching = [...this.sessionsOf(query.userId)]
      .filter((s) => !query.statuses || query.statuses.includes(s.status))
      .filter((s) => !query.targetLanguageCode || s.targetLanguageCode === query.targetLanguageCode)
      .sort((a, b) => (b.endedAt ?? b.createdAt).getTime() - (a.endedAt ?? a.createdAt).getTime());
    return {
      items: matching.slice(query.offset, query.offset + query.limit).map((s) => plainCopy(s)),
      total: matching.length,
    };
  }

  async liveByUser(userId: string): Promise<SessionRecord | undefined> {
    let live: SessionRecord | undefined;
    for (const s of this.sessionsOf(userId)) {
      if (LIVE.has(s.status) && s.participants.some((p) => p.userId === userId && !p.leftAt) && (!live || s.createdAt < live.createdAt)) live = s;
    }
    return live && plainCopy(live);
  }

  async countCountedSince(userId: string, since: Date): Promise<number> {
    let n = 0;
    for (const s of this.sessionsOf(userId)) if (s.status !== "expired" && s.createdAt >= since) n++;
    return n;
  }

  async partnersSince(userId: string, since: Date): Promise<string[]> {
    return activityOf(this.sessionsOf(userId), userId, since).partnersSince;
  }

  async activitySince(userId: string, since: Date): Promise<UserSessionActivity> {
    return activityOf(this.sessionsOf(userId), userId, since);
  }

  async listLive(limit: number): Promise<SessionRecord[]> {
    return [...this.byId.values()]
      .filter((s) => LIVE.has(s.status))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, limit)
      .map((s) => plainCopy(s));
  }

  async findByInviteCode(inviteCode: string): Promise<SessionRecord | undefined> {
    for (const s of this.byId.values()) if (s.inviteCode === inviteCode) return plainCopy(s);
    return undefined;
  }

  async listPublicGroups(query: GroupListQuery): Promise<SessionRecord[]> {
    const { after } = query;
    return [...this.byId.values()]
      .filter((s) => s.type === "public" && s.status === query.status)
      .filter((s) => !query.targetLanguageCode || s.targetLanguageCode === query.targetLanguageCode)
      .filter((s) => !after || s.createdAt > after.createdAt || (s.createdAt.getTime() === after.createdAt.getTime() && s.id > after.id))
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, query.limit)
      .map((s) => plainCopy(s));
  }

  async addGroupParticipant(id: string, participant: ParticipantRecord): Promise<SessionRecord> {
    const current = this.byId.get(id);
    if (!current) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    // Decided and written with no await in between: concurrent calls cannot overfill a group.
    const decision = seatInGroup(current, participant);
    if (decision.kind === "seat") this.put({ ...current, participants: plainCopy(decision.participants), updatedAt: new Date() });
    return plainCopy(this.byId.get(id) ?? current);
  }

  async upsertRating(id: string, rating: RatingRecord, options?: WriteOptions): Promise<RatingRecord[]> {
    const current = this.byId.get(id);
    if (!current) throw new ParleyError("SESSION_NOT_FOUND", `session ${id} not found`);
    const ratings = current.ratings.filter((r) => r.userId !== rating.userId).concat(plainCopy(rating));
    this.byId.set(id, { ...current, ratings, updatedAt: new Date() });
    this.outbox.append(options?.events);
    return plainCopy(ratings);
  }

  /** Anonymizes `userId` in every session they took part in (user erasure). @returns how many changed */
  anonymizeParticipant(userId: string): number {
    let n = 0;
    for (const [id, s] of this.byId) {
      const fields = anonymizedSessionFields(s, userId);
      if (!fields) continue;
      this.byId.set(id, { ...s, ...fields, updatedAt: new Date() });
      n++;
    }
    return n;
  }
}

class MemoryModeration implements ModerationRepository {
  private readonly reports: ReportRecord[] = [];
  private readonly blocks = new Set<string>();
  private readonly states = new Map<string, UserModerationRecord>();
  constructor(private readonly outbox: MemoryOutbox) {}

  async createReport(report: ReportRecord, options?: WriteOptions): Promise<void> {
    // Checked and inserted with no await in between: of two concurrent reports one is refused.
    if (this.reports.some((r) => r.id === report.id)) throw new ParleyError("INVALID_REQUEST", `report ${report.id} exists`);
    if (this.reports.some((r) => r.sessionId === report.sessionId && r.reporterUserId === report.reporterUserId && r.reportedUserId === report.reportedUserId)) {
      throw new ParleyError("ALREADY_REPORTED", "you reported this participant in this session already");
    }
    this.reports.push(plainCopy(report));
    this.outbox.append(options?.events);
  }

  async countReportsAgainst(userId: string): Promise<number> {
    return this.reports.filter((r) => r.reportedUserId === userId).length;
  }

  async countDistinctReporters(userId: string, since?: Date, exceptReporterUserId?: string): Promise<number> {
    const reporters = new Set<string>();
    for (const r of this.reports) {
      if (r.reportedUserId !== userId || (since && r.createdAt < since) || r.reporterUserId === exceptReporterUserId) continue;
      reporters.add(r.reporterUserId);
    }
    return reporters.size;
  }

  async listReports(limit: number, offset: number, filter: ReportListFilter = {}): Promise<{ items: ReportRecord[]; total: number }> {
    const sorted = this.reports
      .filter((r) => !filter.flaggedOnly || this.states.get(r.reportedUserId)?.flaggedForReview === true)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    return { items: sorted.slice(offset, offset + limit).map((r) => plainCopy(r)), total: sorted.length };
  }

  async userState(userId: string): Promise<UserModerationRecord | undefined> {
    const state = this.states.get(userId);
    return state && plainCopy(state);
  }

  async userStates(userIds: readonly string[]): Promise<UserModerationRecord[]> {
    return [...new Set(userIds)].flatMap((id) => {
      const state = this.states.get(id);
      return state ? [plainCopy(state)] : [];
    });
  }

  async flagForReview(userId: string, at: Date, options?: WriteOptions): Promise<boolean> {
    const current = this.states.get(userId) ?? { userId, flaggedForReview: false, warnings: 0 };
    if (current.flaggedForReview) return false;
    this.states.set(userId, { ...current, flaggedForReview: true, flaggedAt: new Date(at) });
    this.outbox.append(options?.events);
    return true;
  }

  async resolve(userId: string, resolution: ModerationResolution, options?: WriteOptions): Promise<UserModerationRecord> {
    const current = this.states.get(userId) ?? { userId, flaggedForReview: false, warnings: 0 };
    const next = resolvedState(current, resolution);
    this.states.set(userId, next);
    this.outbox.append(options?.events);
    return plainCopy(next);
  }

  async block(blockerUserId: string, blockedUserId: string): Promise<void> {
    this.blocks.add(`${blockerUserId}\u0000${blockedUserId}`);
  }

  async blockedPeers(userId: string): Promise<string[]> {
    const peers = new Set<string>();
    for (const pair of this.blocks) {
      const [a, b] = pair.split("\u0000") as [string, string];
      if (a === userId) peers.add(b);
      if (b === userId) peers.add(a);
    }
    return [...peers];
  }

  /** Deletes the reports `userId` made and their blocks in both directions (user erasure). */
  eraseUser(userId: string): { reportsDeleted: number; blocksDeleted: number } {
    let reportsDeleted = 0;
    for (let i = this.reports.length - 1; i >= 0; i--) {
      if (this.reports[i]?.reporterUserId !== userId) continue;
      this.reports.splice(i, 1);
      reportsDeleted++;
    }
    let blocksDeleted = 0;
    for (const pair of this.blocks) {
      const [a, b] = pair.split("\u0000") as [string, string];
      if ((a === userId || b === userId) && this.blocks.delete(pair)) blocksDeleted++;
    }
    return { reportsDeleted, blocksDeleted };
  }
}

class MemoryAudit implements AuditRepository {
  private readonly entries: AuditRecord[] = [];
  async append(entry: AuditRecord): Promise<void> {
    this.entries.push(plainCopy(entry));
  }
  async list(limit: number, offset: number): Promise<{ items: AuditRecord[]; total: number }> {
    const sorted = [...this.entries].reverse();
    return { items: sorted.slice(offset, offset + limit).map((e) => plainCopy(e)), total: sorted.length };
  }
}

/** Handled events per consumer (DESIGN §8 idempotent consumers), keyed `consumer` + `eventId`. */
class MemoryProcessedEvents implements ProcessedEventRepository {
  private readonly at = new Map<string, Date>();

  async isProcessed(eventId: string, consumer: string): Promise<boolean> {
    return this.at.has(key(consumer, eventId));
  }

  async markProcessed(eventId: string, consumer: string, at: Date): Promise<boolean> {
    // Checked and set with no await in between: of two concurrent calls one gets true.
    const k = key(consumer, eventId);
    if (this.at.has(k)) return false;
    this.at.set(k, new Date(at));
    return true;
  }

  async pruneBefore(before: Date): Promise<number> {
    let n = 0;
    for (const [k, at] of this.at) if (at < before && this.at.delete(k)) n++;
    return n;
  }

  async count(): Promise<number> {
    return this.at.size;
  }
}

/** The topic catalog in memory, keyed (`targetLanguageCode`, `code`); topics kept as deep copies. */
class MemoryTopics implements TopicRepository {
  private readonly byKey = new Map<string, Topic>();

  async list(): Promise<Topic[]> {
    return [...this.byKey.values()].map((t) => plainCopy(t));
  }

  async get(targetLanguageCode: string, code: string): Promise<Topic | undefined> {
    const found = this.byKey.get(key(targetLanguageCode, code));
    return found && plainCopy(found);
  }

  async create(topic: Topic): Promise<void> {
    const k = key(topic.targetLanguageCode, topic.code);
    if (this.byKey.has(k)) throw new ParleyError("INVALID_REQUEST", `topic "${topic.code}" in "${topic.targetLanguageCode}" exists already`);
    this.byKey.set(k, plainCopy(topic));
  }

  async put(topic: Topic): Promise<"created" | "replaced"> {
    const k = key(topic.targetLanguageCode, topic.code);
    const existed = this.byKey.has(k);
    this.byKey.set(k, plainCopy(topic));
    return existed ? "replaced" : "created";
  }

  async remove(targetLanguageCode: string, code: string): Promise<boolean> {
    return this.byKey.delete(key(targetLanguageCode, code));
  }

  async seedIfEmpty(topics: readonly Topic[]): Promise<number> {
    if (this.byKey.size > 0) return 0;
    for (const topic of topics) this.byKey.set(key(topic.targetLanguageCode, topic.code), plainCopy(topic));
    return this.byKey.size;
  }
}

/** Acquired skills per user (`skill.acquired`), first acquisition kept. */
class MemoryLearnerSkills implements LearnerSkillRepository {
  private readonly byUser = new Map<string, Map<string, Date>>();

  async add(userId: string, skillCode: string, acquiredAt: Date = new Date()): Promise<boolean> {
    let skills = this.byUser.get(userId);
    if (!skills) this.byUser.set(userId, (skills = new Map()));
    if (skills.has(skillCode)) return false;
    skills.set(skillCode, new Date(acquiredAt));
    return true;
  }

  async list(userId: string): Promise<string[]> {
    return [...(this.byUser.get(userId)?.keys() ?? [])].sort();
  }

  /** Deletes the user's skills (user erasure). @returns how many */
  deleteByUser(userId: string): number {
    const n = this.byUser.get(userId)?.size ?? 0;
    this.byUser.delete(userId);
    return n;
  }
}

/** An unambiguous map key of a pair of strings. */
function key(a: string, b: string): string {
  return JSON.stringify([a, b]);
}

/**
 * The embedded default store (DESIGN §1): everything in this process's memory, lost at exit.
 * Single process only — with several processes use the Mongo store.
 */
export function createMemoryStore(): Store {
  const outbox = new MemoryOutbox();
  const matchRequests = new MemoryMatchRequests(outbox);
  const sessions = new MemorySessions(outbox);
  const moderation = new MemoryModeration(outbox);
  const learnerSkills = new MemoryLearnerSkills();
  return {
    kind: "memory",
    writeBatch: (writes) => applyWritesInOrder({ matchRequests, sessions }, writes),
    matchRequests,
    sessions,
    moderation,
    outbox,
    audit: new MemoryAudit(),
    processedEvents: new MemoryProcessedEvents(),
    learnerSkills,
    topics: new MemoryTopics(),
    messages: new MemoryMessages(),
    channels: new MemoryChannels(),
    channelMembers: new MemoryChannelMembers(),
    notifications: new MemoryNotifications(),
    fileUploads: new MemoryFileUploadRepository(),
    async eraseUser(userId: string): Promise<UserErasure> {
      return {
        sessionsAnonymized: sessions.anonymizeParticipant(userId),
        matchRequestsDeleted: matchRequests.deleteByUser(userId),
        ...moderation.eraseUser(userId),
        skillsDeleted: learnerSkills.deleteByUser(userId),
      };
    },
    async ping() {},
    async close() {},
  };
}

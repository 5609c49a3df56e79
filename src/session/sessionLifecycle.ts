import { ParleyError } from "../errors/errorCodes.js";

/**
 * Status of a conversation session (DESIGN §6, seed 002 §6.2, seed 001 state diagram):
 * `waiting → active → completed`, `waiting → expired`, `active → aborted`.
 * `completed`, `expired` and `aborted` are final ("ended").
 */
export type SessionStatus = "waiting" | "active" | "completed" | "expired" | "aborted";

/** Why a session ended — the `reason` of `session_ended` (DESIGN §5). */
export type EndReason = "completed" | "partner_left" | "timeout" | "host_ended" | "error";

/** Subscription tier of a participant, from the token's `tier` claim (DESIGN §3). */
export type Tier = "free" | "premium";

/**
 * Time limits of a session, all in **seconds** (DESIGN §6, seed 002 §6.2, §11.1).
 */
export interface SessionLimits {
  /** `SESSION_JOIN_TIMEOUT_SECONDS`: waiting longer than this → `expired`. @default 60 */
  joinTimeoutSeconds: number;
  /** `SESSION_MAX_DURATION_FREE`: limit when any participant is free tier. @default 900 */
  maxDurationFreeSeconds: number;
  /** `SESSION_MAX_DURATION_PREMIUM`: limit when all participants are premium. @default 3600 */
  maxDurationPremiumSeconds: number;
  /** Leaving/dropping strictly less than this after the start → `aborted`. @default 60 */
  abortWindowSeconds: number;
  /** A completed session at least this long is `xpEligible`. @default 120 */
  xpMinSeconds: number;
}

/** The defaults of {@link SessionLimits} (seconds). */
export const DEFAULT_SESSION_LIMITS: Readonly<SessionLimits> = Object.freeze({
  joinTimeoutSeconds: 60,
  maxDurationFreeSeconds: 900,
  maxDurationPremiumSeconds: 3600,
  abortWindowSeconds: 60,
  xpMinSeconds: 120,
});

/** Default `maxParticipants` of a group session (seed 000 Session). */
export const DEFAULT_GROUP_MAX_PARTICIPANTS = 6;

/** Default `minParticipants` of a group session (seed 000 Session: "défaut: 2"). */
export const DEFAULT_GROUP_MIN_PARTICIPANTS = 2;

/**
 * The status a live session ends in (DESIGN §6), the one home of "left < 60 s after start →
 * aborted": `waiting` → `expired`; `active` → `aborted` when `reason` is `partner_left` and
 * fewer than `abortWindowSeconds` passed since the start, else `completed`. Used by
 * {@link SessionLifecycle} and, for sessions whose room is gone, by the cleanup job and REST.
 * @param elapsedMs milliseconds since the start (0 when it never started)
 */
export function endedStatusOf(from: "waiting" | "active", reason: EndReason, elapsedMs: number, limits: Readonly<SessionLimits> = DEFAULT_SESSION_LIMITS): "completed" | "aborted" | "expired" {
  if (from === "waiting") return "expired";
  return reason === "partner_left" && elapsedMs < limits.abortWindowSeconds * 1000 ? "aborted" : "completed";
}

/** DESIGN §6 `xpEligible`: completed and at least `xpMinSeconds` long (`durationSeconds` in seconds). */
export function isXpEligible(status: SessionStatus, durationSeconds: number, limits: Readonly<SessionLimits> = DEFAULT_SESSION_LIMITS): boolean {
  return status === "completed" && durationSeconds >= limits.xpMinSeconds;
}

/** The time limit in **seconds** (DESIGN §6): premium when every tier is premium, else free. */
export function timeLimitSecondsOf(tiers: readonly Tier[], limits: Pick<SessionLimits, "maxDurationFreeSeconds" | "maxDurationPremiumSeconds">): number {
  return tiers.length > 0 && tiers.every((t) => t === "premium") ? limits.maxDurationPremiumSeconds : limits.maxDurationFreeSeconds;
}

/**
 * The deadline of a live session (epoch ms, DESIGN §6): `waiting` → the join deadline (from
 * `scheduledStartAt` when later than `createdAt`); `active` → start + {@link timeLimitSecondsOf}.
 * All inputs are epoch ms. The lifecycle applies it; the cleanup job judges orphaned sessions by it.
 */
export function sessionDeadlineOf(
  session: { status: "waiting" | "active"; createdAt: number; scheduledStartAt?: number; startedAt?: number; tiers: readonly Tier[] },
  limits: Pick<SessionLimits, "joinTimeoutSeconds" | "maxDurationFreeSeconds" | "maxDurationPremiumSeconds">,
): number {
  if (session.status === "waiting") return Math.max(session.createdAt, session.scheduledStartAt ?? session.createdAt) + limits.joinTimeoutSeconds * 1000;
  return (session.startedAt ?? session.createdAt) + timeLimitSecondsOf(session.tiers, limits) * 1000;
}

/** Options of {@link SessionLifecycle}. All times are epoch **milliseconds**. */
export interface SessionLifecycleOptions {
  sessionId: string;
  /**
   * The matched (pair) or invited/known (group) participants. A pair has exactly 2.
   * Duplicates are ignored. Group newcomers are added later with {@link SessionLifecycle.admit}.
   */
  participantIds: readonly string[];
  /**
   * How many participants must have joined for `waiting → active`.
   * @default participantIds.length for a pair; 2 for a group (seed 000)
   */
  minParticipants?: number;
  /** Group only: most participants admitted at once (seed 000). @default 6 */
  maxParticipants?: number;
  /** Tier per userId; a participant missing here counts as `free` (the stricter limit). */
  tiers: Readonly<Record<string, Tier>>;
  /** When the session was created (epoch ms). */
  createdAt: number;
  /**
   * Scheduled sessions (DESIGN §4): the join timeout runs from this moment (epoch ms) instead
   * of `createdAt` when it is later.
   */
  scheduledStartAt?: number;
  /** A group session (seed 000, 2–6 participants) rather than a pair. @default false */
  isGroup?: boolean;
  /** Group only: the host, who alone may `end_session`. @default participantIds[0] */
  hostUserId?: string;
  /** Overrides of {@link DEFAULT_SESSION_LIMITS} (seconds). */
  limits?: Partial<SessionLimits>;
}

/**
 * One status change, returned by the methods of {@link SessionLifecycle} so the room can persist
 * it, put its event in the outbox (`conversation.started/completed/aborted/expired`), then tell
 * the clients (`session_ended`).
 */
export interface SessionTransition {
  sessionId: string;
  from: SessionStatus;
  to: SessionStatus;
  /** Set when the session ended (`to` is completed/expired/aborted). */
  reason?: EndReason;
  /** The user whose action caused it (join, leave, end); absent for timers and admin. */
  userId?: string;
  /**
   * When it happened (epoch ms). For timer transitions this is the deadline itself
   * (`endsAt`, or the join deadline), not the possibly later moment `checkTimers` ran.
   */
  at: number;
  /** Whole seconds between `startedAt` and `at` (floored; 0 when never started). */
  durationSeconds: number;
  /** `to === "completed"` and the duration ≥ `xpMinSeconds` (DESIGN §6). */
  xpEligible: boolean;
}

const ENDED: ReadonlySet<SessionStatus> = new Set<SessionStatus>(["completed", "expired", "aborted"]);

/**
 * The session state machine of DESIGN §6 (seed 002 §6.2, seed 001 "Cycle de Vie", seed 000 groups).
 * Pure: no clock, no I/O — every method takes `now` (epoch ms). Methods return a
 * {@link SessionTransition} when the status changes and `null` when it does not.
 *
 * Deadlines (join timeout, time limit) are applied **only** by {@link checkTimers}; other methods
 * never consult them, so the room should run `checkTimers` at {@link deadline}.
 *
 * Pair rules:
 * - `join`: `waiting → active` once every matched participant has joined.
 * - `leave` (leave_session, or a drop after the reconnection grace): while waiting → `expired`
 *   (`partner_left`) at once, since the pair can no longer meet; while active → `aborted`
 *   (`partner_left`) strictly less than `abortWindowSeconds` after the start, else `completed`
 *   (`partner_left`).
 * - `end` (end_session) by either participant → `completed` (`completed`).
 *
 * Group rules (seed 000):
 * - newcomers are admitted with {@link admit} (the caller checks public/private and invite
 *   codes), then `join`; `waiting → active` once `minParticipants` are present.
 * - `leave`: the others stay while ≥ 2 are present; when one participant is left in an active
 *   group it ends (`completed`/`completed`, or `aborted`/`partner_left` inside the abort window). A leaving host
 *   hands the host role to the participant present the longest (read {@link hostUserId}).
 *   A participant who left cannot `join` again unless re-admitted.
 * - `end` by the host only (else `FORBIDDEN`) → `completed` (`host_ended`).
 *
 * Time limit: fixed at activation from the tiers of the participants present then — 15 min if
 * any is free, 60 min if all are premium; later group joiners do not change `endsAt`.
 */
export class SessionLifecycle {
  /** The session id, as given. */
  readonly sessionId: string;
  /** True for a group session. */
  readonly isGroup: boolean;
  /** Limits in effect (seconds). */
  readonly limits: Readonly<SessionLimits>;
  /** Participants needed present for `waiting → active`. */
  readonly minParticipants: number;
  /** Group: maximum participants admitted; pair: 2. */
  readonly maxParticipants: number;
  /** Creation time (epoch ms). */
  readonly createdAt: number;

  private readonly participants: string[];
  private readonly tiers: Map<string, Tier>;
  private readonly present = new Map<string, number>(); // userId → joinedAt (ms), insertion = join order
  private readonly leftIds = new Set<string>();
  private readonly joinDeadline: number;
  private currentStatus: SessionStatus = "waiting";
  private host: string | undefined;
  private started: number | undefined;
  private ended: number | undefined;
  private limitEnd: number | undefined;
  private reason: EndReason | undefined;

  /**
   * @throws RangeError on inconsistent options (no participants, a pair without exactly 2,
   *   `minParticipants` out of range) — a programming error, not a client one.
   */
  constructor(options: SessionLifecycleOptions) {
    this.sessionId = options.sessionId;
    this.isGroup = options.isGroup ?? false;
    this.limits = Object.freeze({ ...DEFAULT_SESSION_LIMITS, ...options.limits });
    this.createdAt = options.createdAt;
    this.participants = [...new Set(options.participantIds)];
    this.tiers = new Map(Object.entries(options.tiers));
    if (!this.isGroup && this.participants.length !== 2) {
      throw new RangeError(`a pair session needs exactly 2 participants, got ${this.participants.length}`);
    }
    this.maxParticipants = this.isGroup ? (options.maxParticipants ?? DEFAULT_GROUP_MAX_PARTICIPANTS) : 2;
    if (this.participants.length === 0 || this.participants.length > this.maxParticipants) {
      throw new RangeError(`participant count must be 1..${this.maxParticipants}`);
    }
    this.minParticipants =
      options.minParticipants ??
      (this.isGroup ? DEFAULT_GROUP_MIN_PARTICIPANTS : this.participants.length);
    const minCeiling = this.isGroup ? this.maxParticipants : this.participants.length;
    if (!Number.isInteger(this.minParticipants) || this.minParticipants < 1 || this.minParticipants > minCeiling) {
      throw new RangeError(`minParticipants must be an integer in 1..${minCeiling}`);
    }
    this.host = this.isGroup ? (options.hostUserId ?? this.participants[0]) : undefined;
    if (this.host !== undefined && !this.participants.includes(this.host)) {
      this.participants.push(this.host);
    }
    this.joinDeadline = sessionDeadlineOf({ status: "waiting", createdAt: options.createdAt, scheduledStartAt: options.scheduledStartAt, tiers: [] }, this.limits);
  }

  /** Current status. */
  get status(): SessionStatus {
    return this.currentStatus;
  }

  /** True once completed, expired or aborted. */
  get isEnded(): boolean {
    return ENDED.has(this.currentStatus);
  }

  /** When the session became active (epoch ms); undefined before. */
  get startedAt(): number | undefined {
    return this.started;
  }

  /** When it ended (epoch ms); undefined while waiting/active. */
  get endedAt(): number | undefined {
    return this.ended;
  }

  /** The time-limit moment (epoch ms), set at activation; undefined before. */
  get endsAt(): number | undefined {
    return this.limitEnd;
  }

  /** The moment a still-waiting session expires (epoch ms). */
  get joinDeadlineAt(): number {
    return this.joinDeadline;
  }

  /** Why it ended; undefined while waiting/active. */
  get endReason(): EndReason | undefined {
    return this.reason;
  }

  /** Group: the current host (may change when the host leaves); pair: undefined. */
  get hostUserId(): string | undefined {
    return this.host;
  }

  /** Every participant allowed in (matched, invited or admitted), including those who left. */
  get participantIds(): readonly string[] {
    return this.participants;
  }

  /** Participants present now: joined and not left, in join order. */
  get joined(): ReadonlySet<string> {
    return new Set(this.present.keys());
  }

  /** `completed` with a duration ≥ `xpMinSeconds` (DESIGN §6 `xpEligible`). */
  get xpEligible(): boolean {
    return isXpEligible(this.currentStatus, Math.floor(this.elapsedMs(this.ended ?? 0) / 1000), this.limits);
  }

  /** True when `userId` is allowed in this session (matched, invited or admitted). */
  isParticipant(userId: string): boolean {
    return this.participants.includes(userId);
  }

  /**
   * Next moment (epoch ms, never before `now`) at which {@link checkTimers} can change something:
   * the join deadline while waiting, `endsAt` while active; undefined once ended.
   */
  deadline(now: number): number | undefined {
    const at = this.currentStatus === "waiting" ? this.joinDeadline : this.currentStatus === "active" ? this.limitEnd : undefined;
    return at === undefined ? undefined : Math.max(at, now);
  }

  /**
   * Whole seconds (floored) the conversation has lasted: 0 while waiting or if it never started,
   * `now − startedAt` while active, `endedAt − startedAt` once ended.
   */
  durationSeconds(now: number): number {
    return Math.floor(this.elapsedMs(this.isEnded ? (this.ended ?? now) : now) / 1000);
  }

  /**
   * Admits a newcomer into a **group** (public group join or invite code — the caller checks
   * which). Idempotent for someone already admitted; re-admits someone who left.
   * @param tier the newcomer's tier (counts toward the time limit only if admitted before activation).
   * @throws ParleyError `NOT_A_PARTICIPANT` for a pair (no one can be added to a pair),
   *   `SESSION_NOT_ACTIVE` once ended, `SESSION_FULL` when `maxParticipants` are already admitted.
   */
  admit(userId: string, tier: Tier): void {
    if (!this.isGroup) throw new ParleyError("NOT_A_PARTICIPANT", "this conversation is private to its two participants");
    this.assertNotEnded();
    this.leftIds.delete(userId);
    if (this.participants.includes(userId)) return;
    const active = this.participants.filter((id) => !this.leftIds.has(id));
    if (active.length >= this.maxParticipants) {
      throw new ParleyError("SESSION_FULL", `the session is full (${this.maxParticipants} participants)`);
    }
    this.participants.push(userId);
    this.tiers.set(userId, tier);
  }

  /**
   * A participant has joined the room. `waiting → active` when the required number is present.
   * Joining again (reconnection) is a no-op.
   * @returns the `waiting → active` transition, or null.
   * @throws ParleyError `NOT_A_PARTICIPANT` for a stranger or for a group participant who left
   *   (until re-admitted), `SESSION_NOT_ACTIVE` once ended.
   */
  join(userId: string, now: number): SessionTransition | null {
    this.assertParticipant(userId);
    this.assertNotEnded();
    if (this.leftIds.has(userId)) {
      throw new ParleyError("NOT_A_PARTICIPANT", "you left this session");
    }
    if (this.present.has(userId)) return null;
    this.present.set(userId, now);
    if (this.host !== undefined && this.leftIds.has(this.host)) this.host = userId;
    if (this.currentStatus !== "waiting" || this.present.size < this.minParticipants) return null;
    this.started = now;
    this.currentStatus = "active";
    const tiers = [...this.present.keys()].map((id) => this.tiers.get(id) ?? "free");
    this.limitEnd = sessionDeadlineOf({ status: "active", createdAt: this.createdAt, startedAt: now, tiers }, this.limits);
    return this.transition("waiting", userId, now);
  }

  /**
   * A participant leaves for good (`leave_session`, or a drop once the reconnection grace ended;
   * the room may pass the moment of the drop as `now`). See the class doc for the rules.
   * @returns the transition it causes, or null (group with others still present; already ended;
   *   a group in waiting).
   * @throws ParleyError `NOT_A_PARTICIPANT` for a stranger.
   */
  leave(userId: string, now: number): SessionTransition | null {
    this.assertParticipant(userId);
    if (this.isEnded) return null;
    const wasPresent = this.present.delete(userId);
    this.leftIds.add(userId);
    if (this.isGroup) {
      if (this.host === userId) this.host = this.present.keys().next().value ?? this.host;
      if (this.currentStatus === "waiting" || this.present.size > 1 || !wasPresent) return null;
      const to = endedStatusOf("active", "partner_left", this.elapsedMs(now), this.limits);
      return this.finish(to, to === "aborted" ? "partner_left" : "completed", userId, now);
    }
    if (this.currentStatus === "waiting") return this.finish("expired", "partner_left", userId, now);
    return this.finish(endedStatusOf("active", "partner_left", this.elapsedMs(now), this.limits), "partner_left", userId, now);
  }

  /**
   * `end_session` ("End conversation"): any participant of a pair → `completed` (`completed`);
   * in a group only the host → `completed` (`host_ended`).
   * @throws ParleyError `NOT_A_PARTICIPANT` for a stranger, `SESSION_NOT_ACTIVE` unless active
   *   (so ending twice throws), `FORBIDDEN` for a group participant who is not the host.
   */
  end(userId: string, now: number): SessionTransition {
    this.assertParticipant(userId);
    if (this.currentStatus !== "active") {
      throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${this.currentStatus}`);
    }
    if (this.isGroup && userId !== this.host) {
      throw new ParleyError("FORBIDDEN", "only the host can end a group session");
    }
    return this.finish("completed", this.isGroup ? "host_ended" : "completed", userId, now);
  }

  /**
   * Ends the session regardless of roles (admin `POST /api/admin/sessions/:id/end`, cleanup job):
   * active → `completed`, waiting → `expired`, with `reason`.
   * @param reason @default "completed" (use `"error"` when the room is gone after a crash).
   * @throws ParleyError `SESSION_NOT_ACTIVE` once ended.
   */
  adminEnd(now: number, reason: EndReason = "completed"): SessionTransition {
    this.assertNotEnded();
    return this.finish(this.currentStatus === "active" ? "completed" : "expired", reason, undefined, now);
  }

  /**
   * Applies the deadlines: waiting at/after the join deadline → `expired` (`timeout`); active
   * at/after `endsAt` → `completed` (`timeout`). The transition's `at` is the deadline itself.
   * @returns the transition, or null when no deadline has passed (or already ended).
   */
  checkTimers(now: number): SessionTransition | null {
    if (this.currentStatus === "waiting" && now >= this.joinDeadline) {
      return this.finish("expired", "timeout", undefined, this.joinDeadline);
    }
    if (this.currentStatus === "active" && this.limitEnd !== undefined && now >= this.limitEnd) {
      return this.finish("completed", "timeout", undefined, this.limitEnd);
    }
    return null;
  }

  private elapsedMs(until: number): number {
    return this.started === undefined ? 0 : Math.max(0, until - this.started);
  }

  private finish(to: SessionStatus, reason: EndReason, userId: string | undefined, at: number): SessionTransition {
    const from = this.currentStatus;
    this.currentStatus = to;
    this.reason = reason;
    this.ended = this.started === undefined ? at : Math.max(at, this.started);
    return this.transition(from, userId, this.ended);
  }

  private transition(from: SessionStatus, userId: string | undefined, at: number): SessionTransition {
    const t: SessionTransition = {
      sessionId: this.sessionId,
      from,
      to: this.currentStatus,
      at,
      durationSeconds: Math.floor(this.elapsedMs(at) / 1000),
      xpEligible: this.xpEligible,
    };
    if (this.reason !== undefined) t.reason = this.reason;
    if (userId !== undefined) t.userId = userId;
    return t;
  }

  private assertParticipant(userId: string): void {
    if (!this.participants.includes(userId)) {
      throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
    }
  }

  private assertNotEnded(): void {
    if (this.isEnded) throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${this.currentStatus}`);
  }
}

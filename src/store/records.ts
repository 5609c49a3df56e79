import type { CefrLevel } from "../topics/cefr.js";
import type { EventEnvelope } from "../events/envelope.js";
import type { MatchExplanation } from "../protocol/matchmakingMessages.js";
import type { EndReason as SessionEndReason, SessionStatus } from "../session/sessionLifecycle.js";

/** Status of a ticket (seed 002 §2.1 MatchRequest). */
export type MatchRequestStatus = "pending" | "matched" | "expired" | "cancelled";

/** {@link MatchExplanation} with the score it explains, kept on a matched ticket. */
export interface StoredMatchExplanation extends MatchExplanation {
  compatibilityScore: number;
}

/** A persisted ticket (seed 002 §2.1 MatchRequest, DESIGN §4). Times are `Date`s. */
export interface MatchRequestRecord {
  id: string;
  userId: string;
  queue: string;
  sessionType: "practice" | "tandem";
  targetLanguageCode: string;
  nativeLanguageCode: string;
  currentLevel: CefrLevel;
  preferredPartnerLevel: "same" | "higher" | "lower" | "any";
  preferredPartnerNativeLanguageCode?: string;
  topicCode: string;
  preferredAccent?: string;
  mode: "now" | "scheduled";
  scheduledFor?: Date;
  maxWaitTimeSeconds: number;
  recordingConsent: boolean;
  /** Who asked, as the session shows them: kept for scheduled tickets, which a restarted queue room reloads. */
  holder?: { displayName: string; avatarUrl?: string; tier: "free" | "premium" };
  status: MatchRequestStatus;
  matchedSessionId?: string;
  /** Once matched: why, as this ticket's user sees it (DESIGN §10 "Explainable match"). */
  matchExplanation?: StoredMatchExplanation;
  createdAt: Date;
  matchedAt?: Date;
  expiresAt: Date;
}

/** Lifecycle status and end reason of a session: the lifecycle's own types (DESIGN §5–§6). */
export type { SessionStatus, EndReason as SessionEndReason } from "../session/sessionLifecycle.js";

/** One participant of a session (seed 002 §2.1, seed 000 Participant). */
export interface ParticipantRecord {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  nativeLanguageCode: string;
  targetLanguageCode: string;
  level: CefrLevel;
  role: "learner" | "partner" | "host" | "participant";
  tier: "free" | "premium";
  recordingConsent: boolean;
  joinedAt?: Date;
  leftAt?: Date;
  /** Seconds of speech, from `speaking` edges. */
  spokenSeconds: number;
  turnCount: number;
  /** Speaking stats per active language, e.g. `{ en: { spokenSeconds, turnCount } }` (DESIGN §10, stored at the end). */
  byLanguage?: Record<string, LanguageSpeakingStats>;
  /** Share (0–1) of the session's talk time, stored at the end (DESIGN §5 `talkShare`). */
  talkShare?: number;
}

/** Seconds spoken and turns taken while one language was active (DESIGN §10 tandem switch). */
export interface LanguageSpeakingStats {
  spokenSeconds: number;
  turnCount: number;
}

/** What a session's end stores per participant (merged into its participant record). */
export interface ParticipantEndStats {
  spokenSeconds: number;
  turnCount: number;
  byLanguage?: Record<string, LanguageSpeakingStats>;
  talkShare?: number;
}

/** A rating of a session by one participant (DESIGN §6). */
export interface RatingRecord {
  userId: string;
  rating: number;
  feedback?: string;
  /** How the partner's level felt to the rater (DESIGN §10 "Level drift"). */
  partnerLevelFeedback?: "lower" | "right" | "higher";
  ratedAt: Date;
}

/** Who may find and join a group (seed 000 Session `type`). */
export type GroupVisibility = "public" | "private";

/** A conversation session, pair or group (seed 002 §2.1 ConversationSession, seed 000 Session). */
export interface SessionRecord {
  id: string;
  sessionType: "practice" | "tandem" | "group";
  targetLanguageCode: string;
  topicCode: string;
  targetLevel: CefrLevel;
  status: SessionStatus;
  participants: ParticipantRecord[];
  /** Prompts shown to everyone, oldest first; `languageCode` = the topic's language it was shown in. */
  prompts: { promptKey: string; category: "icebreaker" | "main_topic" | "follow_up"; displayedAt: Date; languageCode?: string }[];
  matchRequestIds: string[];
  compatibilityScore?: number;
  /** Group: the host (the creator, then whoever the room hands the role to). */
  hostUserId?: string;
  /**
   * Group only (seed 000 Session `type`): `public` groups are listed and open to anyone,
   * `private` ones are joined with their {@link SessionRecord.inviteCode}. Absent for pairs.
   */
  type?: GroupVisibility;
  /** Private group: its invite code (8 unambiguous characters, `src/groups/groupRules.ts`), unique. */
  inviteCode?: string;
  /** Group: participants needed for `waiting → active` (2–6, seed 000, DESIGN §6). */
  minParticipants?: number;
  /** Group: most participants present at once (2–6, seed 000); later joiners get `SESSION_FULL`. */
  maxParticipants?: number;
  createdAt: Date;
  updatedAt: Date;
  startedAt?: Date;
  endedAt?: Date;
  endReason?: SessionEndReason;
  durationSeconds: number;
  xpEligible?: boolean;
  recordingUrl?: string;
  /** When the retention job deleted the recording (`RECORDING_RETENTION_DAYS`); `recordingUrl` is then unset. */
  recordingDeletedAt?: Date;
  /** When the "starts in 5 minutes" reminder of a scheduled session went out (`sessionReminders.ts`). */
  reminderSentAt?: Date;
  /**
   * When the session is meant to start: a scheduled match's slot (DESIGN §4) or a group's
   * planned start (seed 000). The join timeout counts from it when later than the creation.
   */
  scheduledStartAt?: Date;
  transcriptId?: string;
  /** Where the transcript can be read (`transcript.ready` `url`). */
  transcriptUrl?: string;
  ratings: RatingRecord[];
}

/** A report of a participant (DESIGN §7 `POST /sessions/:id/report`). */
export interface ReportRecord {
  id: string;
  sessionId: string;
  reporterUserId: string;
  reportedUserId: string;
  reason: string;
  details?: string;
  block: boolean;
  createdAt: Date;
}

/** What a moderator decided about a reported user (DESIGN §7 reports; issue 7 §4). */
export type ModerationAction = "dismiss" | "warn" | "ban";

/** One moderator decision, as kept on the user's {@link UserModerationRecord}. */
export interface ModerationResolution {
  action: ModerationAction;
  moderatorUserId: string;
  at: Date;
  note?: string;
  /** `ban` only: the end of the ban. */
  bannedUntil?: Date;
}

/**
 * The moderation state of one user (DESIGN §7: "> 3 reports on a user → flagged for review").
 * Absent for a user nobody flagged or moderated.
 */
export interface UserModerationRecord {
  userId: string;
  /** Waiting for a moderator: more than 3 distinct reporters since the last resolution. */
  flaggedForReview: boolean;
  flaggedAt?: Date;
  /** Queues refuse the user (403 `BANNED`) until then. */
  bannedUntil?: Date;
  /** How many `warn` resolutions the user got. */
  warnings: number;
  /** The latest resolution; reports made before its `at` no longer count toward a flag. */
  lastResolution?: ModerationResolution;
}

/** An outbox row: an event waiting to be published, or published at `publishedAt`. */
export interface OutboxRecord {
  /** Monotonic position in the outbox, for ordered draining. */
  seq: number;
  event: EventEnvelope;
  createdAt: Date;
  publishedAt?: Date;
  attempts: number;
}

/**
 * The display name that replaces an erased user's in stored sessions (`user.deleted`,
 * DESIGN §8 "deletion → erase the user's data"; see `Store.eraseUser`).
 */
export const ERASED_DISPLAY_NAME = "Deleted user";

import type { CefrLevel } from "../topics/cefr.js";
import type { TopicCategory } from "../topics/topic.js";

/** Kind of session a ticket asks for (seed 002 §2.1 `sessionType`; DESIGN §4 "Queues"). */
export type SessionType = "practice" | "tandem";

/**
 * Which partner levels a learner accepts (seed 002 §2.1 `preferredPartnerLevel`; DESIGN §4):
 * - `same` (default): the widening stages as written (0, then ±1, then any);
 * - `higher`: only partners at or above my level, widened upward only;
 * - `lower`: only partners at or below my level, widened downward only;
 * - `any`: no level rule from the first stage.
 */
export type PreferredPartnerLevel = "same" | "higher" | "lower" | "any";

/**
 * A waiting match request as the matchmaking domain sees it (seed 002 §2.1 `MatchRequest`,
 * DESIGN §4 "Ticket"). The room/REST layer builds it from the join options and the token
 * (`level` and `nativeLanguageCode` come from the token's claims).
 *
 * All instants are **epoch milliseconds** (`createdAt`, `expiresAt`); waits and stage boundaries
 * elsewhere in this module are in **seconds**.
 */
export interface Ticket {
  /** Match request id (UUID); unique within a {@link TicketIndex}. */
  id: string;
  /** The requesting user (token `sub`). */
  userId: string;
  /** Queue name from {@link queueFor}: `"en"` (practice) or `"en+fr"` (tandem). */
  queue: string;
  sessionType: SessionType;
  /** Language the user practises (ISO 639-1, e.g. `"en"`). */
  targetLanguageCode: string;
  /** The user's native language (token claim). */
  nativeLanguageCode: string;
  /** The user's CEFR level in `targetLanguageCode`. */
  level: CefrLevel;
  /** Requested topic, e.g. `"travel.airport"`. */
  topicCode: string;
  /** Category of `topicCode` (from the topic catalog); used by the `same_category` stage. */
  topicCategory: TopicCategory;
  preferredPartnerLevel: PreferredPartnerLevel;
  /** Practice only: wanted native language of the partner (hard at `strict`, then score only). */
  preferredPartnerNativeLanguageCode?: string;
  /** Wanted accent of the partner, e.g. `"en-GB"` (hard at `strict`, then score only). */
  preferredAccent?: string;
  /** The user's own accent (token claim `accent`), e.g. `"en-US"`. */
  accent?: string;
  /** Premium tier (token claim `tier === "premium"`); gives the pair +50. */
  premium: boolean;
  /** When the request was made, epoch ms. Orders FIFO and drives the widening stages. */
  createdAt: number;
  /** When the request expires (createdAt + maxWaitTimeSeconds × 1000), epoch ms. */
  expiresAt: number;
}

/**
 * Seconds `ticket` has waited at `now` (epoch ms); never negative.
 * @example waitedSeconds({ createdAt: 0 }, 29_900) === 29.9
 */
export function waitedSeconds(ticket: Pick<Ticket, "createdAt">, now: number): number {
  return Math.max(0, now - ticket.createdAt) / 1000;
}

/**
 * FIFO order of tickets: earlier `createdAt` first, then smaller `id` (string order), so that
 * ties are broken deterministically. Negative when `a` comes first.
 */
export function compareTicketAge(a: Pick<Ticket, "createdAt" | "id">, b: Pick<Ticket, "createdAt" | "id">): number {
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * A copy of `ticket` with every field of {@link Ticket} present (absent optional ones as
 * `undefined`) in one fixed order, and nothing else. Code that reads many tickets in a loop
 * (the {@link Matcher} search) stays monomorphic whichever way callers built their objects.
 */
export function uniformShape(ticket: Ticket): Ticket {
  return {
    id: ticket.id,
    userId: ticket.userId,
    queue: ticket.queue,
    sessionType: ticket.sessionType,
    targetLanguageCode: ticket.targetLanguageCode,
    nativeLanguageCode: ticket.nativeLanguageCode,
    level: ticket.level,
    topicCode: ticket.topicCode,
    topicCategory: ticket.topicCategory,
    preferredPartnerLevel: ticket.preferredPartnerLevel,
    preferredPartnerNativeLanguageCode: ticket.preferredPartnerNativeLanguageCode,
    preferredAccent: ticket.preferredAccent,
    accent: ticket.accent,
    premium: ticket.premium,
    createdAt: ticket.createdAt,
    expiresAt: ticket.expiresAt,
  };
}

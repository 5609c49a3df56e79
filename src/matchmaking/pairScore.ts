import { cefrDistance } from "../topics/cefr.js";
import type { Ticket } from "./ticket.js";

/**
 * Points of each score component (DESIGN §4 "Score of a pair"; seed 002 §6.1 step 2).
 * The seed's "+10 already talked / +20 never talked" history rows are folded into the single
 * "no conversation together in the last 7 days" row, as the DESIGN table does.
 */
export const SCORE_POINTS = {
  /** CEFR level difference 0. */
  sameLevel: 50,
  /** CEFR level difference 1. */
  adjacentLevel: 30,
  /** Reciprocal tandem pair in a tandem queue. */
  tandem: 100,
  /** `preferredAccent` of one side equals `accent` of the other (counted once per pair). */
  accent: 20,
  /** Practice: `preferredPartnerNativeLanguageCode` of one side equals the other's native language (once per pair). */
  partnerNativeLanguage: 20,
  /** The two users had no conversation together in the last 7 days. */
  noRecentConversation: 30,
  /** At least one of the two tickets is premium (counted once per pair). */
  premium: 50,
} as const;

/** What {@link pairScore} needs beyond the two tickets. */
export interface PairScoreContext {
  /** True when the two users had a conversation together in the last 7 days. */
  hadRecentConversation: boolean;
}

/** Points per component for one pair; each is 0 or the value of {@link SCORE_POINTS}. */
export interface ScoreComponents {
  level: number;
  tandem: number;
  accent: number;
  partnerNativeLanguage: number;
  noRecentConversation: number;
  premium: number;
}

/** Result of {@link pairScore}. */
export interface PairScore {
  /** Sum of {@link ScoreComponents} (0 … 290). */
  score: number;
  /** Absolute CEFR distance between the two levels (0 … 5). */
  levelDifference: number;
  components: ScoreComponents;
}

/** True when `a` and `b` form a reciprocal tandem pair (each one's native is the other's target). */
export function isReciprocalTandem(a: Ticket, b: Ticket): boolean {
  return (
    a.sessionType === "tandem" &&
    b.sessionType === "tandem" &&
    a.nativeLanguageCode === b.targetLanguageCode &&
    b.nativeLanguageCode === a.targetLanguageCode
  );
}

/** True when a stated `preferredAccent` of either side equals the other side's `accent`. */
export function accentPreferenceMet(a: Ticket, b: Ticket): boolean {
  return (
    (a.preferredAccent !== undefined && a.preferredAccent === b.accent) ||
    (b.preferredAccent !== undefined && b.preferredAccent === a.accent)
  );
}

/**
 * True when, in a practice pair, a stated `preferredPartnerNativeLanguageCode` of either side
 * equals the other side's native language. Always false for tandem pairs (reciprocity already
 * fixes the partner's native language).
 */
export function partnerNativePreferenceMet(a: Ticket, b: Ticket): boolean {
  if (a.sessionType !== "practice" || b.sessionType !== "practice") return false;
  return (
    (a.preferredPartnerNativeLanguageCode !== undefined &&
      a.preferredPartnerNativeLanguageCode === b.nativeLanguageCode) ||
    (b.preferredPartnerNativeLanguageCode !== undefined &&
      b.preferredPartnerNativeLanguageCode === a.nativeLanguageCode)
  );
}

/**
 * Compatibility score of a pair (DESIGN §4 "Score of a pair"; seed 002 §6.1 step 2). Symmetric:
 * `pairScore(a, b, ctx)` equals `pairScore(b, a, ctx)`. It only scores; the hard rules and the
 * stage constraints are {@link compatible}'s job.
 *
 * | component | points |
 * |---|---|
 * | level difference 0 / 1 / ≥ 2 | 50 / 30 / 0 |
 * | reciprocal tandem pair | 100 |
 * | accent: `a.preferredAccent === b.accent` **or** vice versa | 20, once per pair (not 40 when both hold) |
 * | practice: partner native = `preferredPartnerNativeLanguageCode`, either direction | 20, once per pair |
 * | no conversation together in the last 7 days (`!ctx.hadRecentConversation`) | 30 |
 * | at least one premium ticket | 50, once per pair |
 *
 * "Once per pair" keeps each component a yes/no property of the pair, like the DESIGN table
 * ("or vice versa"), so a pair where only one side stated a preference is not out-ranked by
 * a pair where both did by more than the component's own weight.
 */
export function pairScore(a: Ticket, b: Ticket, ctx: PairScoreContext): PairScore {
  const levelDifference = Math.abs(cefrDistance(a.level, b.level));
  const components: ScoreComponents = {
    level:
      levelDifference === 0 ? SCORE_POINTS.sameLevel : levelDifference === 1 ? SCORE_POINTS.adjacentLevel : 0,
    tandem: isReciprocalTandem(a, b) ? SCORE_POINTS.tandem : 0,
    accent: accentPreferenceMet(a, b) ? SCORE_POINTS.accent : 0,
    partnerNativeLanguage: partnerNativePreferenceMet(a, b) ? SCORE_POINTS.partnerNativeLanguage : 0,
    noRecentConversation: ctx.hadRecentConversation ? 0 : SCORE_POINTS.noRecentConversation,
    premium: a.premium || b.premium ? SCORE_POINTS.premium : 0,
  };
  const score =
    components.level +
    components.tandem +
    components.accent +
    components.partnerNativeLanguage +
    components.noRecentConversation +
    components.premium;
  return { score, levelDifference, components };
}

import { ParleyError } from "../errors/errorCodes.js";
import { CEFR_LEVELS, cefrIndex, type CefrLevel } from "../topics/cefr.js";
import { isReciprocalTandem, pairScore, type ScoreComponents } from "./pairScore.js";
import { waitedSeconds, type Ticket } from "./ticket.js";

/**
 * The widening stages of a search, narrowest first (DESIGN §4 "Widening stages";
 * seed 002 §6.1 step 3).
 */
export const WIDENING_STAGES = ["strict", "level_1", "same_category", "any_level"] as const;

/** One widening stage. */
export type WideningStage = (typeof WIDENING_STAGES)[number];

/** Position of a stage in {@link WIDENING_STAGES}: strict → 0 … any_level → 3. */
export function stageRank(stage: WideningStage): number {
  return WIDENING_STAGES.indexOf(stage);
}

/**
 * Where the stages start, in **seconds waited** (DESIGN §4: "boundaries configurable").
 * Each value is the first second of the next stage: intervals are half-open, `[start, next)`.
 */
export interface WideningBoundaries {
  /** `level_1` starts here; `strict` is `[0, strictSeconds)`. @default 30 */
  strictSeconds: number;
  /** `same_category` starts here. @default 60 */
  levelSeconds: number;
  /** `any_level` starts here (and lasts until the ticket expires). @default 120 */
  categorySeconds: number;
}

/** The DESIGN §4 boundaries: 30 s / 60 s / 120 s. */
export const DEFAULT_WIDENING_BOUNDARIES: Readonly<WideningBoundaries> = Object.freeze({
  strictSeconds: 30,
  levelSeconds: 60,
  categorySeconds: 120,
});

/**
 * Checks that boundaries are finite, ≥ 0 and non-decreasing (a zero-length stage is allowed:
 * `strictSeconds: 0` skips the strict stage).
 * @throws ParleyError `INVALID_REQUEST` naming the offending field.
 */
export function validateBoundaries(boundaries: WideningBoundaries): WideningBoundaries {
  const { strictSeconds, levelSeconds, categorySeconds } = boundaries;
  for (const [name, value] of Object.entries(boundaries)) {
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new ParleyError("INVALID_REQUEST", `widening boundary ${name} must be a finite number ≥ 0 (got ${String(value)})`);
    }
  }
  if (levelSeconds < strictSeconds || categorySeconds < levelSeconds) {
    throw new ParleyError(
      "INVALID_REQUEST",
      `widening boundaries must satisfy strictSeconds ≤ levelSeconds ≤ categorySeconds (got ${strictSeconds}, ${levelSeconds}, ${categorySeconds})`,
    );
  }
  return boundaries;
}

/**
 * The stage reached after `waitedSeconds` (seconds, not ms). Half-open intervals, each boundary
 * belongs to the **wider** stage:
 *
 * | waited (default boundaries) | stage |
 * |---|---|
 * | `[0, 30)` — 29.9 s | `strict` |
 * | `[30, 60)` — 30 s, 59.9 s | `level_1` |
 * | `[60, 120)` — 60 s, 119.9 s | `same_category` |
 * | `[120, ∞)` — 120 s | `any_level` |
 *
 * (DESIGN §4 writes the last row "> 120 s"; 120 s itself is read as any_level so that every
 * boundary behaves the same way.)
 */
export function stageFor(
  waitedSeconds: number,
  boundaries: WideningBoundaries = DEFAULT_WIDENING_BOUNDARIES,
): WideningStage {
  return WIDENING_STAGES[stageRankFor(waitedSeconds, boundaries)] ?? "any_level";
}

/** {@link stageRank} of {@link stageFor}: 0 (strict) … 3 (any_level), without the string. */
export function stageRankFor(
  waitedSeconds: number,
  boundaries: WideningBoundaries = DEFAULT_WIDENING_BOUNDARIES,
): number {
  if (waitedSeconds < boundaries.strictSeconds) return 0;
  if (waitedSeconds < boundaries.levelSeconds) return 1;
  if (waitedSeconds < boundaries.categorySeconds) return 2;
  return 3;
}

/** First second (inclusive) of `stage` under `boundaries`; 0 for `strict`. */
export function stageStartSeconds(
  stage: WideningStage,
  boundaries: WideningBoundaries = DEFAULT_WIDENING_BOUNDARIES,
): number {
  switch (stage) {
    case "strict":
      return 0;
    case "level_1":
      return boundaries.strictSeconds;
    case "same_category":
      return boundaries.levelSeconds;
    case "any_level":
      return boundaries.categorySeconds;
  }
}

/**
 * The stage a pair is judged at: the stage of the **longer** wait of the two tickets at `now`
 * (epoch ms) (DESIGN §4 "by the longer wait of the two tickets").
 */
export function pairStage(
  a: Pick<Ticket, "createdAt">,
  b: Pick<Ticket, "createdAt">,
  now: number,
  boundaries: WideningBoundaries = DEFAULT_WIDENING_BOUNDARIES,
): WideningStage {
  return stageFor(Math.max(waitedSeconds(a, now), waitedSeconds(b, now)), boundaries);
}

/** Which topics a stage accepts relative to a ticket's own topic. */
export type TopicScope = "topic" | "category" | "any";

/** What one stage allows (the DESIGN §4 table as data). */
export interface StageRule {
  /** Largest level step away from my level in the allowed direction(s); `Infinity` = any level. */
  levelStep: number;
  /** `topic`: same `topicCode`; `category`: same `topicCategory`; `any`: any topic of the queue. */
  topicScope: TopicScope;
  /** Stated `preferredPartnerNativeLanguageCode` (practice) and `preferredAccent` are hard rules. */
  preferencesRequired: boolean;
  /** The pair's score must reach `minCompatibilityScore`. */
  minScoreApplies: boolean;
}

/**
 * The per-stage constraints (DESIGN §4 "Widening stages"). Decisions where the DESIGN is terse:
 * - `strict` has no score floor: the seed's "score ≥ 100" is replaced by constraints (DESIGN).
 * - The `MIN_COMPATIBILITY_SCORE` floor applies at `level_1` and `same_category`. It is lifted at
 *   `any_level`: that stage exists so a learner who waited 2 minutes is not refused a partner the
 *   hard rules allow (two free strangers two levels apart score only 30).
 * - `any_level` accepts any topic of the queue (the session takes the older ticket's topic).
 */
export const STAGE_RULES: Readonly<Record<WideningStage, Readonly<StageRule>>> = Object.freeze({
  strict: { levelStep: 0, topicScope: "topic", preferencesRequired: true, minScoreApplies: false },
  level_1: { levelStep: 1, topicScope: "topic", preferencesRequired: false, minScoreApplies: true },
  same_category: { levelStep: 1, topicScope: "category", preferencesRequired: false, minScoreApplies: true },
  any_level: { levelStep: Infinity, topicScope: "any", preferencesRequired: false, minScoreApplies: false },
});

/** Inclusive range of CEFR indices (A1 = 0 … C2 = 5). */
export interface LevelWindow {
  min: number;
  max: number;
}

const MAX_LEVEL_INDEX = CEFR_LEVELS.length - 1;

/** Default `MATCH_MAX_LEVEL_GAP`: no stage pairs levels more than this far apart (DESIGN §10). */
export const DEFAULT_MAX_LEVEL_GAP = 2;

/** Highest CEFR index of the beginner levels (A1, A2) that widen by one level at most (DESIGN §10). */
const BEGINNER_MAX_INDEX = 1;

/**
 * True when CEFR indices `a` and `b` are within the widening guardrails (DESIGN §10): at most
 * `maxLevelGap` apart, and at most one apart when either is A1 or A2. So with the default 2:
 * A1 meets A1–A2, A2 meets A1–B1, B1 meets A2–C1, C2 meets B2–C2; never A1 with B2 or C2.
 */
export function withinLevelGuardrails(a: number, b: number, maxLevelGap = DEFAULT_MAX_LEVEL_GAP): boolean {
  const gap = a > b ? a - b : b - a;
  if (gap > maxLevelGap) return false;
  return gap <= 1 || (a > BEGINNER_MAX_INDEX && b > BEGINNER_MAX_INDEX);
}

/**
 * The partner levels the guardrails allow around `own` (a CEFR index), as a window:
 * {@link withinLevelGuardrails} is true exactly for the indices inside it.
 */
export function guardrailWindow(own: number, maxLevelGap = DEFAULT_MAX_LEVEL_GAP): LevelWindow {
  const gap = Math.max(1, maxLevelGap);
  const max = own <= BEGINNER_MAX_INDEX ? own + 1 : own + gap;
  const min = Math.max(own - gap, Math.min(BEGINNER_MAX_INDEX + 1, own - 1));
  return { min: Math.max(0, min), max: Math.min(MAX_LEVEL_INDEX, max) };
}

/**
 * Partner levels `ticket` accepts at `stage`, as CEFR indices clamped to A1…C2
 * (DESIGN §4 `preferredPartnerLevel`), within the guardrails ({@link guardrailWindow}):
 *
 * | preferredPartnerLevel | strict | level_1, same_category | any_level |
 * |---|---|---|---|
 * | `same` | L | L−1 … L+1 | guardrails |
 * | `higher` | L | L … L+1 | L … guardrail max |
 * | `lower` | L | L−1 … L | guardrail min … L |
 * | `any` | guardrails | guardrails | guardrails |
 *
 * `higher`/`lower` keep their direction at `any_level` too: the stage removes the distance
 * limit, never the stated direction.
 */
export function levelWindow(
  ticket: Pick<Ticket, "level" | "preferredPartnerLevel">,
  stage: WideningStage,
  maxLevelGap = DEFAULT_MAX_LEVEL_GAP,
): LevelWindow {
  const own = cefrIndex(ticket.level);
  const guard = guardrailWindow(own, maxLevelGap);
  if (ticket.preferredPartnerLevel === "any") return guard;
  const step = STAGE_RULES[stage].levelStep;
  const below = ticket.preferredPartnerLevel === "higher" ? 0 : step;
  const above = ticket.preferredPartnerLevel === "lower" ? 0 : step;
  return { min: Math.max(guard.min, own - below), max: Math.min(guard.max, own + above) };
}

/** Why {@link evaluatePair} refuses a pair, in the order the checks run. */
export const INCOMPATIBILITY_REASONS = [
  "same_ticket",
  "same_user",
  "different_queue",
  "session_type",
  "not_reciprocal",
  "target_language",
  "level",
  "level_guardrail",
  "topic",
  "partner_native_language",
  "accent",
  "blocked",
  "score_below_minimum",
] as const;

/** One reason of {@link INCOMPATIBILITY_REASONS}. */
export type IncompatibilityReason = (typeof INCOMPATIBILITY_REASONS)[number];

/** Outside facts {@link compatible} consults; callbacks are only called after the cheap checks pass. */
export interface CompatibilityContext {
  /** `MATCH_MAX_LEVEL_GAP`: the widest level gap of any stage ({@link withinLevelGuardrails}). @default 2 */
  maxLevelGap?: number;
  /** Score floor for the stages that have one (see {@link STAGE_RULES}). @default 50 (`MIN_COMPATIBILITY_SCORE`) */
  minCompatibilityScore?: number;
  /**
   * True when `userA` blocked `userB` (DESIGN §7 reports). Called in both directions; either
   * one refuses the pair. @default () => false
   */
  isBlocked?: (userA: string, userB: string) => boolean;
  /**
   * True when the two users had a conversation together in the last 7 days. Called once per
   * pair, with the two user ids in ascending order. @default () => false
   */
  hadRecentConversation?: (userA: string, userB: string) => boolean;
}

/** Default `MIN_COMPATIBILITY_SCORE` (seed 002 §11.1; DESIGN §4). */
export const DEFAULT_MIN_COMPATIBILITY_SCORE = 50;

/** Outcome of {@link evaluatePair}. */
export type PairVerdict =
  | { compatible: true; score: number; levelDifference: number; components: ScoreComponents }
  | { compatible: false; reason: IncompatibilityReason };

/** One shared, frozen verdict per refusal reason: refusing a candidate allocates nothing. */
const REFUSED = Object.freeze(
  Object.fromEntries(INCOMPATIBILITY_REASONS.map((reason) => [reason, Object.freeze({ compatible: false, reason })])),
) as Readonly<Record<IncompatibilityReason, PairVerdict>>;

/*
 * Bound once: under tsx (how `npm start` and the benchmark run), each call to an imported
 * function goes through a CommonJS export getter, a measurable cost in the per-candidate path.
 */
const scorePair = pairScore;
const reciprocalTandem = isReciprocalTandem;

/** CEFR index by level, as a plain lookup (the hot path of every search). */
const LEVEL_INDEX: Readonly<Record<CefrLevel, number>> = Object.freeze({ A1: 0, A2: 1, B1: 2, B2: 3, C1: 4, C2: 5 });

/**
 * True when `ticket` accepts a partner at CEFR index `partnerLevel` with at most `step` levels
 * between them — the allocation-free form of {@link levelWindow} used per candidate.
 */
function acceptsLevel(ticket: Ticket, partnerLevel: number, step: number): boolean {
  const preference = ticket.preferredPartnerLevel;
  if (preference === "any") return true;
  const offset = partnerLevel - LEVEL_INDEX[ticket.level];
  if (offset > 0) return preference !== "lower" && offset <= step;
  if (offset < 0) return preference !== "higher" && -offset <= step;
  return true;
}

function topicAllowed(a: Ticket, b: Ticket, scope: TopicScope): boolean {
  switch (scope) {
    case "topic":
      return a.topicCode === b.topicCode;
    case "category":
      return a.topicCategory === b.topicCategory;
    case "any":
      return true;
  }
}

/** A stated preference holds when it is absent or equal to the partner's actual value. */
function statedPreferenceHolds(wanted: string | undefined, actual: string | undefined): boolean {
  return wanted === undefined || wanted === actual;
}

/**
 * Judges the pair (`a`, `b`) at `stage` and scores it (DESIGN §4 "Hard rules" and "Widening
 * stages"; seed 002 §6.1). Symmetric in `a`/`b`. The caller picks the stage — normally
 * {@link pairStage}, the stage of the longer wait.
 *
 * Hard rules (every stage): different ticket and different user; same queue and session type;
 * practice: same target language; tandem: reciprocal (`a.native === b.target` and
 * `b.native === a.target`); not blocked in either direction.
 * Stage rules ({@link STAGE_RULES}): both tickets' level windows ({@link levelWindow}) must
 * contain the other's level, and at every stage the levels stay within the guardrails
 * ({@link withinLevelGuardrails}, DESIGN §10); topic scope; at `strict`, each stated
 * `preferredPartnerNativeLanguageCode` (practice) and `preferredAccent` must hold for the other
 * side; score floor at `level_1`/`same_category`.
 */
export function evaluatePair(a: Ticket, b: Ticket, stage: WideningStage, ctx: CompatibilityContext = {}): PairVerdict {
  if (a.id === b.id) return REFUSED.same_ticket;
  if (a.userId === b.userId) return REFUSED.same_user;
  if (a.queue !== b.queue) return REFUSED.different_queue;
  if (a.sessionType !== b.sessionType) return REFUSED.session_type;
  if (a.sessionType === "tandem") {
    if (!reciprocalTandem(a, b)) return REFUSED.not_reciprocal;
  } else if (a.targetLanguageCode !== b.targetLanguageCode) {
    return REFUSED.target_language;
  }

  const rule = STAGE_RULES[stage];
  if (!acceptsLevel(a, LEVEL_INDEX[b.level], rule.levelStep) || !acceptsLevel(b, LEVEL_INDEX[a.level], rule.levelStep)) {
    return REFUSED.level;
  }
  if (!withinLevelGuardrails(LEVEL_INDEX[a.level], LEVEL_INDEX[b.level], ctx.maxLevelGap ?? DEFAULT_MAX_LEVEL_GAP)) {
    return REFUSED.level_guardrail;
  }
  if (!topicAllowed(a, b, rule.topicScope)) return REFUSED.topic;

  if (rule.preferencesRequired) {
    if (
      a.sessionType === "practice" &&
      (!statedPreferenceHolds(a.preferredPartnerNativeLanguageCode, b.nativeLanguageCode) ||
        !statedPreferenceHolds(b.preferredPartnerNativeLanguageCode, a.nativeLanguageCode))
    ) {
      return REFUSED.partner_native_language;
    }
    if (!statedPreferenceHolds(a.preferredAccent, b.accent) || !statedPreferenceHolds(b.preferredAccent, a.accent)) {
      return REFUSED.accent;
    }
  }

  const isBlocked = ctx.isBlocked;
  if (isBlocked !== undefined && (isBlocked(a.userId, b.userId) || isBlocked(b.userId, a.userId))) {
    return REFUSED.blocked;
  }

  const talked = ctx.hadRecentConversation;
  const hadRecentConversation =
    talked !== undefined && (a.userId < b.userId ? talked(a.userId, b.userId) : talked(b.userId, a.userId));
  const { score, levelDifference, components } = scorePair(a, b, { hadRecentConversation });
  if (rule.minScoreApplies && score < (ctx.minCompatibilityScore ?? DEFAULT_MIN_COMPATIBILITY_SCORE)) {
    return REFUSED.score_below_minimum;
  }
  return { compatible: true, score, levelDifference, components };
}

/**
 * True when `a` and `b` may be paired at `stage` — {@link evaluatePair} without the score.
 * Symmetric. Never throws.
 */
export function compatible(a: Ticket, b: Ticket, stage: WideningStage, ctx: CompatibilityContext = {}): boolean {
  return evaluatePair(a, b, stage, ctx).compatible;
}

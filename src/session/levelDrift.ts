import { CEFR_LEVELS, cefrIndex, type CefrLevel } from "../topics/cefr.js";

/**
 * Level drift (DESIGN §10 "Level drift"): ratings may say how a partner's level felt
 * (`partnerLevelFeedback`: `lower` | `right` | `higher`). After at least
 * {@link LEVEL_DRIFT_MIN_SESSIONS} rated sessions in a language, when at least
 * {@link LEVEL_DRIFT_SHARE} of them felt the learner above (below) their level, parley suggests
 * the next level up (down). Parley only suggests: the user service owns levels. Pure.
 */

/** Rated sessions needed in a language before a suggestion. */
export const LEVEL_DRIFT_MIN_SESSIONS = 5;
/** Share of one direction needed (inclusive). */
export const LEVEL_DRIFT_SHARE = 0.7;

/** How a partner's level felt to the rater. */
export type PartnerLevelFeedback = "lower" | "right" | "higher";

/** Feedback a learner received in one session, about their level in one language. */
export interface LevelFeedback {
  languageCode: string;
  feedback: PartnerLevelFeedback;
}

/** A suggestion of `GET /api/conversations/level-suggestions` (DESIGN §10). */
export interface LevelSuggestion {
  languageCode: string;
  currentLevel: CefrLevel;
  suggestedLevel: CefrLevel;
  evidence: { sessions: number; higher: number; right: number; lower: number };
}

/**
 * The suggestions for a learner from the feedback they received (one entry per rated session)
 * and their current levels (token `levels`). A language without a current level, with fewer
 * than {@link LEVEL_DRIFT_MIN_SESSIONS} sessions, without a {@link LEVEL_DRIFT_SHARE} majority,
 * or already at A1 (down) / C2 (up) gets none. Sorted by language code.
 */
export function levelSuggestions(received: readonly LevelFeedback[], levels: Readonly<Record<string, CefrLevel>>): LevelSuggestion[] {
  const byLanguage = new Map<string, { higher: number; right: number; lower: number }>();
  for (const { languageCode, feedback } of received) {
    const counts = byLanguage.get(languageCode) ?? { higher: 0, right: 0, lower: 0 };
    counts[feedback] += 1;
    byLanguage.set(languageCode, counts);
  }
  const suggestions: LevelSuggestion[] = [];
  for (const [languageCode, counts] of [...byLanguage].sort(([a], [b]) => a.localeCompare(b))) {
    const currentLevel = levels[languageCode];
    const sessions = counts.higher + counts.right + counts.lower;
    if (!currentLevel || sessions < LEVEL_DRIFT_MIN_SESSIONS) continue;
    const step = counts.higher / sessions >= LEVEL_DRIFT_SHARE ? 1 : counts.lower / sessions >= LEVEL_DRIFT_SHARE ? -1 : 0;
    const suggestedLevel = CEFR_LEVELS[cefrIndex(currentLevel) + step];
    if (step === 0 || !suggestedLevel) continue;
    suggestions.push({ languageCode, currentLevel, suggestedLevel, evidence: { sessions, ...counts } });
  }
  return suggestions;
}

/** The parts of a session {@link feedbackReceived} reads. */
export interface RatedSession {
  id: string;
  sessionType: string;
  participants: readonly { userId: string; targetLanguageCode: string }[];
  ratings: readonly { userId: string; partnerLevelFeedback?: PartnerLevelFeedback }[];
}

/**
 * The level feedback `userId` received: in each pair session (not a group) they took part in,
 * the partner's `partnerLevelFeedback`, about `userId`'s own target language in that session.
 * One entry per rated session.
 */
export function feedbackReceived(sessions: readonly RatedSession[], userId: string): LevelFeedback[] {
  const received: LevelFeedback[] = [];
  for (const session of sessions) {
    if (session.sessionType === "group" || session.participants.length !== 2) continue;
    const me = session.participants.find((p) => p.userId === userId);
    const fromPartner = session.ratings.find((r) => r.userId !== userId && r.partnerLevelFeedback !== undefined);
    if (me && fromPartner?.partnerLevelFeedback) received.push({ languageCode: me.targetLanguageCode, feedback: fromPartner.partnerLevelFeedback });
  }
  return received;
}

/**
 * The suggestion of `after` for `languageCode` when it differs from the one of `before` (a new
 * suggestion, or another suggested level): what a `level.suggested` event announces, once per
 * change (DESIGN §10). Undefined when nothing new is suggested.
 */
export function changedSuggestion(before: readonly LevelSuggestion[], after: readonly LevelSuggestion[], languageCode: string): LevelSuggestion | undefined {
  const now = after.find((s) => s.languageCode === languageCode);
  const was = before.find((s) => s.languageCode === languageCode);
  return now && now.suggestedLevel !== was?.suggestedLevel ? now : undefined;
}

import type { MatchExplanation, ScoreBreakdown } from "../protocol/matchmakingMessages.js";
import { cefrDistance } from "../topics/cefr.js";
import type { MatchResult } from "./matcher.js";
import type { ScoreComponents } from "./pairScore.js";
import type { Ticket } from "./ticket.js";

/**
 * The score components of a pair under their protocol names (DESIGN §10 "Explainable match");
 * the values are the same points, so they sum to the pair's `compatibilityScore`.
 */
export function scoreBreakdown(components: ScoreComponents): ScoreBreakdown {
  return {
    level: components.level,
    tandem: components.tandem,
    accent: components.accent,
    nativeLanguage: components.partnerNativeLanguage,
    notRecent: components.noRecentConversation,
    premium: components.premium,
  };
}

/**
 * Why `match` was made, as the holder of `mine` sees it (DESIGN §10): the stage, the signed
 * level difference (the partner's CEFR index − mine) and the score breakdown.
 * @param mine one of the two tickets of `match`; the other is the partner
 */
export function explainMatch(match: MatchResult, mine: Ticket): MatchExplanation {
  const partner = match.tickets[0].id === mine.id ? match.tickets[1] : match.tickets[0];
  return {
    stage: match.stage,
    levelDifference: cefrDistance(mine.level, partner.level),
    scoreBreakdown: scoreBreakdown(match.components),
  };
}

import type { MatchExplanation } from "../../src/protocol/index.js";

const LEVEL_WORDS = ["same level", "one level", "two levels", "three levels", "four levels", "five levels"];

/** How the partner's level compares, in words: "same level", "one level above you", … */
function levelReason(levelDifference: number): string {
  const gap = LEVEL_WORDS[Math.abs(levelDifference)] ?? `${Math.abs(levelDifference)} levels`;
  if (levelDifference === 0) return gap;
  return `${gap} ${levelDifference > 0 ? "above" : "below"} you`;
}

/** What the stage says about the topic (DESIGN §4: the topic is kept until `same_category`). */
const TOPIC_REASONS: Record<MatchExplanation["stage"], string> = {
  strict: "same topic",
  level_1: "same topic",
  same_category: "a topic of the same kind",
  any_level: "any topic, to avoid a long wait",
};

/**
 * Why the server matched this pair, as short phrases for the learner (DESIGN §10 "Explainable
 * match"), from the `stage`, `levelDifference` and `scoreBreakdown` of `match_found`; e.g.
 * `["same level", "same topic", "tandem partner"]`. Components worth 0 points say nothing.
 */
export function matchReasons(found: MatchExplanation): string[] {
  const { scoreBreakdown: points } = found;
  const reasons = [levelReason(found.levelDifference), TOPIC_REASONS[found.stage]];
  if (points.tandem > 0) reasons.push("tandem partner");
  if (points.accent > 0) reasons.push("the accent asked for");
  if (points.nativeLanguage > 0) reasons.push("the native language asked for");
  if (points.notRecent > 0) reasons.push("someone new this week");
  if (points.premium > 0) reasons.push("premium priority");
  return reasons;
}

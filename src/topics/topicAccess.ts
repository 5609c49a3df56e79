import { ParleyError } from "../errors/errorCodes.js";
import type { CefrLevel } from "./cefr.js";
import type { Topic } from "./topic.js";

/** Levels a free-tier learner may practise (seed 002 §6.5 "Topics niveau A1-A2 uniquement"; DESIGN §6). */
export const FREE_TIER_TOPIC_LEVELS: readonly CefrLevel[] = ["A1", "A2"];

/** What topic access depends on: the token's `tier` and acquired `skills` (DESIGN §3). */
export interface TopicLearner {
  tier: "free" | "premium";
  /** Acquired skill codes, e.g. `["restaurant_vocab.en"]` (token `skills`, `skill.acquired` events). */
  skills: readonly string[];
}

/**
 * Why a topic is locked: `LEVEL` = above the free tier's A1–A2, `SKILLS` = a `requiredSkills`
 * entry is not acquired. When both hold, `LEVEL` is reported (acquiring skills would not help).
 */
export type TopicLockReason = "LEVEL" | "SKILLS";

/** Result of {@link topicAccess}; `reason` is set exactly when `unlocked` is false. */
export interface TopicAccess {
  unlocked: boolean;
  reason?: TopicLockReason;
}

function missingSkills(topic: Topic, learner: TopicLearner): string[] {
  return (topic.requiredSkills ?? []).filter((skill) => !learner.skills.includes(skill));
}

/**
 * Whether `learner` may practise `topic` (seed 002 §6.5 quotas, §3.2 `isUnlocked`; DESIGN §6):
 * premium → every topic; free → only A1–A2 topics whose `requiredSkills` are all acquired.
 * Does not look at `isActive`; inactive topics are filtered by the catalog.
 */
export function topicAccess(topic: Topic, learner: TopicLearner): TopicAccess {
  if (learner.tier === "premium") return { unlocked: true };
  if (!FREE_TIER_TOPIC_LEVELS.includes(topic.level)) return { unlocked: false, reason: "LEVEL" };
  if (missingSkills(topic, learner).length > 0) return { unlocked: false, reason: "SKILLS" };
  return { unlocked: true };
}

/**
 * Throws unless {@link topicAccess} unlocks `topic` for `learner`; used before a match request or
 * a join (DESIGN §4 hard rules, §6 quotas).
 *
 * @throws ParleyError `TOPIC_LOCKED` (403) naming the topic and either its level (premium needed)
 *   or the missing skill codes.
 */
export function assertTopicAccessible(topic: Topic, learner: TopicLearner): void {
  const access = topicAccess(topic, learner);
  if (access.unlocked) return;
  const which = `topic ${topic.code} (${topic.targetLanguageCode}, ${topic.level})`;
  if (access.reason === "LEVEL") {
    throw new ParleyError(
      "TOPIC_LOCKED",
      `${which} is locked: the free tier covers ${FREE_TIER_TOPIC_LEVELS.join("–")} topics only; premium unlocks every level`,
    );
  }
  throw new ParleyError(
    "TOPIC_LOCKED",
    `${which} is locked: required skills not acquired yet: ${missingSkills(topic, learner).join(", ")}`,
  );
}

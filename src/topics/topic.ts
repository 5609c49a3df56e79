import type { CefrLevel } from "./cefr.js";

/** Topic categories (seed 002 §2.1, seed 000 Topic). */
export const TOPIC_CATEGORIES = ["daily_life", "travel", "work", "hobbies", "culture"] as const;
/** One topic category. */
export type TopicCategory = (typeof TOPIC_CATEGORIES)[number];

/** Prompt kinds as stored in a topic (seed 002 §2.1); `main` is sent as `main_topic`. */
export type PromptType = "icebreaker" | "main" | "follow_up";

/** One discussion prompt of a topic; `text` is in the topic's target language. */
export interface TopicPrompt {
  /** i18n key, unique within the topic, e.g. `restaurant.ordering.icebreaker.1`. */
  promptKey: string;
  type: PromptType;
  /** Display order within its type, starting at 1. */
  order: number;
  /** The prompt itself, level-appropriate, in the topic's language. */
  text: string;
}

/**
 * A conversation topic (seed 002 §2.1 ConversationTopic). Identified by
 * (`targetLanguageCode`, `code`): the same `code` exists in several languages.
 */
export interface Topic {
  code: string;
  targetLanguageCode: string;
  nameKey: string;
  descriptionKey: string;
  /** Display name in the target language. */
  name: string;
  /** One-sentence description in the target language. */
  description: string;
  level: CefrLevel;
  category: TopicCategory;
  prompts: TopicPrompt[];
  /** Skill codes the learner must have acquired (free tier), e.g. `restaurant_vocab.en`. */
  requiredSkills?: string[];
  estimatedDurationMinutes: number;
  imageUrl?: string;
  isActive: boolean;
  popularityScore: number;
}

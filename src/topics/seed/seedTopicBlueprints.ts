import type { CefrLevel } from "../cefr.js";
import type { TopicCategory } from "../topic.js";

/**
 * The language-independent part of a seed topic: the same `code` has the same level, category,
 * duration and skill requirements in every language (seed 002 §2.1 ConversationTopic).
 */
export interface SeedTopicBlueprint {
  /** Topic code, `<area>.<subject>` in snake_case, e.g. `restaurant.ordering`. */
  code: string;
  level: CefrLevel;
  category: TopicCategory;
  /** Expected length of a conversation on this topic, in minutes (10–20 for the seed). */
  estimatedDurationMinutes: number;
  /**
   * Skill stems a free-tier learner must have acquired (seed 002 §5.2 `skill.acquired`, §6.5);
   * each becomes `<stem>.<targetLanguageCode>`, e.g. `restaurant_vocab` → `restaurant_vocab.en`.
   */
  requiredSkillStems?: readonly string[];
}

/**
 * Every seed topic, in ascending CEFR order: A1 ×3, A2 ×3, B1 ×3, B2 ×2, C1 ×2, C2 ×2, covering
 * the five categories of seed 002 §2.1. Each language file (`en.ts`, `fr.ts`, …) must provide
 * the texts of every code listed here.
 */
export const SEED_TOPIC_BLUEPRINTS = [
  { code: "daily_life.introductions", level: "A1", category: "daily_life", estimatedDurationMinutes: 10 },
  {
    code: "restaurant.ordering",
    level: "A1",
    category: "daily_life",
    estimatedDurationMinutes: 10,
    requiredSkillStems: ["restaurant_vocab"],
  },
  { code: "hobbies.free_time", level: "A1", category: "hobbies", estimatedDurationMinutes: 10 },
  {
    code: "travel.airport",
    level: "A2",
    category: "travel",
    estimatedDurationMinutes: 15,
    requiredSkillStems: ["travel_vocab"],
  },
  { code: "daily_life.shopping", level: "A2", category: "daily_life", estimatedDurationMinutes: 15 },
  { code: "hobbies.music", level: "A2", category: "hobbies", estimatedDurationMinutes: 15 },
  {
    code: "work.job_interview",
    level: "B1",
    category: "work",
    estimatedDurationMinutes: 20,
    requiredSkillStems: ["job_interview_vocab"],
  },
  { code: "culture.traditions", level: "B1", category: "culture", estimatedDurationMinutes: 15 },
  { code: "travel.holidays", level: "B1", category: "travel", estimatedDurationMinutes: 15 },
  { code: "work.remote_work", level: "B2", category: "work", estimatedDurationMinutes: 20 },
  { code: "culture.cinema", level: "B2", category: "culture", estimatedDurationMinutes: 15 },
  { code: "work.leadership", level: "C1", category: "work", estimatedDurationMinutes: 20 },
  { code: "culture.media", level: "C1", category: "culture", estimatedDurationMinutes: 20 },
  { code: "culture.language_identity", level: "C2", category: "culture", estimatedDurationMinutes: 20 },
  { code: "hobbies.art", level: "C2", category: "hobbies", estimatedDurationMinutes: 20 },
] as const satisfies readonly SeedTopicBlueprint[];

/** A code of {@link SEED_TOPIC_BLUEPRINTS}, e.g. `"travel.airport"`. */
export type SeedTopicCode = (typeof SEED_TOPIC_BLUEPRINTS)[number]["code"];

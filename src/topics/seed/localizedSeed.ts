import type { Topic, TopicPrompt, PromptType } from "../topic.js";
import { SEED_TOPIC_BLUEPRINTS, type SeedTopicCode, type SeedTopicBlueprint } from "./seedTopicBlueprints.js";

/**
 * The texts of one seed topic in one language, all written in that language. The tuple types
 * enforce the prompt mix every topic needs (seed 002 §6.3): at least one icebreaker, three main
 * prompts and two follow-ups.
 */
export interface LocalizedTopicText {
  /** Display name, e.g. `"Commander au restaurant"`. */
  name: string;
  /** One sentence saying what the conversation is about. */
  description: string;
  /** Usage-based popularity in this language, 0–100 (seed 002 §2.1 `popularityScore`). */
  popularityScore: number;
  icebreakers: readonly [string, ...string[]];
  main: readonly [string, string, string, ...string[]];
  followUps: readonly [string, string, ...string[]];
}

/** The texts of every seed topic in one language, keyed by topic code. */
export type LocalizedSeed = Record<SeedTopicCode, LocalizedTopicText>;

function promptsOf(code: string, type: PromptType, texts: readonly string[]): TopicPrompt[] {
  return texts.map((text, i) => ({ promptKey: `${code}.${type}.${i + 1}`, type, order: i + 1, text }));
}

function seedTopic(blueprint: SeedTopicBlueprint, targetLanguageCode: string, text: LocalizedTopicText): Topic {
  const { code } = blueprint;
  const topic: Topic = {
    code,
    targetLanguageCode,
    nameKey: `topics.${code}.name`,
    descriptionKey: `topics.${code}.description`,
    name: text.name,
    description: text.description,
    level: blueprint.level,
    category: blueprint.category,
    prompts: [
      ...promptsOf(code, "icebreaker", text.icebreakers),
      ...promptsOf(code, "main", text.main),
      ...promptsOf(code, "follow_up", text.followUps),
    ],
    estimatedDurationMinutes: blueprint.estimatedDurationMinutes,
    isActive: true,
    popularityScore: text.popularityScore,
  };
  if (blueprint.requiredSkillStems !== undefined) {
    topic.requiredSkills = blueprint.requiredSkillStems.map((stem) => `${stem}.${targetLanguageCode}`);
  }
  return topic;
}

/**
 * Builds the seed topics of one language from {@link SEED_TOPIC_BLUEPRINTS} and that language's
 * texts: keys `topics.<code>.name` / `topics.<code>.description`, prompt keys
 * `<code>.<type>.<n>` with `order` = n, `requiredSkills` = `<stem>.<targetLanguageCode>`,
 * `isActive: true`. Returns the topics in blueprint order (ascending level).
 *
 * @param targetLanguageCode ISO 639-1 code of the language the texts are written in, e.g. `"fr"`.
 */
export function buildSeedTopics(targetLanguageCode: string, texts: LocalizedSeed): Topic[] {
  return SEED_TOPIC_BLUEPRINTS.map((blueprint) => seedTopic(blueprint, targetLanguageCode, texts[blueprint.code]));
}

import type { Topic } from "../topic.js";
import { DE_TOPICS } from "./de.js";
import { EN_TOPICS } from "./en.js";
import { ES_TOPICS } from "./es.js";
import { FR_TOPICS } from "./fr.js";

export { DE_TOPICS, EN_TOPICS, ES_TOPICS, FR_TOPICS };
export { SEED_TOPIC_BLUEPRINTS, type SeedTopicBlueprint, type SeedTopicCode } from "./seedTopicBlueprints.js";

/** Target languages that have seed topics (ISO 639-1), in the order of {@link SEED_TOPICS}. */
export const SEED_LANGUAGES = ["en", "fr", "es", "de"] as const;

/**
 * Every seed topic of every language (DESIGN §2 `topics/`: A1–C2, en/fr/es/de): the default
 * content of `TopicCatalog` (`../topicCatalog.ts`). Each language holds the same codes with the same level and
 * category; texts are written in the topic's own language.
 */
export const SEED_TOPICS: readonly Topic[] = [...EN_TOPICS, ...FR_TOPICS, ...ES_TOPICS, ...DE_TOPICS];

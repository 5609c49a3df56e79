import { z } from "zod";
import { ParleyError } from "../errors/errorCodes.js";
import { CEFR_LEVELS, cefrIndex, type CefrLevel } from "./cefr.js";
import { SEED_TOPICS } from "./seed/index.js";
import { TOPIC_CATEGORIES, type Topic, type TopicCategory } from "./topic.js";

/** Topic codes: `<area>.<subject>`, lowercase snake_case, e.g. `restaurant.ordering`. */
export const TOPIC_CODE_PATTERN = /^[a-z_]+\.[a-z_]+$/;

const trimmedText = (max: number) => z.string().trim().min(1).max(max);

/** One prompt of a topic (seed 002 §2.1 `prompts[]`, §6.3). Unknown keys are rejected. */
export const topicPromptSchema = z.strictObject({
  promptKey: z
    .string()
    .min(1)
    .max(160)
    .regex(/^[a-z0-9_.]+$/, "promptKey must be a lowercase dotted i18n key"),
  type: z.enum(["icebreaker", "main", "follow_up"]),
  order: z.int().min(1).max(100),
  text: trimmedText(500),
});

/**
 * zod schema of a whole {@link Topic} (seed 002 §2.1 ConversationTopic), strict: unknown keys and
 * wrong types are rejected. Used by {@link TopicCatalog.upsert} and by the admin REST
 * (`/api/admin/topics`, DESIGN §7) to validate bodies. Beyond types it requires:
 * - `code` matching {@link TOPIC_CODE_PATTERN}, `targetLanguageCode` a 2–3 letter lowercase code;
 * - `prompts`: 1–50, unique `promptKey`s, unique `order` within a type, and at least one
 *   `icebreaker` (shown at start) and one `main` (recycled when all are used, seed 002 §6.3);
 * - `requiredSkills`: unique skill codes such as `restaurant_vocab.en`;
 * - `estimatedDurationMinutes` an integer 1–60, `popularityScore` 0–100,
 *   `imageUrl` an http(s) URL.
 * Strings are trimmed. Refinements sit on the arrays, so `.partial()` works for PATCH bodies.
 */
export const topicSchema = z.strictObject({
  code: z.string().max(64).regex(TOPIC_CODE_PATTERN, "code must look like area.subject (lowercase, snake_case)"),
  targetLanguageCode: z.string().regex(/^[a-z]{2,3}$/, "targetLanguageCode must be an ISO 639 code like en"),
  nameKey: trimmedText(160),
  descriptionKey: trimmedText(160),
  name: trimmedText(120),
  description: trimmedText(500),
  level: z.enum(CEFR_LEVELS),
  category: z.enum(TOPIC_CATEGORIES),
  prompts: z
    .array(topicPromptSchema)
    .min(1)
    .max(50)
    .superRefine((prompts, ctx) => {
      const keys = new Set<string>();
      const orders = new Set<string>();
      prompts.forEach((prompt, index) => {
        if (keys.has(prompt.promptKey)) {
          ctx.addIssue({ code: "custom", path: [index, "promptKey"], message: `duplicate promptKey ${prompt.promptKey}` });
        }
        keys.add(prompt.promptKey);
        const typeOrder = `${prompt.type}#${prompt.order}`;
        if (orders.has(typeOrder)) {
          ctx.addIssue({ code: "custom", path: [index, "order"], message: `duplicate order ${prompt.order} for ${prompt.type}` });
        }
        orders.add(typeOrder);
      });
      for (const type of ["icebreaker", "main"] as const) {
        if (!prompts.some((prompt) => prompt.type === type)) {
          ctx.addIssue({ code: "custom", message: `a topic needs at least one ${type} prompt` });
        }
      }
    }),
  requiredSkills: z
    .array(z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, "skill codes look like restaurant_vocab.en").max(100))
    .max(20)
    .refine((skills) => new Set(skills).size === skills.length, "requiredSkills must be unique")
    .optional(),
  estimatedDurationMinutes: z.int().min(1).max(60),
  imageUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
  isActive: z.boolean(),
  popularityScore: z.number().min(0).max(100),
});

/**
 * Validates an untrusted value as a {@link Topic} with {@link topicSchema} and returns the parsed
 * copy (trimmed strings, no extra keys).
 *
 * @throws ParleyError `INVALID_REQUEST` (400) listing every problem as `path: message`.
 */
export function parseTopic(input: unknown): Topic {
  const result = topicSchema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(topic)"}: ${issue.message}`)
      .join("; ");
    throw new ParleyError("INVALID_REQUEST", `invalid topic: ${problems}`);
  }
  const topic: Topic = result.data;
  return topic;
}

/** Filter of {@link TopicCatalog.list}; mirrors the query of `GET /api/conversations/topics` (seed 002 §3.2). */
export interface TopicListFilter {
  /** Required: the language being practised, e.g. `"en"`. */
  targetLanguageCode: string;
  /** Only topics of exactly this level. */
  level?: CefrLevel;
  /** Only topics of this category. */
  category?: TopicCategory;
  /** Also return topics with `isActive: false` (admin views). @default false */
  includeInactive?: boolean;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

function catalogKey(targetLanguageCode: string, code: string): string {
  return `${targetLanguageCode}:${code}`;
}

/**
 * The in-memory catalog of conversation topics (seed 002 §2.1 ConversationTopic, §3.1
 * `GET /topics`, `GET /topics/:code`; DESIGN §2 `topics/`). A topic is identified by
 * (`targetLanguageCode`, `code`) and indexed under `"<lang>:<code>"`.
 *
 * Every stored topic is a validated, deep-frozen copy: what `get`/`list` return cannot be mutated,
 * and changing the object passed to `upsert` afterwards does not change the catalog.
 * Build one per process in the composition root and pass it to whoever needs it.
 */
export class TopicCatalog {
  private topics = new Map<string, Topic>();

  /**
   * @param topics initial content, validated one by one. @default SEED_TOPICS (en/fr/es/de, A1–C2)
   * @throws ParleyError `INVALID_REQUEST` when a topic is invalid or a (language, code) appears twice.
   */
  constructor(topics: readonly Topic[] = SEED_TOPICS) {
    for (const topic of topics) {
      const key = catalogKey(topic.targetLanguageCode, topic.code);
      if (this.topics.has(key)) {
        throw new ParleyError("INVALID_REQUEST", `duplicate topic ${key} in the initial catalog`);
      }
      this.upsert(topic);
    }
  }

  /** The topic `code` in `targetLanguageCode`, active or not; `undefined` when there is none. */
  get(targetLanguageCode: string, code: string): Topic | undefined {
    return this.topics.get(catalogKey(targetLanguageCode, code));
  }

  /**
   * Topics of one language matching the filter, sorted by CEFR level (A1 first) then by code.
   * Inactive topics are left out unless `includeInactive`. Unknown language → `[]`.
   */
  list(filter: TopicListFilter): Topic[] {
    const matches: Topic[] = [];
    for (const topic of this.topics.values()) {
      if (topic.targetLanguageCode !== filter.targetLanguageCode) continue;
      if (filter.level !== undefined && topic.level !== filter.level) continue;
      if (filter.category !== undefined && topic.category !== filter.category) continue;
      if (!topic.isActive && filter.includeInactive !== true) continue;
      matches.push(topic);
    }
    return matches.sort(
      (a, b) => cefrIndex(a.level) - cefrIndex(b.level) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
    );
  }

  /**
   * Category of a topic (matchmaking widens to "any topic of the same category", DESIGN §4);
   * `undefined` when the topic does not exist in that language.
   */
  categoryOf(targetLanguageCode: string, code: string): TopicCategory | undefined {
    return this.get(targetLanguageCode, code)?.category;
  }

  /** Languages that have at least one topic (active or not), sorted alphabetically. */
  languages(): string[] {
    const languages = new Set<string>();
    for (const topic of this.topics.values()) languages.add(topic.targetLanguageCode);
    return [...languages].sort();
  }

  /**
   * Creates or replaces the topic (`targetLanguageCode`, `code`) after validating it with
   * {@link topicSchema}; returns the stored (trimmed, frozen) copy.
   *
   * @throws ParleyError `INVALID_REQUEST` (400) when `topic` is not a valid Topic, e.g. wrong types,
   *   unknown fields, a bad code, duplicate prompt keys, no icebreaker.
   */
  upsert(topic: Topic): Topic {
    const stored = deepFreeze(parseTopic(topic));
    this.topics.set(catalogKey(stored.targetLanguageCode, stored.code), stored);
    return stored;
  }

  /**
   * Replaces the whole content with `topics` (a refresh from the store), validating each: an
   * invalid topic is left out and named in the result, the others are kept. The swap is one
   * assignment, so readers see the old content or the new one, never a mix.
   * @returns the keys (`lang:code`) of the topics left out, with the problem
   */
  replaceAll(topics: readonly Topic[]): { rejected: { key: string; problem: string }[] } {
    const next = new Map<string, Topic>();
    const rejected: { key: string; problem: string }[] = [];
    for (const topic of topics) {
      const key = catalogKey(String(topic.targetLanguageCode), String(topic.code));
      try {
        next.set(key, deepFreeze(parseTopic(topic)));
      } catch (err) {
        rejected.push({ key, problem: err instanceof Error ? err.message : String(err) });
      }
    }
    this.topics = next;
    return { rejected };
  }

  /** Deletes the topic; `true` when it existed. */
  remove(targetLanguageCode: string, code: string): boolean {
    return this.topics.delete(catalogKey(targetLanguageCode, code));
  }
}

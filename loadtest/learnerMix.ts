/**
 * The simulated learner population shared by the benchmarks (`matcherBench.ts`,
 * `qualityBench.ts`): a seeded PRNG, weighted draws, and the mixes of levels, topics and
 * preferences that tickets are drawn from. One place, so both benches describe the same people.
 *
 * Mix (issue 12; loadtest/RESULTS.md):
 * - CEFR A1 20% A2 25% B1 25% B2 15% C1 10% C2 5%;
 * - 60 topics, 12 per category (5 categories), Zipf (s = 1) popularity: topic k has weight 1/k;
 * - preferredPartnerLevel same 70% / higher 15% / lower 5% / any 10%;
 * - own accent 50%, preferredAccent 10%, preferredPartnerNativeLanguageCode 10%, premium 15%.
 */
import type { CefrLevel } from "../src/topics/cefr.js";
import { TOPIC_CATEGORIES, type TopicCategory } from "../src/topics/topic.js";
import type { PreferredPartnerLevel, Ticket } from "../src/matchmaking/ticket.js";

/** mulberry32: tiny seeded PRNG returning floats in [0, 1). Same seed, same sequence. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Picks from weighted choices with one uniform draw in [0, 1) (weights need not sum to 1).
 * @throws Error when `choices` is empty.
 */
export function weighted<T>(choices: readonly (readonly [T, number])[], draw: number): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let left = draw * total;
  for (const [value, weight] of choices) {
    left -= weight;
    if (left < 0) return value;
  }
  const last = choices[choices.length - 1];
  if (last === undefined) throw new Error("no choices");
  return last[0];
}

/** One draw from an exponential distribution of mean `mean`, from a uniform draw in [0, 1). */
export function exponential(mean: number, draw: number): number {
  return -Math.log(1 - draw) * mean;
}

/** CEFR level mix of the learners. */
export const LEVEL_MIX: readonly (readonly [CefrLevel, number])[] = [
  ["A1", 20],
  ["A2", 25],
  ["B1", 25],
  ["B2", 15],
  ["C1", 10],
  ["C2", 5],
];

/** A simulated catalogue topic. */
export interface SimulatedTopic {
  code: string;
  category: TopicCategory;
}

/** 60 topics, categories in rotation (12 each), weight 1/k for the k-th (Zipf, s = 1). */
export const TOPICS: readonly (readonly [SimulatedTopic, number])[] = Array.from({ length: 60 }, (_, k) => {
  const category = TOPIC_CATEGORIES[k % TOPIC_CATEGORIES.length] ?? "daily_life";
  return [{ code: `${category}.t${k + 1}`, category }, 1 / (k + 1)] as const;
});

/** `preferredPartnerLevel` mix. */
export const PARTNER_LEVEL_MIX: readonly (readonly [PreferredPartnerLevel, number])[] = [
  ["same", 70],
  ["higher", 15],
  ["lower", 5],
  ["any", 10],
];

/** The four simulated languages (each one practice queue; pairs of them are tandem queues). */
export const LANGUAGES = ["en", "fr", "es", "de"] as const;

/** Accents a learner of each language may have or ask for. */
export const ACCENTS: Readonly<Record<(typeof LANGUAGES)[number], readonly string[]>> = {
  en: ["en-US", "en-GB", "en-AU"],
  fr: ["fr-FR", "fr-CA", "fr-BE"],
  es: ["es-ES", "es-MX", "es-AR"],
  de: ["de-DE", "de-AT", "de-CH"],
};

/** Stand-in for the 7-day conversation history: about 5% of user pairs talked recently (stable hash). */
export function hadRecentConversation(userA: string, userB: string): boolean {
  let hash = 2166136261;
  for (let i = 0; i < userA.length; i += 1) hash = Math.imul(hash ^ userA.charCodeAt(i), 16777619);
  for (let i = 0; i < userB.length; i += 1) hash = Math.imul(hash ^ userB.charCodeAt(i), 16777619);
  return (hash >>> 0) % 20 === 0;
}

/** Who a drawn ticket belongs to and where it goes. */
export interface TicketDraw {
  id: string;
  userId: string;
  /** Epoch ms. */
  createdAt: number;
  /** Seconds until the ticket expires (`maxWaitTimeSeconds`). */
  maxWaitSeconds: number;
  /** The language practised; the practice queue of the same name. */
  targetLanguageCode: string;
  /** Native languages to draw from, uniformly (also the `preferredPartnerNativeLanguageCode` choices). */
  nativeLanguageCodes: readonly string[];
  /** Accents of the target language, to draw `accent` / `preferredAccent` from. */
  accents: readonly string[];
}

/**
 * Draws one practice ticket of the mix (consumes 6–9 draws of `random`, in a fixed order, so a
 * seeded stream gives the same tickets run after run).
 */
export function drawTicket(random: () => number, draw: TicketDraw): Ticket {
  const { nativeLanguageCodes: natives, accents } = draw;
  const topic = weighted(TOPICS, random());
  const ticket: Ticket = {
    id: draw.id,
    userId: draw.userId,
    queue: draw.targetLanguageCode,
    sessionType: "practice",
    targetLanguageCode: draw.targetLanguageCode,
    nativeLanguageCode: natives[Math.floor(random() * natives.length)] ?? "fr",
    level: weighted(LEVEL_MIX, random()),
    topicCode: topic.code,
    topicCategory: topic.category,
    preferredPartnerLevel: weighted(PARTNER_LEVEL_MIX, random()),
    premium: random() < 0.15,
    createdAt: draw.createdAt,
    expiresAt: draw.createdAt + draw.maxWaitSeconds * 1000,
  };
  if (random() < 0.5) ticket.accent = accents[Math.floor(random() * accents.length)];
  if (random() < 0.1) ticket.preferredAccent = accents[Math.floor(random() * accents.length)];
  if (random() < 0.1) ticket.preferredPartnerNativeLanguageCode = natives[Math.floor(random() * natives.length)];
  return ticket;
}

/** The p-th percentile (0–100, nearest rank) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

import { z } from "zod";
import { CEFR_LEVELS } from "../topics/cefr.js";

const languageCode = z.string().regex(/^[a-z]{2,3}$/, "expected an ISO 639 language code such as \"en\"");

/**
 * Body of `POST /api/conversations/match-request` (seed 002 §3.2) and, with `queue`, the join
 * options of the `matchmaking` room (DESIGN §5). Strict: unknown fields are refused.
 */
export const matchRequestBodySchema = z.strictObject({
  targetLanguageCode: languageCode,
  topicCode: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, "expected a topic code such as \"restaurant.ordering\"").max(100),
  sessionType: z.enum(["practice", "tandem"]).default("practice"),
  preferredPartnerLevel: z.enum(["same", "higher", "lower", "any"]).default("same"),
  preferredPartnerNativeLanguageCode: languageCode.optional(),
  preferredAccent: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "expected an accent tag such as \"en-GB\"").optional(),
  mode: z.enum(["now", "scheduled"]).default("now"),
  scheduledFor: z.iso.datetime({ offset: true }).optional(),
  maxWaitTimeSeconds: z.number().int().min(30).max(600).optional(),
  currentLevel: z.enum(CEFR_LEVELS).optional(),
  recordingConsent: z.boolean().default(false),
});

/** Join options of the `matchmaking` room: the REST body plus `queue` (DESIGN §5). */
export const matchmakingJoinOptionsSchema = matchRequestBodySchema.extend({
  queue: z.string().min(2).max(20),
});

/** A validated match request body. */
export type MatchRequestBody = z.infer<typeof matchRequestBodySchema>;

import { z } from "zod";
import { DEFAULT_GROUP_MAX, DEFAULT_GROUP_MIN, GROUP_SIZE_RANGE, INVITE_CODE_LENGTH, INVITE_CODE_PATTERN, normalizeInviteCode } from "../groups/groupRules.js";
import { CEFR_LEVELS } from "../topics/cefr.js";
import { TOPIC_CODE_PATTERN } from "../topics/topicCatalog.js";
import { TOPIC_CATEGORIES } from "../topics/topic.js";
import { ROOM_NAMES } from "../protocol/roomNames.js";

/**
 * zod pieces shared by the REST routes (DESIGN §7): every path parameter, query and body is a
 * strict object, so unknown fields are a 400 `INVALID_REQUEST` (via `parseOrThrow`).
 * Query values arrive as strings (a repeated key arrives as an array and is refused).
 */

/** An ISO 639 language code such as `en`. */
export const languageCodeSchema = z.string().regex(/^[a-z]{2,3}$/, "expected an ISO 639 language code such as \"en\"");

/** A topic code such as `restaurant.ordering`. */
export const topicCodeSchema = z.string().max(64).regex(TOPIC_CODE_PATTERN, "expected a topic code such as \"restaurant.ordering\"");

/** A user id as found in a token's `sub`. */
export const userIdSchema = z.string().min(1).max(128);

/** `:id` of a session or match request (both UUIDs). */
export const idParamsSchema = z.strictObject({ id: z.uuid("expected a UUID") });

/** `:code` of a topic. */
export const topicCodeParamsSchema = z.strictObject({ code: topicCodeSchema });

/** `:targetLanguageCode/:code` of a topic (admin API). */
export const topicKeyParamsSchema = z.strictObject({ targetLanguageCode: languageCodeSchema, code: topicCodeSchema });

/** An empty body or query (`{}`, or no body at all). */
export const emptySchema = z.strictObject({});

/** Body of `POST /sessions/:id/join`: a group newcomer's consent to the recording (DESIGN §6). */
export const joinBodySchema = z.strictObject({ recordingConsent: z.boolean().optional() });

/**
 * A query-string integer in `[min, max]`: digits only, so `"abc"`, `"-1"`, `"1.5"`, `"1e3"` and
 * `" 2"` are refused rather than coerced.
 */
export function queryInt(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, "expected a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** Largest `limit` of a paginated list. */
export const MAX_PAGE_LIMIT = 100;
/** `limit` when the query has none. */
export const DEFAULT_PAGE_LIMIT = 20;

/** `?limit=&offset=` of a paginated list: limit 1–100 (default 20), offset ≥ 0 (default 0). */
export const paginationShape = {
  limit: queryInt(1, MAX_PAGE_LIMIT).optional(),
  offset: queryInt(0, 1_000_000).optional(),
};

/** Query of a paginated admin list. */
export const paginationQuerySchema = z.strictObject(paginationShape);

/** `GET /topics` query (seed 002 §3.2). */
export const topicListQuerySchema = z.strictObject({
  targetLanguageCode: languageCodeSchema,
  level: z.enum(CEFR_LEVELS).optional(),
  category: z.enum(TOPIC_CATEGORIES).optional(),
});

/** `GET /topics/:code` query. */
export const topicDetailsQuerySchema = z.strictObject({ targetLanguageCode: languageCodeSchema });

/** `GET /history` query (seed 002 §3.2). */
export const historyQuerySchema = z.strictObject({
  userId: userIdSchema.optional(),
  targetLanguageCode: languageCodeSchema.optional(),
  ...paginationShape,
});

/** Reasons a participant can be reported for (DESIGN §7 report). */
export const REPORT_REASONS = ["harassment", "inappropriate", "spam", "no_show", "other"] as const;

/** `POST /sessions/:id/report` body (DESIGN §7). */
export const reportBodySchema = z.strictObject({
  reportedUserId: userIdSchema,
  reason: z.enum(REPORT_REASONS),
  details: z.string().trim().max(1000).optional(),
  block: z.boolean().default(false),
});

/** `GET /api/admin/reports` query: paging, and `flagged=true` for reports against users flagged for review only. */
export const reportListQuerySchema = z.strictObject({
  ...paginationShape,
  flagged: z.literal("true", "flagged: only flagged=true is a filter (leave it out for every report)").optional(),
});

/** `:userId` of a reported user (admin API). */
export const userIdParamsSchema = z.strictObject({ userId: userIdSchema });

/** `GET /api/admin/rooms` query: optionally one room type. */
export const roomListQuerySchema = z.strictObject({ name: z.enum([ROOM_NAMES.matchmaking, ROOM_NAMES.conversation]).optional() });

/** `GET /api/admin/topics` query: one language or all; inactive topics included unless `false`. */
export const adminTopicListQuerySchema = z.strictObject({
  targetLanguageCode: languageCodeSchema.optional(),
  includeInactive: z.enum(["true", "false"]).optional(),
});

/** A group size: an integer in 2–6 (seed 000). */
const groupSizeSchema = z.number().int("expected an integer").min(GROUP_SIZE_RANGE.min).max(GROUP_SIZE_RANGE.max);

/**
 * `POST /sessions` body (seed 000, DESIGN §7): a group. `minParticipants` ≤ `maxParticipants`
 * (400 otherwise); `scheduledStartAt` is an ISO date-time with an offset (its range and the
 * premium rule are checked by `assertCanSchedule`).
 */
export const groupCreateBodySchema = z
  .strictObject({
    type: z.enum(["public", "private"]),
    targetLanguageCode: languageCodeSchema,
    topicCode: topicCodeSchema.optional(),
    minParticipants: groupSizeSchema.default(DEFAULT_GROUP_MIN),
    maxParticipants: groupSizeSchema.default(DEFAULT_GROUP_MAX),
    scheduledStartAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((b) => b.minParticipants <= b.maxParticipants, { message: "must not exceed maxParticipants", path: ["minParticipants"] });

/** A parsed {@link groupCreateBodySchema}. */
export type GroupCreateBody = z.infer<typeof groupCreateBodySchema>;

/**
 * `POST /sessions/join-by-code` body: the code as typed (spaces and dashes ignored, any case),
 * which must then be {@link INVITE_CODE_LENGTH} characters of the invite-code alphabet.
 */
export const joinByCodeBodySchema = z.strictObject({
  inviteCode: z
    .string()
    .max(32)
    .transform(normalizeInviteCode)
    .pipe(z.string().regex(INVITE_CODE_PATTERN, `expected an invite code of ${INVITE_CODE_LENGTH} letters and digits`)),
});

/** `GET /sessions` query (seed 000): public groups only; `cursor` is the `nextCursor` of the previous page. */
export const groupListQuerySchema = z.strictObject({
  type: z.literal("public", "only public groups are listed").optional(),
  status: z.enum(["waiting", "active"]).optional(),
  targetLanguageCode: languageCodeSchema.optional(),
  limit: queryInt(1, MAX_PAGE_LIMIT).optional(),
  cursor: z.string().min(1).max(200).optional(),
});

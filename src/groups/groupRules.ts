import { randomInt } from "node:crypto";
import { CEFR_LEVELS, cefrIndex, type CefrLevel } from "../topics/cefr.js";
import type { Topic } from "../topics/topic.js";
import { topicAccess, type TopicLearner } from "../topics/topicAccess.js";

/** Fewest and most participants a group may be created with (seed 000: 2–6). */
export const GROUP_SIZE_RANGE = { min: 2, max: 6 } as const;

/** `minParticipants` of a group created without one (seed 000 "défaut: 2"). */
export const DEFAULT_GROUP_MIN = 2;

/** `maxParticipants` of a group created without one (seed 000 "défaut: 6"). */
export const DEFAULT_GROUP_MAX = 6;

/**
 * The characters of an invite code: upper-case letters and digits without the ambiguous
 * 0/O, 1/I/L (seed 000 `inviteCode`, issue 8): 31 characters.
 */
export const INVITE_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/** Length of an invite code: 31⁸ ≈ 8.5 × 10¹¹ codes. */
export const INVITE_CODE_LENGTH = 8;

/** A well-formed invite code (after {@link normalizeInviteCode}). */
export const INVITE_CODE_PATTERN = new RegExp(`^[${INVITE_CODE_ALPHABET}]{${INVITE_CODE_LENGTH}}$`);

/**
 * A new invite code: {@link INVITE_CODE_LENGTH} characters drawn uniformly from
 * {@link INVITE_CODE_ALPHABET} with `node:crypto` randomness (unguessable; uniqueness is the
 * store's unique index, the caller draws again on a clash).
 * @param draw an integer in `[0, n)`; @default `crypto.randomInt`
 */
export function newInviteCode(draw: (n: number) => number = (n) => randomInt(n)): string {
  let code = "";
  for (let i = 0; i < INVITE_CODE_LENGTH; i++) code += INVITE_CODE_ALPHABET[draw(INVITE_CODE_ALPHABET.length)];
  return code;
}

/**
 * An invite code as typed by a person: surrounding spaces and inner spaces or dashes removed,
 * upper-cased (`" abcd-efgh"` → `"ABCDEFGH"`). The result may still be malformed;
 * check it with {@link INVITE_CODE_PATTERN}.
 */
export function normalizeInviteCode(typed: string): string {
  return typed.replace(/[\s-]/g, "").toUpperCase();
}

/**
 * The topic of a group created without `topicCode`: among the active topics of its language
 * the learner may open (`topicAccess`), those of the host's level first, then the nearest
 * lower levels, then any; the most popular of the first non-empty set (ties: code order).
 * @param topics the language's active topics (`TopicCatalog.list`)
 * @returns undefined when the learner can open none
 */
export function defaultGroupTopic(topics: readonly Topic[], level: CefrLevel, learner: TopicLearner): Topic | undefined {
  const open = topics.filter((t) => t.isActive && topicAccess(t, learner).unlocked);
  // 0 = the host's level, 1, 2… = levels below it, then levels above it.
  const rank = (t: Topic) => {
    const gap = cefrIndex(level) - cefrIndex(t.level);
    return gap >= 0 ? gap : CEFR_LEVELS.length - gap;
  };
  return [...open].sort((a, b) => rank(a) - rank(b) || b.popularityScore - a.popularityScore || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))[0];
}

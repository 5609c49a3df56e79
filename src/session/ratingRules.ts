import { ParleyError } from "../errors/errorCodes.js";
import type { SessionStatus } from "./sessionLifecycle.js";

/** How long a rating stays editable after it was first given, in **milliseconds**: 24 h (DESIGN §6). */
export const RATING_EDIT_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Longest `feedback` accepted with a rating, in characters (seed 002 §3.2). */
export const MAX_RATING_FEEDBACK_CHARS = 500;

/** Statuses in which a session can be rated: it took place and ended. */
const RATABLE: ReadonlySet<SessionStatus> = new Set<SessionStatus>(["completed", "aborted"]);

/** Whether {@link assertRatable} allows a new rating or an edit of the user's existing one. */
export type RatingAction = "create" | "update";

/**
 * Checks a `rate` message / `POST /sessions/:id/rate` (DESIGN §6, seed 002 §3.2, §8.2).
 * Checks, in order: participant (authorization first), rating value, feedback length,
 * session ended, edit window.
 *
 * @param input.existingRating the user's rating already stored; `ratedAt` (epoch ms) must be
 *   when it was **first** given (edits do not extend the window).
 * @returns `"create"` or `"update"`.
 * @throws ParleyError `NOT_A_PARTICIPANT` (403) when `userId` is not in `participantIds`;
 *   `INVALID_RATING` (422) unless `rating` is an integer 1..5;
 *   `INVALID_REQUEST` (400) when `feedback` exceeds 500 characters;
 *   `SESSION_NOT_ACTIVE` (409) unless the session is `completed` or `aborted` (waiting/active
 *   sessions are not over yet; expired ones never took place);
 *   `RATING_WINDOW_CLOSED` (422) when editing 24 h or more after `existingRating.ratedAt`.
 */
export function assertRatable(input: {
  status: SessionStatus;
  participantIds: readonly string[];
  userId: string;
  existingRating?: { ratedAt: number };
  rating: unknown;
  feedback?: string;
  now: number;
}): RatingAction {
  if (!input.participantIds.includes(input.userId)) {
    throw new ParleyError("NOT_A_PARTICIPANT", "only participants can rate this session");
  }
  const { rating } = input;
  if (typeof rating !== "number" || !Number.isInteger(rating) || rating < 1 || rating > 5) {
    throw new ParleyError("INVALID_RATING", "rating must be an integer from 1 to 5");
  }
  if (input.feedback !== undefined && input.feedback.length > MAX_RATING_FEEDBACK_CHARS) {
    throw new ParleyError("INVALID_REQUEST", `feedback must be at most ${MAX_RATING_FEEDBACK_CHARS} characters`);
  }
  if (!RATABLE.has(input.status)) {
    throw new ParleyError("SESSION_NOT_ACTIVE", `a ${input.status} session cannot be rated`);
  }
  if (input.existingRating === undefined) return "create";
  if (input.now - input.existingRating.ratedAt >= RATING_EDIT_WINDOW_MS) {
    throw new ParleyError("RATING_WINDOW_CLOSED", "a rating can only be changed within 24 hours");
  }
  return "update";
}

/**
 * Mean of a session's ratings rounded to 2 decimals (seed 002 §3.2 `averageRating`).
 * @returns undefined when there is no rating.
 */
export function averageRating(ratings: readonly number[]): number | undefined {
  if (ratings.length === 0) return undefined;
  const sum = ratings.reduce((acc, r) => acc + r, 0);
  return Math.round((sum * 100) / ratings.length) / 100;
}

import type { z } from "zod";
import { ParleyError } from "../errors/errorCodes.js";
import { events as buildEvents } from "../events/eventBuilders.js";
import { rateMessageSchema } from "../protocol/conversationMessages.js";
import type { Store } from "../store/repositories.js";
import type { RatingRecord, SessionRecord } from "../store/records.js";
import { changedSuggestion, feedbackReceived, levelSuggestions } from "./levelDrift.js";
import { assertRatable, averageRating } from "./ratingRules.js";

/**
 * Body of `POST /sessions/:id/rate` and of the `rate` room message (seed 002 §3.2).
 * `rating` is only type-checked here; its range is {@link assertRatable}'s (422 `INVALID_RATING`).
 */
export const rateBodySchema = rateMessageSchema;

/**
 * Stores a participant's rating of an ended session and queues `conversation.rated`
 * (DESIGN §6: one per user, editable for 24 h), and `level.suggested` for the partner when the
 * rating's `partnerLevelFeedback` changes what their level drift suggests (DESIGN §10). Shared by REST and the conversation room.
 * @param now epoch milliseconds
 * @returns the session's average rating after the write
 * @throws ParleyError `SESSION_NOT_FOUND`, and those of {@link assertRatable}.
 */
export async function submitRating(
  store: Store,
  sessionId: string,
  userId: string,
  body: z.infer<typeof rateBodySchema>,
  now: number,
): Promise<{ averageRating: number }> {
  const session = await store.sessions.get(sessionId);
  if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${sessionId} not found`);
  const existing = session.ratings.find((r) => r.userId === userId);
  assertRatable({
    status: session.status,
    participantIds: session.participants.map((p) => p.userId),
    userId,
    existingRating: existing && { ratedAt: existing.ratedAt.getTime() },
    rating: body.rating,
    feedback: body.feedback,
    now,
  });
  const rated = buildEvents.conversationRated(session, userId, body.rating, now);
  const rating: RatingRecord = {
    userId,
    rating: body.rating,
    ...(body.feedback !== undefined ? { feedback: body.feedback } : {}),
    ...(body.partnerLevelFeedback !== undefined ? { partnerLevelFeedback: body.partnerLevelFeedback } : {}),
    // Edits keep the first `ratedAt`: the 24 h window runs from the first rating.
    ratedAt: existing?.ratedAt ?? new Date(now),
  };
  const suggested = body.partnerLevelFeedback !== undefined || existing?.partnerLevelFeedback !== undefined ? await levelSuggestedEvent(store, session, rating, now) : undefined;
  const ratings = await store.sessions.upsertRating(sessionId, rating, { events: suggested ? [rated, suggested] : [rated] });
  return { averageRating: averageRating(ratings.map((r) => r.rating)) ?? body.rating };
}

/** How many of the rated partner's latest sessions the level-drift rule reads. */
export const LEVEL_DRIFT_SESSIONS_READ = 200;

/**
 * `level.suggested` for the rated partner when `rating` changes what their received feedback
 * suggests (DESIGN §10 "Level drift", once per change): the suggestions are computed before and
 * after this rating, at the partner's level in this session. Undefined for groups and when
 * nothing changes.
 */
async function levelSuggestedEvent(store: Store, session: SessionRecord, rating: RatingRecord, now: number) {
  if (session.sessionType === "group" || session.participants.length !== 2) return undefined;
  const partner = session.participants.find((p) => p.userId !== rating.userId);
  if (!partner) return undefined;
  // All languages: a tandem session's `targetLanguageCode` is the initiator's target, not the partner's.
  const { items } = await store.sessions.listByUser({ userId: partner.userId, limit: LEVEL_DRIFT_SESSIONS_READ, offset: 0 });
  const others = items.filter((s) => s.id !== session.id);
  const withRatings = (ratings: RatingRecord[]) => [...others, { ...session, ratings }];
  const levels = { [partner.targetLanguageCode]: partner.level };
  const before = levelSuggestions(feedbackReceived(withRatings(session.ratings), partner.userId), levels);
  const after = levelSuggestions(feedbackReceived(withRatings([...session.ratings.filter((r) => r.userId !== rating.userId), rating]), partner.userId), levels);
  const change = changedSuggestion(before, after, partner.targetLanguageCode);
  return change && buildEvents.levelSuggested({ userId: partner.userId, ...change, sessionId: session.id }, now);
}

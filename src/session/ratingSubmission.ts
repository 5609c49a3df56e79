import type { z } from "zod";
import { ParleyError } from "../errors/errorCodes.js";
import { events as buildEvents } from "../events/eventBuilders.js";
import { rateMessageSchema } from "../protocol/conversationMessages.js";
import type { Store } from "../store/repositories.js";
import { assertRatable, averageRating } from "./ratingRules.js";

/**
 * Body of `POST /sessions/:id/rate` and of the `rate` room message (seed 002 §3.2).
 * `rating` is only type-checked here; its range is {@link assertRatable}'s (422 `INVALID_RATING`).
 */
export const rateBodySchema = rateMessageSchema;

/**
 * Stores a participant's rating of an ended session and queues `conversation.rated`
 * (DESIGN §6: one per user, editable for 24 h). Shared by REST and the conversation room.
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
  const event = buildEvents.conversationRated(session, userId, body.rating, now);
  const ratings = await store.sessions.upsertRating(
    sessionId,
    // Edits keep the first `ratedAt`: the 24 h window runs from the first rating.
    { userId, rating: body.rating, feedback: body.feedback, ratedAt: existing?.ratedAt ?? new Date(now) },
    { events: [event] },
  );
  return { averageRating: averageRating(ratings.map((r) => r.rating)) ?? body.rating };
}

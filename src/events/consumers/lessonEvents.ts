import type { InboundTopicHandler } from "./inboundHandling.js";

/** The `lesson.events` types parley acts on. */
export const LESSON_EVENT_TYPES = ["skill.acquired"] as const;

/**
 * `lesson.events` (seed 002 §5.2, DESIGN §8 "`skill.acquired` (unlocks topics)"):
 * `skill.acquired` `{ userId, skillId?, skillCode }` → `store.learnerSkills.add(userId,
 * skillCode, the event's time)`. REST `isUnlocked` (seed 002 §3.2) merges the token's
 * `skills` claim with these (`learnerSkills.list(userId)`), so a skill counts from the moment
 * its event is consumed, before the user's token is renewed.
 * (The seed's "invalidate cache `unlocked_topics:{userId}`": parley computes unlocks per
 * request from the catalog and these skills, so there is no cache to invalidate.)
 */
export const lessonEventsHandler: InboundTopicHandler<(typeof LESSON_EVENT_TYPES)[number]> = {
  consumer: "lesson-events",
  eventTypes: LESSON_EVENT_TYPES,
  async handle(event, { store, logger, now }) {
    const { userId, skillCode } = event.payload;
    const added = await store.learnerSkills.add(userId, skillCode, new Date(event.occurredAt ?? now));
    logger.info({ eventId: event.eventId, eventType: event.eventType, userId, skillCode, added }, added ? "skill.acquired: skill recorded" : "skill.acquired: skill already recorded");
  },
};

import type { InboundTopicHandler } from "./inboundHandling.js";

/** The `user.events` types parley acts on (`user.registered` needs nothing: seed 002 §5.2). */
export const USER_EVENT_TYPES = ["user.deleted", "user.updated", "tier.changed"] as const;

/**
 * `user.events` (DESIGN §8 "profile, tier change, deletion → erase the user's data"):
 * - `user.deleted` `{ userId }` → `store.eraseUser(userId)` (sessions anonymized; tickets,
 *   reports made, blocks and skills deleted — see `Store.eraseUser`);
 * - `user.updated`, `tier.changed` `{ userId, … }` → logged only: parley stores no profile.
 *   The profile and tier it uses come from the access token on every request and join (DESIGN
 *   §3), so they change with the user's next token; the name shown in a stored session stays
 *   the one the user had when they joined it.
 */
export const userEventsHandler: InboundTopicHandler<(typeof USER_EVENT_TYPES)[number]> = {
  consumer: "user-events",
  eventTypes: USER_EVENT_TYPES,
  async handle(event, { store, logger }) {
    const { eventId, eventType, payload } = event;
    switch (event.eventType) {
      case "user.deleted": {
        const erasure = await store.eraseUser(payload.userId);
        logger.info({ eventId, eventType, userId: payload.userId, ...erasure }, "user.deleted: the user's data is erased");
        return;
      }
      case "user.updated":
      case "tier.changed":
        logger.info({ eventId, eventType, userId: payload.userId }, `${eventType}: nothing stored to update (the JWT carries the profile and tier)`);
        return;
    }
  },
};

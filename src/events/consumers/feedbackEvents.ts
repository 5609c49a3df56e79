import type { InboundTopicHandler } from "./inboundHandling.js";

/** The `feedback.events` types parley acts on. */
export const FEEDBACK_EVENT_TYPES = ["transcript.ready"] as const;

/**
 * `feedback.events` (DESIGN §8 "`transcript.ready` → transcript endpoint"):
 * `transcript.ready` `{ sessionId, transcriptId, url? }` → the session's `transcriptId` (and
 * `transcriptUrl`) are set (a patch: no event, no status change), which
 * `GET /sessions/:id/transcript` then returns as `{ status: "ready", transcriptId, url? }`.
 * A later `transcript.ready` for the session replaces it. An unknown session is logged (warn)
 * and skipped: nothing to attach the transcript to.
 */
export const feedbackEventsHandler: InboundTopicHandler<(typeof FEEDBACK_EVENT_TYPES)[number]> = {
  consumer: "feedback-events",
  eventTypes: FEEDBACK_EVENT_TYPES,
  async handle(event, { store, logger }) {
    const { sessionId, transcriptId, url } = event.payload;
    const ids = { eventId: event.eventId, eventType: event.eventType, sessionId, transcriptId };
    if (!(await store.sessions.get(sessionId))) {
      logger.warn(ids, "transcript.ready: unknown session, skipped");
      return;
    }
    await store.sessions.patch(sessionId, { transcriptId, transcriptUrl: url });
    logger.info(ids, "transcript.ready: transcript attached to the session");
  },
};

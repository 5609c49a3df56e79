import type { Logger } from "pino";
import type { QueueNote } from "../src/matchmaking/queueCore.js";
import { durationRange, type Metrics } from "../src/observability/metrics.js";
import type { ConversationNote } from "../src/session/conversationCore.js";

/**
 * How the cores' notes become metrics (seed 002 §10.1) and log lines. No rule depends on them;
 * the rooms report them once the writes of their effects are stored.
 */

/** Reports a conversation core's note for session `sessionId` in `language`. */
export function reportConversationNote(metrics: Metrics, logger: Logger, sessionId: string, language: string, note: ConversationNote): void {
  if (note.kind === "prompt") {
    metrics.promptsDisplayed.inc({ type: note.category });
  } else if (note.kind === "started") {
    metrics.conversationsActive.inc();
    logger.info({ event: "conversation.started", sessionId }, "conversation started");
  } else {
    if (note.from === "active") metrics.conversationsActive.dec();
    if (note.to === "completed") metrics.conversationsCompleted.inc({ language, duration_range: durationRange(note.durationSeconds) });
    logger.info({ event: `conversation.${note.to}`, sessionId, reason: note.reason, durationSeconds: note.durationSeconds }, "conversation ended");
  }
}

/** Reports a queue core's notes. */
export function reportQueueNotes(metrics: Metrics, logger: Logger, notes: readonly QueueNote[]): void {
  for (const note of notes) {
    if (note.kind === "requested") metrics.matchRequests.inc({ language: note.language, topic: note.topic });
    else if (note.kind === "expired") {
      metrics.matchOutcomes.inc({ outcome: "expired" });
      // A match timeout is a WARN line (seed 002 §10.2).
      logger.warn({ event: "match.expired", matchRequestId: note.matchRequestId, userId: note.userId, waitTimeSeconds: note.waitTimeSeconds }, "match timeout");
    }
    // The match-time reminder is sent by the queue room; the 5-minute one by the reminder job.
    else if (note.kind === "reminders") logger.info({ event: "scheduled.reminders", sessionId: note.sessionId, participants: note.userIds, scheduledStartAt: new Date(note.scheduledStartAt).toISOString(), at: note.at.map((t) => new Date(t).toISOString()) }, "scheduled session matched: reminders due");
    else if (note.kind !== "matched") metrics.matchOutcomes.inc({ outcome: note.kind });
    else {
      for (const w of note.waited) {
        metrics.matchWaitSeconds.observe({ language: w.language }, w.seconds);
        metrics.matchOutcomes.inc({ outcome: "matched" });
      }
      const waitTimeSeconds = Math.round(Math.max(0, ...note.waited.map((w) => w.seconds)));
      logger.info({ event: "conversation.matched", sessionId: note.sessionId, participants: note.userIds, waitTimeSeconds, compatibilityScore: note.score, stage: note.stage }, "match found");
    }
  }
}

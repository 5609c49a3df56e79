import { REMINDER_BEFORE_MS } from "../matchmaking/scheduledSlots.js";
import type { NotificationDraft } from "./notifier.js";

/**
 * The notifications parley creates besides chat's (seed 003 `notifications`; issues 9–10), one
 * builder each: what to say (i18n keys and params) and the ids the app acts on. Pure.
 */

/** `match_found` for a learner who asked over REST and is not in the queue room. */
export function matchFoundDraft(userId: string, sessionId: string, partnerName: string): NotificationDraft {
  return { userId, type: "match_found", titleKey: "notifications.matchFound.title", bodyKey: "notifications.matchFound.body", params: { partnerName }, data: { sessionId } };
}

/** `report_outcome` for the reported user after a moderator's `warn` or `ban` (`bannedUntil`: ISO 8601). */
export function reportOutcomeDraft(userId: string, action: "warn" | "ban", bannedUntil?: Date): NotificationDraft {
  return {
    userId,
    type: "report_outcome",
    titleKey: `notifications.reportOutcome.${action}.title`,
    bodyKey: `notifications.reportOutcome.${action}.body`,
    params: bannedUntil ? { bannedUntil: bannedUntil.toISOString() } : {},
    data: { action },
  };
}

/**
 * A scheduled-session reminder for `userId`: `matched` when the match is made, `soon`
 * {@link REMINDER_BEFORE_MS} before the slot. `data` carries the session id and its start (ISO 8601).
 */
export function sessionReminderDraft(userId: string, session: { id: string; scheduledStartAt?: Date; topicCode?: string }, moment: "matched" | "soon"): NotificationDraft {
  const startsAt = session.scheduledStartAt?.toISOString() ?? "";
  return {
    userId,
    type: "session_reminder",
    titleKey: `notifications.sessionReminder.${moment}.title`,
    bodyKey: `notifications.sessionReminder.${moment}.body`,
    params: { ...(session.topicCode ? { topicCode: session.topicCode } : {}), startsAt, minutes: REMINDER_BEFORE_MS / 60_000 },
    data: { sessionId: session.id, startsAt },
  };
}

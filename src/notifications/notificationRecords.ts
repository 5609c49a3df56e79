/**
 * In-app notifications (seed 003 `notifications`; issue 9). `titleKey`/`bodyKey` are i18n keys
 * the app translates with `params`; `data` carries ids for the app to act on (channelId,
 * messageId, sessionId). Status `pending` (stored, not delivered) → `sent` (pushed to a
 * connected socket) → `read`. Expired notifications (`expiresAt`, 30 days) are not listed and
 * are pruned.
 */

/** Why a user is notified (issue 9). */
export type NotificationType = "mention" | "dm_message" | "match_found" | "report_outcome" | "session_reminder";

/** Delivery status (seed 003, without `delivered`: in-app only). */
export type NotificationStatus = "pending" | "sent" | "read";

/** How long a notification lives, in ms (30 days). */
export const NOTIFICATION_TTL_MS = 30 * 24 * 3600 * 1000;

/** A stored notification. Times are `Date`s. */
export interface NotificationRecord {
  id: string;
  userId: string;
  type: NotificationType;
  titleKey: string;
  bodyKey: string;
  params: Record<string, string | number>;
  data: Record<string, string | number | boolean>;
  status: NotificationStatus;
  /** The only channel parley delivers on (seed 003 `channels`). */
  channel: "in_app";
  createdAt: Date;
  sentAt?: Date;
  readAt?: Date;
  expiresAt: Date;
}

/** A notification on the wire (REST and the `notification` room message): the record with ISO 8601 times, without `userId`. */
export type NotificationView = Omit<NotificationRecord, "userId" | "createdAt" | "sentAt" | "readAt" | "expiresAt"> & {
  createdAt: string;
  sentAt?: string;
  readAt?: string;
  expiresAt: string;
};

/** The wire form of a stored notification. */
export function notificationView(n: NotificationRecord): NotificationView {
  return {
    id: n.id,
    type: n.type,
    titleKey: n.titleKey,
    bodyKey: n.bodyKey,
    params: { ...n.params },
    data: { ...n.data },
    status: n.status,
    channel: n.channel,
    createdAt: n.createdAt.toISOString(),
    ...(n.sentAt ? { sentAt: n.sentAt.toISOString() } : {}),
    ...(n.readAt ? { readAt: n.readAt.toISOString() } : {}),
    expiresAt: n.expiresAt.toISOString(),
  };
}

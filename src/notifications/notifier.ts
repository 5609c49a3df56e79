import { randomUUID } from "node:crypto";
import type { NotificationRepository } from "../store/chatRepositories.js";
import { NOTIFICATION_TTL_MS, notificationView, type NotificationRecord, type NotificationType, type NotificationView } from "./notificationRecords.js";

/**
 * The part of Colyseus `Presence` notifications travel on: `publish` reaches every subscriber
 * on every process with `RedisPresence` (DESIGN §1 presence port; STYLE §2: no in-process
 * EventEmitter for cross-process messaging).
 */
export interface NotificationPresence {
  publish(topic: string, data: unknown): unknown;
  subscribe(topic: string, callback: (data: unknown) => void): Promise<unknown>;
  unsubscribe(topic: string, callback?: (data: unknown) => void): unknown;
}

/** The presence topic of one user's live notifications. */
export function notificationTopic(userId: string): string {
  return `parley:notify:${userId}`;
}

/** What to notify: the i18n keys and their params, and the ids the app acts on. */
export interface NotificationDraft {
  userId: string;
  type: NotificationType;
  titleKey: string;
  bodyKey: string;
  params?: Record<string, string | number>;
  data?: Record<string, string | number | boolean>;
}

/**
 * Creates notifications (issue 9, seed 003 `notifications`): each is stored `pending` with a
 * 30-day expiry, then published on the user's presence topic; every room where the user has a
 * socket, on any process, sends it as `notification { notification }` and marks it `sent`
 * ({@link NotificationDelivery}). A user with no socket finds it `pending` in
 * `GET /api/notifications`.
 */
export class Notifier {
  constructor(
    private readonly store: NotificationRepository,
    private readonly presence: NotificationPresence,
    private readonly now: () => number,
    private readonly newId: () => string = randomUUID,
  ) {}

  /** Stores then publishes one notification. @returns the stored record */
  async notify(draft: NotificationDraft): Promise<NotificationRecord> {
    const at = this.now();
    const record: NotificationRecord = {
      id: this.newId(),
      userId: draft.userId,
      type: draft.type,
      titleKey: draft.titleKey,
      bodyKey: draft.bodyKey,
      params: { ...draft.params },
      data: { ...draft.data },
      status: "pending",
      channel: "in_app",
      createdAt: new Date(at),
      expiresAt: new Date(at + NOTIFICATION_TTL_MS),
    };
    await this.store.create(record);
    await this.presence.publish(notificationTopic(draft.userId), notificationView(record));
    return record;
  }
}

/**
 * A room's side of live notifications: {@link attach} subscribes to a connected user's topic
 * (once per user, however many sockets), hands each notification to `deliver`, and marks it
 * `sent`; {@link detach} unsubscribes when the user's last socket leaves.
 */
export class NotificationDelivery {
  private readonly subscribed = new Map<string, (data: unknown) => void>();

  constructor(
    private readonly store: NotificationRepository,
    private readonly presence: NotificationPresence,
    private readonly now: () => number,
    private readonly deliver: (userId: string, notification: NotificationView) => boolean,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Subscribes to `userId`'s notifications (idempotent). */
  async attach(userId: string): Promise<void> {
    if (this.subscribed.has(userId)) return;
    const callback = (data: unknown) => {
      const view = data as NotificationView;
      if (!this.deliver(userId, view)) return;
      this.store.markSent(userId, [view.id], new Date(this.now())).catch(this.onError);
    };
    this.subscribed.set(userId, callback);
    await this.presence.subscribe(notificationTopic(userId), callback);
  }

  /** Unsubscribes from `userId`'s notifications. */
  detach(userId: string): void {
    const callback = this.subscribed.get(userId);
    if (!callback) return;
    this.subscribed.delete(userId);
    this.presence.unsubscribe(notificationTopic(userId), callback);
  }

  /** Unsubscribes from every user (room dispose). */
  detachAll(): void {
    for (const userId of [...this.subscribed.keys()]) this.detach(userId);
  }
}

import type { ChannelMemberRecord, ChannelRecord, ChatMessageRecord } from "../chat/chatRecords.js";
import type { NotificationRecord, NotificationStatus } from "../notifications/notificationRecords.js";

/**
 * The chat and notification repositories (issue 9; seed 003 `event_messages`, `notifications`;
 * seed 004 `messages`, `rooms`, `room_members`). Messages and members are written by their
 * channel's one actor (DESIGN §1), so plain writes suffice; uniqueness that matters across
 * actors or restarts (a message per sender and `clientMessageId`, a member per channel) is a
 * unique index. Messages sort by (`createdAt`, `id`).
 */

/** A page of messages, oldest first; `nextCursor` (a message id, for `before=`) when older ones exist. */
export interface MessagePage {
  messages: ChatMessageRecord[];
  nextCursor?: string;
}

/** Messages of every channel (index (channelId, createdAt), sender, mentions, unique clientMessageId per sender). */
export interface MessageRepository {
  /**
   * Stores a new message.
   * @returns `inserted: false` and the stored message when the sender already sent that
   *   `clientMessageId` in that channel (the store's idempotency, across restarts)
   */
  insert(message: ChatMessageRecord): Promise<{ inserted: boolean; message: ChatMessageRecord }>;
  /** Writes the changeable fields of a stored message (text, mentions, reactions, correction, edit and delete marks). */
  update(message: ChatMessageRecord): Promise<void>;
  get(id: string): Promise<ChatMessageRecord | undefined>;
  /**
   * The newest `limit` messages of a channel older than `before` (a message id of that
   * channel; absent = the newest), oldest first.
   * @throws ParleyError `MESSAGE_NOT_FOUND` when `before` is not a message of the channel
   */
  listBefore(channelId: string, query: { before?: string; limit: number }): Promise<MessagePage>;
  /** The newest message of a channel. */
  latest(channelId: string): Promise<ChatMessageRecord | undefined>;
  /**
   * Messages of a channel after `afterMessageId` (all when absent) that `userId` did not send
   * and that are not deleted: the member's unread count (seed 004 `calculate_unread_count`).
   */
  countUnread(channelId: string, userId: string, afterMessageId?: string): Promise<number>;
  /**
   * Moderator search: messages whose text contains `text` (case-insensitive), newest first,
   * optionally in one channel. A substring scan (FerretDB 1.24 has no text index).
   */
  search(query: { text: string; channelId?: string; limit: number }): Promise<ChatMessageRecord[]>;
}

/** Lounges and DMs (seed 004 `rooms`, `direct_conversations`). */
export interface ChannelRepository {
  /** Creates the channel unless it exists. @returns the stored channel */
  ensure(channel: ChannelRecord): Promise<ChannelRecord>;
  get(id: string): Promise<ChannelRecord | undefined>;
  setSlowMode(id: string, seconds: number): Promise<void>;
  /** Records the time of the newest message. */
  touch(id: string, lastMessageAt: Date): Promise<void>;
}

/** Members of lounges and DMs (seed 004 `room_members`; unique (channelId, userId), index userId). */
export interface ChannelMemberRepository {
  /**
   * Adds a member, or refreshes its display name and avatar (the read cursor, the mute and
   * `joinedAt` stay). @returns the stored member
   */
  upsert(member: Pick<ChannelMemberRecord, "channelId" | "userId" | "displayName" | "avatarUrl" | "joinedAt">): Promise<ChannelMemberRecord>;
  get(channelId: string, userId: string): Promise<ChannelMemberRecord | undefined>;
  /** Members of a channel, earliest joined first, at most `limit`. */
  list(channelId: string, limit: number): Promise<ChannelMemberRecord[]>;
  /** The channels `userId` is a member of whose id starts with `prefix` (e.g. `dm:`). */
  listByUser(userId: string, prefix: string, limit: number): Promise<ChannelMemberRecord[]>;
  setReadCursor(channelId: string, userId: string, lastReadMessageId: string): Promise<void>;
  setMutedUntil(channelId: string, userId: string, mutedUntil: Date): Promise<void>;
}

/** A page of notifications, newest first; `nextCursor` (opaque) when more exist. */
export interface NotificationPage {
  items: NotificationRecord[];
  nextCursor?: string;
}

/** Notifications per user (seed 003; index (userId, status, createdAt), expiresAt). */
export interface NotificationRepository {
  create(notification: NotificationRecord): Promise<void>;
  /**
   * The user's notifications not expired at `now`, newest first.
   * @throws ParleyError `INVALID_REQUEST` for a cursor this repository did not hand out
   */
  list(userId: string, query: { status?: NotificationStatus; limit: number; cursor?: string; now: Date }): Promise<NotificationPage>;
  get(userId: string, id: string): Promise<NotificationRecord | undefined>;
  /** `pending → sent` for those of `ids` that are the user's and still pending. */
  markSent(userId: string, ids: readonly string[], at: Date): Promise<void>;
  /** Marks one of the user's notifications read (keeps the first `readAt`). @returns it, or undefined when not the user's */
  markRead(userId: string, id: string, at: Date): Promise<NotificationRecord | undefined>;
  /** Marks every unread notification of the user read. @returns how many changed */
  markAllRead(userId: string, at: Date): Promise<number>;
  /** Deletes notifications expired at `now` (no TTL index on FerretDB 1.24). @returns how many */
  pruneExpired(now: Date): Promise<number>;
}

/** The opaque cursor of a notification page: its last item's time and id. */
export function notificationCursor(n: Pick<NotificationRecord, "createdAt" | "id">): string {
  return Buffer.from(JSON.stringify([n.createdAt.getTime(), n.id])).toString("base64url");
}

/** Reads a {@link notificationCursor}. @returns undefined when it is not one */
export function parseNotificationCursor(cursor: string): { createdAt: Date; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === "string") return { createdAt: new Date(value[0] as number), id: value[1] };
  } catch {
    // not a cursor
  }
  return undefined;
}

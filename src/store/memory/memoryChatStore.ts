import { compareMessages } from "../../chat/channelCore.js";
import type { ChannelMemberRecord, ChannelRecord, ChatMessageRecord } from "../../chat/chatRecords.js";
import { ParleyError } from "../../errors/errorCodes.js";
import type { NotificationRecord } from "../../notifications/notificationRecords.js";
import {
  notificationCursor,
  parseNotificationCursor,
  type ChannelMemberRepository,
  type ChannelRepository,
  type MessagePage,
  type MessageRepository,
  type NotificationPage,
  type NotificationRepository,
} from "../chatRepositories.js";

/** Messages in memory, per channel in (createdAt, id) order. */
export class MemoryMessages implements MessageRepository {
  private readonly byId = new Map<string, ChatMessageRecord>();
  private readonly byChannel = new Map<string, ChatMessageRecord[]>();
  private readonly byClientId = new Map<string, string>();

  async insert(message: ChatMessageRecord): Promise<{ inserted: boolean; message: ChatMessageRecord }> {
    const key = JSON.stringify([message.channelId, message.sender.userId, message.clientMessageId]);
    const existing = this.byClientId.get(key);
    if (existing) return { inserted: false, message: structuredClone(this.byId.get(existing) as ChatMessageRecord) };
    if (this.byId.has(message.id)) throw new ParleyError("INVALID_REQUEST", `message ${message.id} exists`);
    const copy = structuredClone(message);
    this.byId.set(copy.id, copy);
    this.byClientId.set(key, copy.id);
    const list = this.byChannel.get(copy.channelId) ?? [];
    list.push(copy);
    list.sort(compareMessages);
    this.byChannel.set(copy.channelId, list);
    return { inserted: true, message: structuredClone(copy) };
  }

  async update(message: ChatMessageRecord): Promise<void> {
    const stored = this.byId.get(message.id);
    if (!stored) return;
    const { text, mentions, reactions, correction, isEdited, editedAt, isDeleted, deletedAt, deletedBy } = structuredClone(message);
    Object.assign(stored, { text, mentions, reactions, correction, isEdited, editedAt, isDeleted, deletedAt, deletedBy });
    for (const k of ["correction", "editedAt", "deletedAt", "deletedBy"] as const) if (stored[k] === undefined) delete stored[k];
  }

  async get(id: string): Promise<ChatMessageRecord | undefined> {
    const m = this.byId.get(id);
    return m && structuredClone(m);
  }

  async listBefore(channelId: string, query: { before?: string; limit: number }): Promise<MessagePage> {
    const list = this.byChannel.get(channelId) ?? [];
    let end = list.length;
    if (query.before !== undefined) {
      end = list.findIndex((m) => m.id === query.before);
      if (end === -1) throw new ParleyError("MESSAGE_NOT_FOUND", `before: no message ${query.before} in this channel`);
    }
    const start = Math.max(0, end - query.limit);
    const messages = list.slice(start, end).map((m) => structuredClone(m));
    return { messages, ...(start > 0 && messages[0] ? { nextCursor: messages[0].id } : {}) };
  }

  async latest(channelId: string): Promise<ChatMessageRecord | undefined> {
    const list = this.byChannel.get(channelId) ?? [];
    const last = list[list.length - 1];
    return last && structuredClone(last);
  }

  async countUnread(channelId: string, userId: string, afterMessageId?: string): Promise<number> {
    const list = this.byChannel.get(channelId) ?? [];
    const after = afterMessageId ? this.byId.get(afterMessageId) : undefined;
    return list.filter((m) => m.sender.userId !== userId && !m.isDeleted && (!after || compareMessages(m, after) > 0)).length;
  }

  async search(query: { text: string; channelId?: string; limit: number }): Promise<ChatMessageRecord[]> {
    const needle = query.text.toLocaleLowerCase();
    const pool = query.channelId ? (this.byChannel.get(query.channelId) ?? []) : [...this.byId.values()].sort(compareMessages);
    return pool
      .filter((m) => m.text.toLocaleLowerCase().includes(needle))
      .reverse()
      .slice(0, query.limit)
      .map((m) => structuredClone(m));
  }
}

/** Channels in memory. */
export class MemoryChannels implements ChannelRepository {
  private readonly byId = new Map<string, ChannelRecord>();

  async ensure(channel: ChannelRecord): Promise<ChannelRecord> {
    if (!this.byId.has(channel.id)) this.byId.set(channel.id, structuredClone(channel));
    return structuredClone(this.byId.get(channel.id) as ChannelRecord);
  }

  async get(id: string): Promise<ChannelRecord | undefined> {
    const c = this.byId.get(id);
    return c && structuredClone(c);
  }

  async setSlowMode(id: string, seconds: number): Promise<void> {
    const c = this.byId.get(id);
    if (c) c.slowModeSeconds = seconds;
  }

  async touch(id: string, lastMessageAt: Date): Promise<void> {
    const c = this.byId.get(id);
    if (c) c.lastMessageAt = new Date(lastMessageAt);
  }
}

/** Channel members in memory, keyed (channelId, userId). */
export class MemoryChannelMembers implements ChannelMemberRepository {
  private readonly byKey = new Map<string, ChannelMemberRecord>();

  async upsert(member: Pick<ChannelMemberRecord, "channelId" | "userId" | "displayName" | "avatarUrl" | "joinedAt">): Promise<ChannelMemberRecord> {
    const key = JSON.stringify([member.channelId, member.userId]);
    const stored = this.byKey.get(key);
    if (stored) {
      stored.displayName = member.displayName;
      if (member.avatarUrl) stored.avatarUrl = member.avatarUrl;
      else delete stored.avatarUrl;
    } else {
      const { channelId, userId, displayName, avatarUrl, joinedAt } = structuredClone(member);
      this.byKey.set(key, { channelId, userId, displayName, ...(avatarUrl ? { avatarUrl } : {}), joinedAt });
    }
    return structuredClone(this.byKey.get(key) as ChannelMemberRecord);
  }

  async get(channelId: string, userId: string): Promise<ChannelMemberRecord | undefined> {
    const m = this.byKey.get(JSON.stringify([channelId, userId]));
    return m && structuredClone(m);
  }

  async list(channelId: string, limit: number): Promise<ChannelMemberRecord[]> {
    return [...this.byKey.values()]
      .filter((m) => m.channelId === channelId)
      .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())
      .slice(0, limit)
      .map((m) => structuredClone(m));
  }

  async listByUser(userId: string, prefix: string, limit: number): Promise<ChannelMemberRecord[]> {
    return [...this.byKey.values()]
      .filter((m) => m.userId === userId && m.channelId.startsWith(prefix))
      .sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime())
      .slice(0, limit)
      .map((m) => structuredClone(m));
  }

  async setReadCursor(channelId: string, userId: string, lastReadMessageId: string): Promise<void> {
    const m = this.byKey.get(JSON.stringify([channelId, userId]));
    if (m) m.lastReadMessageId = lastReadMessageId;
  }

  async setMutedUntil(channelId: string, userId: string, mutedUntil: Date): Promise<void> {
    const m = this.byKey.get(JSON.stringify([channelId, userId]));
    if (m) m.mutedUntil = new Date(mutedUntil);
  }
}

/** Newest first: by createdAt, then id, both descending. */
function newestFirst(a: NotificationRecord, b: NotificationRecord): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** Notifications in memory. */
export class MemoryNotifications implements NotificationRepository {
  private readonly byId = new Map<string, NotificationRecord>();

  async create(notification: NotificationRecord): Promise<void> {
    if (this.byId.has(notification.id)) throw new ParleyError("INVALID_REQUEST", `notification ${notification.id} exists`);
    this.byId.set(notification.id, structuredClone(notification));
  }

  async list(userId: string, query: { status?: NotificationRecord["status"]; limit: number; cursor?: string; now: Date }): Promise<NotificationPage> {
    const after = query.cursor === undefined ? undefined : parseNotificationCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new ParleyError("INVALID_REQUEST", "cursor: not a cursor of this list");
    const all = [...this.byId.values()]
      .filter((n) => n.userId === userId && n.expiresAt > query.now && (!query.status || n.status === query.status))
      .sort(newestFirst)
      .filter((n) => !after || newestFirst(n, { createdAt: after.createdAt, id: after.id } as NotificationRecord) > 0);
    const items = all.slice(0, query.limit).map((n) => structuredClone(n));
    const last = items[items.length - 1];
    return { items, ...(all.length > items.length && last ? { nextCursor: notificationCursor(last) } : {}) };
  }

  async get(userId: string, id: string): Promise<NotificationRecord | undefined> {
    const n = this.byId.get(id);
    return n && n.userId === userId ? structuredClone(n) : undefined;
  }

  async markSent(userId: string, ids: readonly string[], at: Date): Promise<void> {
    for (const id of ids) {
      const n = this.byId.get(id);
      if (n && n.userId === userId && n.status === "pending") Object.assign(n, { status: "sent", sentAt: new Date(at) });
    }
  }

  async markRead(userId: string, id: string, at: Date): Promise<NotificationRecord | undefined> {
    const n = this.byId.get(id);
    if (!n || n.userId !== userId) return undefined;
    if (n.status !== "read") Object.assign(n, { status: "read", readAt: new Date(at) });
    return structuredClone(n);
  }

  async markAllRead(userId: string, at: Date): Promise<number> {
    let changed = 0;
    for (const n of this.byId.values()) {
      if (n.userId !== userId || n.status === "read") continue;
      Object.assign(n, { status: "read", readAt: new Date(at) });
      changed++;
    }
    return changed;
  }

  async pruneExpired(now: Date): Promise<number> {
    let n = 0;
    for (const [id, record] of this.byId) if (record.expiresAt <= now && this.byId.delete(id)) n++;
    return n;
  }
}

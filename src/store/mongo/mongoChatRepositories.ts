import type { Model } from "mongoose";
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
import type { ChannelDocument, ChannelMemberDocument, ChatModels, MessageDocument, NotificationDocument } from "./chatModels.js";
import { isDuplicateKeyError, splitPatch } from "./documentUpdates.js";

function toMessage(doc: MessageDocument): ChatMessageRecord {
  const { _id, ...fields } = doc;
  return { id: _id, ...fields, reactions: fields.reactions ?? {}, mentions: fields.mentions ?? [] };
}

function toChannel(doc: ChannelDocument): ChannelRecord {
  const { _id, ...fields } = doc;
  return { id: _id, ...fields };
}

function toMember(doc: ChannelMemberDocument): ChannelMemberRecord {
  const { _id: _ignored, ...fields } = doc;
  return fields;
}

function toNotification(doc: NotificationDocument): NotificationRecord {
  const { _id, ...fields } = doc;
  return { id: _id, ...fields };
}

const memberId = (channelId: string, userId: string) => JSON.stringify([channelId, userId]);
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** Documents strictly after (`$gt`) or before (`$lt`) a point of the (createdAt, _id) order. */
const beyond = (op: "$gt" | "$lt", at: Date, id: string) => ({ $or: [{ createdAt: { [op]: at } }, { createdAt: at, _id: { [op]: id } }] });

/** Messages in MongoDB; one channel's actor writes them, so plain updates suffice. */
export class MongoMessages implements MessageRepository {
  constructor(private readonly model: Model<MessageDocument>) {}

  async insert(message: ChatMessageRecord): Promise<{ inserted: boolean; message: ChatMessageRecord }> {
    const { id, ...fields } = message;
    try {
      await this.model.create({ ...fields, _id: id });
      return { inserted: true, message: structuredClone(message) };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.model.findOne({ channelId: message.channelId, "sender.userId": message.sender.userId, clientMessageId: message.clientMessageId }).lean<MessageDocument>().exec();
      if (!existing) throw new ParleyError("INVALID_REQUEST", `message ${id} exists`);
      return { inserted: false, message: toMessage(existing) };
    }
  }

  async update(message: ChatMessageRecord): Promise<void> {
    const { text, mentions, reactions, correction, isEdited, editedAt, isDeleted, deletedAt, deletedBy } = message;
    const { set, unset } = splitPatch({ text, mentions, reactions, correction, isEdited, editedAt, isDeleted, deletedAt, deletedBy });
    await this.model.updateOne({ _id: message.id }, { $set: set, ...(unset.length ? { $unset: Object.fromEntries(unset.map((k) => [k, ""])) } : {}) }).exec();
  }

  async get(id: string): Promise<ChatMessageRecord | undefined> {
    const doc = await this.model.findById(id).lean<MessageDocument>().exec();
    return doc ? toMessage(doc) : undefined;
  }

  async listBefore(channelId: string, query: { before?: string; limit: number }): Promise<MessagePage> {
    let filter: Record<string, unknown> = { channelId };
    if (query.before !== undefined) {
      const pivot = await this.model.findOne({ _id: query.before, channelId }).lean<MessageDocument>().exec();
      if (!pivot) throw new ParleyError("MESSAGE_NOT_FOUND", `before: no message ${query.before} in this channel`);
      filter = { channelId, ...beyond("$lt", pivot.createdAt, pivot._id) };
    }
    const docs = await this.model.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<MessageDocument[]>().exec();
    const more = docs.length > query.limit;
    const messages = docs.slice(0, query.limit).reverse().map(toMessage);
    return { messages, ...(more && messages[0] ? { nextCursor: messages[0].id } : {}) };
  }

  async latest(channelId: string): Promise<ChatMessageRecord | undefined> {
    const doc = await this.model.findOne({ channelId }).sort({ createdAt: -1, _id: -1 }).lean<MessageDocument>().exec();
    return doc ? toMessage(doc) : undefined;
  }

  async countUnread(channelId: string, userId: string, afterMessageId?: string): Promise<number> {
    const after = afterMessageId ? await this.model.findOne({ _id: afterMessageId, channelId }).lean<MessageDocument>().exec() : null;
    return this.model.countDocuments({ channelId, isDeleted: false, "sender.userId": { $ne: userId }, ...(after ? beyond("$gt", after.createdAt, after._id) : {}) }).exec();
  }

  async search(query: { text: string; channelId?: string; limit: number }): Promise<ChatMessageRecord[]> {
    const docs = await this.model
      .find({ ...(query.channelId ? { channelId: query.channelId } : {}), text: { $regex: escapeRegex(query.text), $options: "i" } })
      .sort({ createdAt: -1, _id: -1 })
      .limit(query.limit)
      .lean<MessageDocument[]>()
      .exec();
    return docs.map(toMessage);
  }
}

/** Channels in MongoDB (`_id` = channel id). */
export class MongoChannels implements ChannelRepository {
  constructor(private readonly model: Model<ChannelDocument>) {}

  async ensure(channel: ChannelRecord): Promise<ChannelRecord> {
    const { id, ...fields } = channel;
    try {
      await this.model.create({ ...fields, _id: id });
      return structuredClone(channel);
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const stored = await this.get(id);
      if (!stored) throw err;
      return stored;
    }
  }

  async get(id: string): Promise<ChannelRecord | undefined> {
    const doc = await this.model.findById(id).lean<ChannelDocument>().exec();
    return doc ? toChannel(doc) : undefined;
  }

  async setSlowMode(id: string, seconds: number): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { slowModeSeconds: seconds } }).exec();
  }

  async touch(id: string, lastMessageAt: Date): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: { lastMessageAt } }).exec();
  }
}

/** Channel members in MongoDB (unique (channelId, userId)). */
export class MongoChannelMembers implements ChannelMemberRepository {
  constructor(private readonly model: Model<ChannelMemberDocument>) {}

  async upsert(member: Pick<ChannelMemberRecord, "channelId" | "userId" | "displayName" | "avatarUrl" | "joinedAt">): Promise<ChannelMemberRecord> {
    const { channelId, userId, displayName, avatarUrl, joinedAt } = member;
    const _id = memberId(channelId, userId);
    try {
      await this.model.create({ _id, channelId, userId, displayName, ...(avatarUrl ? { avatarUrl } : {}), joinedAt });
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      await this.model.updateOne({ _id }, avatarUrl ? { $set: { displayName, avatarUrl } } : { $set: { displayName }, $unset: { avatarUrl: "" } }).exec();
    }
    const stored = await this.get(channelId, userId);
    if (!stored) throw new Error(`channel member ${_id} vanished after its write`);
    return stored;
  }

  async get(channelId: string, userId: string): Promise<ChannelMemberRecord | undefined> {
    const doc = await this.model.findById(memberId(channelId, userId)).lean<ChannelMemberDocument>().exec();
    return doc ? toMember(doc) : undefined;
  }

  async list(channelId: string, limit: number): Promise<ChannelMemberRecord[]> {
    const docs = await this.model.find({ channelId }).sort({ joinedAt: 1, _id: 1 }).limit(limit).lean<ChannelMemberDocument[]>().exec();
    return docs.map(toMember);
  }

  async listByUser(userId: string, prefix: string, limit: number): Promise<ChannelMemberRecord[]> {
    const docs = await this.model
      .find({ userId, channelId: { $regex: `^${escapeRegex(prefix)}` } })
      .sort({ joinedAt: 1, _id: 1 })
      .limit(limit)
      .lean<ChannelMemberDocument[]>()
      .exec();
    return docs.map(toMember);
  }

  async setReadCursor(channelId: string, userId: string, lastReadMessageId: string): Promise<void> {
    await this.model.updateOne({ _id: memberId(channelId, userId) }, { $set: { lastReadMessageId } }).exec();
  }

  async setMutedUntil(channelId: string, userId: string, mutedUntil: Date): Promise<void> {
    await this.model.updateOne({ _id: memberId(channelId, userId) }, { $set: { mutedUntil } }).exec();
  }
}

/** Notifications in MongoDB, newest first by (createdAt, _id). */
export class MongoNotifications implements NotificationRepository {
  constructor(private readonly model: Model<NotificationDocument>) {}

  async create(notification: NotificationRecord): Promise<void> {
    const { id, ...fields } = notification;
    await this.model.create({ ...fields, _id: id });
  }

  async list(userId: string, query: { status?: NotificationRecord["status"]; limit: number; cursor?: string; now: Date }): Promise<NotificationPage> {
    const after = query.cursor === undefined ? undefined : parseNotificationCursor(query.cursor);
    if (query.cursor !== undefined && !after) throw new ParleyError("INVALID_REQUEST", "cursor: not a cursor of this list");
    const filter = {
      userId,
      expiresAt: { $gt: query.now },
      ...(query.status ? { status: query.status } : {}),
      ...(after ? beyond("$lt", after.createdAt, after.id) : {}),
    };
    const docs = await this.model.find(filter).sort({ createdAt: -1, _id: -1 }).limit(query.limit + 1).lean<NotificationDocument[]>().exec();
    const items = docs.slice(0, query.limit).map(toNotification);
    const last = items[items.length - 1];
    return { items, ...(docs.length > query.limit && last ? { nextCursor: notificationCursor(last) } : {}) };
  }

  async get(userId: string, id: string): Promise<NotificationRecord | undefined> {
    const doc = await this.model.findOne({ _id: id, userId }).lean<NotificationDocument>().exec();
    return doc ? toNotification(doc) : undefined;
  }

  async markSent(userId: string, ids: readonly string[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.model.updateMany({ _id: { $in: [...ids] }, userId, status: "pending" }, { $set: { status: "sent", sentAt: at } }).exec();
  }

  async markRead(userId: string, id: string, at: Date): Promise<NotificationRecord | undefined> {
    await this.model.updateOne({ _id: id, userId, status: { $ne: "read" } }, { $set: { status: "read", readAt: at } }).exec();
    return this.get(userId, id);
  }

  async markAllRead(userId: string, at: Date): Promise<number> {
    const res = await this.model.updateMany({ userId, status: { $ne: "read" } }, { $set: { status: "read", readAt: at } }).exec();
    return res.modifiedCount;
  }

  async pruneExpired(now: Date): Promise<number> {
    const res = await this.model.deleteMany({ expiresAt: { $lte: now } }).exec();
    return res.deletedCount;
  }
}

/** The chat repositories over {@link ChatModels}. */
export function mongoChatRepositories(models: ChatModels) {
  return {
    messages: new MongoMessages(models.messages),
    channels: new MongoChannels(models.channels),
    channelMembers: new MongoChannelMembers(models.channelMembers),
    notifications: new MongoNotifications(models.notifications),
  };
}

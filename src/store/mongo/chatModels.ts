import { Schema, type Connection, type Model } from "mongoose";
import type { ChannelMemberRecord, ChannelRecord, ChatMessageRecord } from "../../chat/chatRecords.js";
import type { NotificationRecord } from "../../notifications/notificationRecords.js";

/**
 * The chat collections (issue 9) with the indexes of seeds 003/004 that FerretDB 1.24 supports:
 * `messages` (channel + createdAt, sender + createdAt, mentions, replyTo, unique clientMessageId
 * per sender and channel), `channels`, `channelMembers` (unique channel + user, user),
 * `notifications` (user + status + createdAt, expiresAt). Not created: the seed's text index
 * (FerretDB 1.24: "can't find index with key: { content: "text" }"; search scans a channel's
 * texts with a case-insensitive regex instead) and its TTL index (`expireAfterSeconds` not
 * implemented; `pruneExpired` deletes instead), nor partial indexes (refused too).
 */

/** A message as stored: the record with `_id` = its id. */
export interface MessageDocument extends Omit<ChatMessageRecord, "id"> {
  _id: string;
}

/** A channel as stored: `_id` = the channel id. */
export interface ChannelDocument extends Omit<ChannelRecord, "id"> {
  _id: string;
}

/** A member as stored: `_id` = JSON `[channelId, userId]`. */
export interface ChannelMemberDocument extends ChannelMemberRecord {
  _id: string;
}

/** A notification as stored: `_id` = its id. */
export interface NotificationDocument extends Omit<NotificationRecord, "id"> {
  _id: string;
}

const messageSchema = new Schema<MessageDocument>(
  {
    _id: { type: String, required: true },
    channelId: { type: String, required: true },
    kind: { type: String, required: true },
    text: { type: String, default: "" },
    sender: {
      userId: { type: String, required: true },
      displayName: { type: String, required: true },
      avatarUrl: String,
    },
    replyTo: String,
    mentions: { type: [String], default: [] },
    reactions: { type: Schema.Types.Mixed, default: {} },
    correction: Schema.Types.Mixed,
    isEdited: { type: Boolean, required: true },
    editedAt: Date,
    isDeleted: { type: Boolean, required: true },
    deletedAt: Date,
    deletedBy: String,
    createdAt: { type: Date, required: true },
    clientMessageId: { type: String, required: true },
  },
  // minimize: false keeps `reactions: {}` as written.
  { collection: "messages", versionKey: false, minimize: false },
);
messageSchema.index({ channelId: 1, createdAt: -1 }, { name: "idx_message_channel_created" });
messageSchema.index({ "sender.userId": 1, createdAt: -1 }, { name: "idx_message_sender_created" });
messageSchema.index({ mentions: 1 }, { name: "idx_message_mentions" });
messageSchema.index({ replyTo: 1 }, { name: "idx_message_reply_to" });
messageSchema.index({ channelId: 1, "sender.userId": 1, clientMessageId: 1 }, { name: "uniq_message_client_id", unique: true });

const channelSchema = new Schema<ChannelDocument>(
  {
    _id: { type: String, required: true },
    kind: { type: String, required: true },
    languageCode: String,
    memberIds: { type: [String], default: undefined },
    slowModeSeconds: { type: Number, required: true },
    createdAt: { type: Date, required: true },
    lastMessageAt: Date,
  },
  { collection: "channels", versionKey: false },
);

const memberSchema = new Schema<ChannelMemberDocument>(
  {
    _id: { type: String, required: true },
    channelId: { type: String, required: true },
    userId: { type: String, required: true },
    displayName: { type: String, required: true },
    avatarUrl: String,
    lastReadMessageId: String,
    mutedUntil: Date,
    joinedAt: { type: Date, required: true },
  },
  { collection: "channelMembers", versionKey: false },
);
memberSchema.index({ channelId: 1, userId: 1 }, { name: "uniq_member_channel_user", unique: true });
memberSchema.index({ userId: 1, channelId: 1 }, { name: "idx_member_user" });

const notificationSchema = new Schema<NotificationDocument>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    type: { type: String, required: true },
    titleKey: { type: String, required: true },
    bodyKey: { type: String, required: true },
    params: { type: Schema.Types.Mixed, default: {} },
    data: { type: Schema.Types.Mixed, default: {} },
    status: { type: String, required: true },
    channel: { type: String, required: true },
    createdAt: { type: Date, required: true },
    sentAt: Date,
    readAt: Date,
    expiresAt: { type: Date, required: true },
  },
  { collection: "notifications", versionKey: false, minimize: false },
);
notificationSchema.index({ userId: 1, status: 1, createdAt: -1 }, { name: "idx_notification_user_status_created" });
notificationSchema.index({ userId: 1, createdAt: -1 }, { name: "idx_notification_user_created" });
notificationSchema.index({ expiresAt: 1 }, { name: "idx_notification_expires" });

/** The chat models of one connection. */
export interface ChatModels {
  messages: Model<MessageDocument>;
  channels: Model<ChannelDocument>;
  channelMembers: Model<ChannelMemberDocument>;
  notifications: Model<NotificationDocument>;
}

/** Registers the chat models on `connection`. */
export function chatModels(connection: Connection): ChatModels {
  return {
    messages: connection.model<MessageDocument>("ChatMessage", messageSchema),
    channels: connection.model<ChannelDocument>("Channel", channelSchema),
    channelMembers: connection.model<ChannelMemberDocument>("ChannelMember", memberSchema),
    notifications: connection.model<NotificationDocument>("Notification", notificationSchema),
  };
}

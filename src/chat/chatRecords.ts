/**
 * The chat data model (seed 003 `event_messages`, seed 004 `messages`, `rooms`, `room_members`,
 * `direct_conversations`; DESIGN §5 "Chat payloads"). Times are `Date`s here, as in every store
 * record; the wire form is {@link ChatMessageView} (`src/chat/chatViews.ts`).
 */

/** The reactions a message accepts (DESIGN §5), in display order. */
export const REACTION_EMOJIS = ["👍", "❤️", "😂", "😮", "😢", "🙏", "👏", "🎉"] as const;

/** One of {@link REACTION_EMOJIS}. */
export type ReactionEmoji = (typeof REACTION_EMOJIS)[number];

/** `text` (a learner wrote it), `correction` (DESIGN §10), `system` (the service wrote it). */
export type ChatMessageKind = "text" | "correction" | "system";

/** The sender, denormalized into each message (seed 003 `senderInfo`). */
export interface ChatSender {
  userId: string;
  displayName: string;
  avatarUrl?: string;
}

/**
 * A correction of a partner's message (DESIGN §10): `original` occurs in the corrected message's
 * text; `offsetSeconds` counts from the session start (conversation channels) or, in lounges
 * and DMs, from the corrected message's `createdAt`.
 */
export interface ChatCorrection {
  messageId: string;
  original: string;
  corrected: string;
  note?: string;
  offsetSeconds: number;
}

/**
 * One stored message (DESIGN §5). `reactions` maps an emoji to the users who put it, in the
 * order they did; a deleted message keeps its id and `clientMessageId` with `text: ""`, no
 * mentions, reactions nor correction (the tombstone). `clientMessageId` is unique per
 * (`channelId`, sender): a re-sent message is the same message.
 */
export interface ChatMessageRecord {
  id: string;
  channelId: string;
  kind: ChatMessageKind;
  text: string;
  sender: ChatSender;
  replyTo?: string;
  mentions: string[];
  reactions: Partial<Record<ReactionEmoji, string[]>>;
  correction?: ChatCorrection;
  isEdited: boolean;
  editedAt?: Date;
  isDeleted: boolean;
  deletedAt?: Date;
  deletedBy?: string;
  createdAt: Date;
  clientMessageId: string;
}

/** What a channel is (DESIGN §5 `lounge` room, §1): a conversation session's chat, a language lounge, a partner DM. */
export type ChannelKind = "session" | "lounge" | "dm";

/**
 * A persistent channel (seed 004 `rooms` / `direct_conversations`): a lounge (`lounge:<lang>`)
 * or a DM (`dm:<a>:<b>`). `slowModeSeconds` 0–3600 (seed 004 `slow_mode_seconds`): seconds a
 * member waits between two messages (moderators exempt). `memberIds` lists a DM's two users.
 */
export interface ChannelRecord {
  id: string;
  kind: Exclude<ChannelKind, "session">;
  languageCode?: string;
  memberIds?: string[];
  slowModeSeconds: number;
  createdAt: Date;
  lastMessageAt?: Date;
}

/**
 * A member of a channel (seed 004 `room_members`): the name mentions resolve against, the
 * read cursor (`lastReadMessageId`, unread counts start after it) and a mute.
 */
export interface ChannelMemberRecord {
  channelId: string;
  userId: string;
  displayName: string;
  avatarUrl?: string;
  lastReadMessageId?: string;
  mutedUntil?: Date;
  joinedAt: Date;
}

import { z } from "zod";
import type { ChatMessageRecord } from "./chatRecords.js";

/**
 * The chat part of the client protocol (DESIGN §5 "Chat payloads"), shared by the
 * `conversation` and `lounge` rooms: a zod schema per client → server message (strict: unknown
 * fields are refused with `error {code:"INVALID_REQUEST"}`), and the wire form of a message.
 * Lengths here only bound the raw input; the rules (trim, NFC, 1–2000 characters, no control
 * characters) are `normalizeChatText`'s.
 */

const messageIdSchema = z.string().min(1).max(64);
/** Raw text bound: 2000 characters of up to 4 UTF-16 units each would not pass the rules anyway. */
const rawTextSchema = z.string().max(8000);
const clientMessageIdSchema = z.string().min(1).max(64);

/** `chat_send { text, replyTo?, clientMessageId }`. */
export const chatSendSchema = z.strictObject({ text: rawTextSchema, replyTo: messageIdSchema.optional(), clientMessageId: clientMessageIdSchema });
/** `chat_edit { messageId, text }`: the author, within 15 minutes. */
export const chatEditSchema = z.strictObject({ messageId: messageIdSchema, text: rawTextSchema });
/** `chat_delete { messageId }`: the author or a moderator; soft delete. */
export const chatDeleteSchema = z.strictObject({ messageId: messageIdSchema });
/** `chat_react { messageId, emoji, on }`: one reaction per user per emoji. */
export const chatReactSchema = z.strictObject({ messageId: messageIdSchema, emoji: z.string().min(1).max(16), on: z.boolean() });
/** `chat_read { upToMessageId }`: moves the sender's read cursor forward. */
export const chatReadSchema = z.strictObject({ upToMessageId: messageIdSchema });
/** `chat_correct { messageId, original, corrected, note?, clientMessageId? }` (DESIGN §10). */
export const chatCorrectSchema = z.strictObject({
  messageId: messageIdSchema,
  original: rawTextSchema,
  corrected: rawTextSchema,
  note: z.string().max(1200).optional(),
  clientMessageId: clientMessageIdSchema.optional(),
});
/** `typing {}`: relayed as `typing { userId }` to the others, throttled, never stored. */
export const typingSchema = z.strictObject({});
/** `chat_mute { userId, minutes }` (lounge moderators): the user cannot post for 1–10080 minutes. */
export const chatMuteSchema = z.strictObject({ userId: z.string().min(1).max(128), minutes: z.number().int().min(1).max(10_080) });
/** `chat_slow_mode { seconds }` (lounge moderators): 0–3600 seconds between two messages of a member (seed 004). */
export const chatSlowModeSchema = z.strictObject({ seconds: z.number().int().min(0).max(3600) });

/** Every chat client → server message schema, by type. */
export const chatClientMessages = {
  chat_send: chatSendSchema,
  chat_edit: chatEditSchema,
  chat_delete: chatDeleteSchema,
  chat_react: chatReactSchema,
  chat_read: chatReadSchema,
  chat_correct: chatCorrectSchema,
} as const;

/** The decoded payload of each chat client → server message. */
export type ChatClientMessage = { [K in keyof typeof chatClientMessages]: z.infer<(typeof chatClientMessages)[K]> };

/** A message on the wire (DESIGN §5): the record with ISO 8601 times, without `deletedBy`/`deletedAt`. */
export type ChatMessageView = Omit<ChatMessageRecord, "editedAt" | "createdAt" | "deletedAt" | "deletedBy"> & {
  editedAt?: string;
  createdAt: string;
};

/** The wire form of a stored message. `deletedBy`/`deletedAt` stay server-side. */
export function chatMessageView(m: ChatMessageRecord): ChatMessageView {
  return {
    id: m.id,
    channelId: m.channelId,
    kind: m.kind,
    text: m.text,
    sender: { userId: m.sender.userId, displayName: m.sender.displayName, ...(m.sender.avatarUrl ? { avatarUrl: m.sender.avatarUrl } : {}) },
    ...(m.replyTo ? { replyTo: m.replyTo } : {}),
    mentions: [...m.mentions],
    reactions: structuredClone(m.reactions),
    ...(m.correction ? { correction: { ...m.correction } } : {}),
    isEdited: m.isEdited,
    ...(m.editedAt ? { editedAt: m.editedAt.toISOString() } : {}),
    isDeleted: m.isDeleted,
    createdAt: m.createdAt.toISOString(),
    clientMessageId: m.clientMessageId,
  };
}

/** Server → client chat messages (DESIGN §5 "Chat payloads"), by type. */
export interface ChatServerMessages {
  chat_message: ChatMessageView;
  chat_updated: ChatMessageView;
  chat_read: { userId: string; upToMessageId: string };
  /** The last 50, oldest first, after every join and reconnection; `readCursors` maps userId → last read message id. */
  chat_history: { messages: ChatMessageView[]; readCursors: Record<string, string>; unreadCount?: number };
  typing: { userId: string };
  chat_muted: { userId: string; until: string };
  slow_mode: { seconds: number };
}

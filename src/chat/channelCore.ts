import { randomBytes } from "node:crypto";
import { ParleyError } from "../errors/errorCodes.js";
import type { ChatMessageRecord, ChatSender, ReactionEmoji } from "./chatRecords.js";
import type { ChatClientMessage, ChatServerMessages } from "./chatMessages.js";
import { chatMessageView } from "./chatMessages.js";
import { isReactionEmoji, MAX_CORRECTION_NOTE_CHARS, normalizeChatText, resolveMentions } from "./chatText.js";

/** How long the author may edit a message, in ms (issue 9: 15 minutes). */
export const EDIT_WINDOW_MS = 15 * 60 * 1000;
/** Messages sent in `chat_history` after a join (DESIGN §5: the last 50). */
export const HISTORY_LIMIT = 50;
/** Messages a core keeps in memory; older ones are read from the store and {@link ChannelCore.remember}ed. */
export const BUFFER_LIMIT = 500;
/** Smallest interval between two `typing` relays of one user, in ms. */
export const TYPING_THROTTLE_MS = 2000;

/** Who runs a command: the verified user, and whether they moderate (moderator/admin role). */
export interface ChatActor extends ChatSender {
  moderator: boolean;
}

/** A write the room persists, in order, before it sends anything (DESIGN §1 effects). */
export type ChatWrite =
  | { kind: "insert_message"; message: ChatMessageRecord }
  | { kind: "update_message"; message: ChatMessageRecord }
  | { kind: "read_cursor"; userId: string; lastReadMessageId: string }
  | { kind: "mute"; userId: string; mutedUntil: Date }
  | { kind: "slow_mode"; seconds: number };

/** Who gets an outgoing message: everyone connected, everyone but one user, or one user. */
export type ChatRecipients = { to: "all" } | { to: "others"; userId: string } | { to: "user"; userId: string };

/** A message to send once the writes are stored. */
export type ChatOutgoing = { [K in keyof ChatServerMessages]: ChatRecipients & { type: K; payload: ChatServerMessages[K] } }[keyof ChatServerMessages];

/** Someone to notify about a message (a mention). */
export interface ChatNotice {
  type: "mention";
  userId: string;
  message: ChatMessageRecord;
}

/** A moderation action for the audit log (seeds 003/004, DESIGN §7). */
export interface ChatAudit {
  actorUserId: string;
  action: "chat.delete" | "chat.mute" | "chat.slow_mode";
  target: string;
  details: Record<string, unknown>;
}

/**
 * What a command decided (DESIGN §1 "functional core, imperative shell"): the room persists
 * `writes` in order, then sends `send`, then creates the notifications and the audit entry.
 * `message` is the message created or changed, if any. An empty result means "nothing to do"
 * (an idempotent repeat).
 */
export interface ChannelEffects {
  writes: ChatWrite[];
  send: ChatOutgoing[];
  notices: ChatNotice[];
  audit?: ChatAudit;
  message?: ChatMessageRecord;
  /** True when a `chat_send` repeated a `clientMessageId`: `message` is the earlier one, nothing written. */
  duplicate?: boolean;
}

/** A member of the channel as the core knows it: for mentions, read cursors and mutes. */
export interface ChannelMember {
  userId: string;
  displayName: string;
  lastReadMessageId?: string;
  /** Epoch ms; absent or past = not muted. */
  mutedUntil?: number;
}

/** Options of {@link ChannelCore}. */
export interface ChannelCoreOptions {
  channelId: string;
  /** The session's start, epoch ms (undefined before it started): correction offsets count from it (conversation channels). */
  sessionStart?: () => number | undefined;
  /** Seconds a member waits between two messages; moderators exempt. @default 0 */
  slowModeSeconds?: number;
  /** @default {@link BUFFER_LIMIT} */
  bufferLimit?: number;
  /** Random suffix of message ids. @default 4 random bytes, hex */
  idSuffix?: () => string;
}

const NOTHING: ChannelEffects = Object.freeze({ writes: [], send: [], notices: [] }) as ChannelEffects;

/** Orders two messages: by `createdAt`, then id (ids are time-ordered within a channel). */
export function compareMessages(a: Pick<ChatMessageRecord, "createdAt" | "id">, b: Pick<ChatMessageRecord, "createdAt" | "id">): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The live state of one chat channel — a conversation session's chat, a language lounge or a
 * DM — and its rules (issue 9, DESIGN §5 "Chat payloads", seeds 003/004). Pure: no Colyseus, no
 * I/O; every command takes `now` (epoch ms) and returns {@link ChannelEffects}, or throws a
 * `ParleyError` and changes nothing:
 * `INVALID_REQUEST` (bad text, emoji outside the set, reply to another channel, edit window
 * over, correction whose `original` is not in the message), `MESSAGE_NOT_FOUND` (unknown id),
 * `FORBIDDEN` (not the author, not a moderator, muted), `RATE_LIMITED` (slow mode, with
 * `retryAfterSeconds`).
 *
 * It holds the last {@link BUFFER_LIMIT} messages; the room loads an older message named by a
 * command with {@link remember} before calling it. Message ids are time-ordered
 * (`<ms base36>-<counter>-<random>`), so they sort like `createdAt` within the channel.
 */
export class ChannelCore {
  readonly channelId: string;
  private readonly sessionStart: () => number | undefined;
  private slowMode: number;
  private readonly bufferLimit: number;
  private readonly idSuffix: () => string;
  /** Buffered messages, oldest first. */
  private readonly ordered: ChatMessageRecord[] = [];
  private readonly byId = new Map<string, ChatMessageRecord>();
  private readonly byClientId = new Map<string, string>();
  private readonly members = new Map<string, ChannelMember>();
  /** Epoch ms of each user's last message (slow mode); created at the first message. */
  private lastSentAt: Map<string, number> | undefined;
  /** Epoch ms of each user's last relayed `typing`; created at the first one. */
  private lastTypingAt: Map<string, number> | undefined;
  private lastIdMs = 0;
  private idCounter = 0;

  constructor(options: ChannelCoreOptions) {
    this.channelId = options.channelId;
    this.sessionStart = options.sessionStart ?? (() => undefined);
    this.slowMode = options.slowModeSeconds ?? 0;
    this.bufferLimit = options.bufferLimit ?? BUFFER_LIMIT;
    this.idSuffix = options.idSuffix ?? (() => randomBytes(4).toString("hex"));
  }

  /** Seconds between two messages of a member (0 = off). */
  get slowModeSeconds(): number {
    return this.slowMode;
  }

  /** Adds or refreshes a member (on join, or loaded from the store). Keeps a known cursor and mute unless given. */
  addMember(member: ChannelMember): void {
    const known = this.members.get(member.userId);
    this.members.set(member.userId, { ...known, ...member, lastReadMessageId: member.lastReadMessageId ?? known?.lastReadMessageId, mutedUntil: member.mutedUntil ?? known?.mutedUntil });
  }

  /** A member's read cursor and mute, if known. */
  member(userId: string): ChannelMember | undefined {
    const m = this.members.get(userId);
    return m && { ...m };
  }

  /** Read cursors of the known members: userId → last read message id. */
  readCursors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const m of this.members.values()) if (m.lastReadMessageId) out[m.userId] = m.lastReadMessageId;
    return out;
  }

  /** True when the message is buffered. */
  has(messageId: string): boolean {
    return this.byId.has(messageId);
  }

  /** A buffered message (a copy). */
  get(messageId: string): ChatMessageRecord | undefined {
    const m = this.byId.get(messageId);
    return m && structuredClone(m);
  }

  /**
   * Puts stored messages into the buffer (history at room start, or an older message a command
   * names). Messages of another channel are ignored; a buffered one is not replaced.
   */
  remember(messages: readonly ChatMessageRecord[]): void {
    for (const m of messages) {
      if (m.channelId !== this.channelId || this.byId.has(m.id)) continue;
      const copy = structuredClone(m);
      this.byId.set(copy.id, copy);
      this.byClientId.set(clientKey(copy.sender.userId, copy.clientMessageId), copy.id);
      const last = this.ordered[this.ordered.length - 1];
      const at = !last || compareMessages(last, copy) < 0 ? -1 : this.ordered.findIndex((o) => compareMessages(copy, o) < 0);
      if (at === -1) this.ordered.push(copy);
      else this.ordered.splice(at, 0, copy);
      this.lastIdMs = Math.max(this.lastIdMs, copy.createdAt.getTime());
    }
    this.trim();
  }

  /**
   * Puts a message back as the store has it after its write failed for good: the stored
   * version replaces the buffered one, or the message leaves the buffer when the store has none
   * (or could not be read; {@link remember} brings it back when a command names it again).
   */
  restore(messageId: string, stored: ChatMessageRecord | undefined): void {
    const buffered = this.byId.get(messageId);
    if (buffered) {
      this.byId.delete(messageId);
      this.byClientId.delete(clientKey(buffered.sender.userId, buffered.clientMessageId));
      this.ordered.splice(this.ordered.indexOf(buffered), 1);
    }
    if (stored) this.remember([stored]);
  }

  /** The last `limit` buffered messages, oldest first (copies). */
  history(limit = HISTORY_LIMIT): ChatMessageRecord[] {
    return this.ordered.slice(-limit).map((m) => structuredClone(m));
  }

  /** `chat_send`: a new text message. Idempotent by `clientMessageId` per sender. */
  send(actor: ChatActor, cmd: ChatClientMessage["chat_send"], now: number): ChannelEffects {
    const earlier = this.byClientId.get(clientKey(actor.userId, cmd.clientMessageId));
    if (earlier) return this.duplicateOf(actor, earlier);
    this.assertMayPost(actor, now);
    const text = normalizeChatText(cmd.text);
    if (cmd.replyTo !== undefined) this.find(cmd.replyTo, "replyTo");
    const message = this.create(actor, now, { kind: "text", text, clientMessageId: cmd.clientMessageId, ...(cmd.replyTo ? { replyTo: cmd.replyTo } : {}) });
    return this.created(actor, message, now);
  }

  /** `chat_correct` (DESIGN §10): a correction of a partner's text message. */
  correct(actor: ChatActor, cmd: ChatClientMessage["chat_correct"], now: number): ChannelEffects {
    const clientMessageId = cmd.clientMessageId ?? `correction:${cmd.messageId}:${actor.userId}:${now}`;
    const earlier = this.byClientId.get(clientKey(actor.userId, clientMessageId));
    if (earlier) return this.duplicateOf(actor, earlier);
    const target = this.find(cmd.messageId, "messageId");
    if (target.sender.userId === actor.userId) throw new ParleyError("INVALID_REQUEST", "a correction is for a partner's message, not your own");
    if (target.kind !== "text" || target.isDeleted) throw new ParleyError("INVALID_REQUEST", "only a partner's text message can be corrected");
    this.assertMayPost(actor, now);
    const original = normalizeChatText(cmd.original, "original");
    const corrected = normalizeChatText(cmd.corrected, "corrected");
    const note = cmd.note === undefined ? undefined : normalizeChatText(cmd.note, "note", MAX_CORRECTION_NOTE_CHARS);
    if (!target.text.includes(original)) throw new ParleyError("INVALID_REQUEST", "original: must occur in the corrected message");
    const from = this.sessionStart() ?? target.createdAt.getTime();
    const offsetSeconds = Math.max(0, Math.floor((now - from) / 1000));
    const message = this.create(actor, now, {
      kind: "correction",
      text: corrected,
      clientMessageId,
      replyTo: target.id,
      correction: { messageId: target.id, original, corrected, ...(note !== undefined ? { note } : {}), offsetSeconds },
    });
    return this.created(actor, message, now);
  }

  /** `chat_edit`: the author changes a text message within {@link EDIT_WINDOW_MS}. */
  edit(actor: ChatActor, cmd: ChatClientMessage["chat_edit"], now: number): ChannelEffects {
    const target = this.find(cmd.messageId, "messageId");
    if (target.sender.userId !== actor.userId) throw new ParleyError("FORBIDDEN", "only the author can edit a message");
    if (target.isDeleted) throw new ParleyError("INVALID_REQUEST", "a deleted message cannot be edited");
    if (target.kind !== "text") throw new ParleyError("INVALID_REQUEST", `a ${target.kind} message cannot be edited`);
    if (now - target.createdAt.getTime() > EDIT_WINDOW_MS) throw new ParleyError("INVALID_REQUEST", "a message can be edited for 15 minutes after it was sent");
    const text = normalizeChatText(cmd.text);
    if (text === target.text) return NOTHING;
    const before = new Set(target.mentions);
    target.text = text;
    target.mentions = resolveMentions(text, this.members.values());
    target.isEdited = true;
    target.editedAt = new Date(now);
    const newlyMentioned = target.mentions.filter((u) => !before.has(u));
    return this.updated(target, this.mentionNotices(actor, target, newlyMentioned));
  }

  /** `chat_delete`: soft delete by the author or a moderator (text removed, tombstone kept). */
  delete(actor: ChatActor, cmd: ChatClientMessage["chat_delete"], now: number): ChannelEffects {
    const target = this.find(cmd.messageId, "messageId");
    const own = target.sender.userId === actor.userId;
    if (!own && !actor.moderator) throw new ParleyError("FORBIDDEN", "only the author or a moderator can delete a message");
    if (target.isDeleted) return NOTHING;
    target.text = "";
    target.mentions = [];
    target.reactions = {};
    delete target.correction;
    target.isDeleted = true;
    target.deletedAt = new Date(now);
    target.deletedBy = actor.userId;
    const effects = this.updated(target, []);
    if (!own) effects.audit = { actorUserId: actor.userId, action: "chat.delete", target: `message:${target.id}`, details: { channelId: this.channelId, authorUserId: target.sender.userId } };
    return effects;
  }

  /** `chat_react`: puts (`on`) or takes back one reaction of the set; repeating is a no-op. */
  react(actor: ChatActor, cmd: ChatClientMessage["chat_react"], _now: number): ChannelEffects {
    const emoji = cmd.emoji.normalize("NFC");
    if (!isReactionEmoji(emoji)) throw new ParleyError("INVALID_REQUEST", "emoji: one of 👍 ❤️ 😂 😮 😢 🙏 👏 🎉");
    const target = this.find(cmd.messageId, "messageId");
    if (target.isDeleted) throw new ParleyError("INVALID_REQUEST", "a deleted message takes no reactions");
    const users = target.reactions[emoji] ?? [];
    const has = users.includes(actor.userId);
    if (has === cmd.on) return NOTHING;
    const next = cmd.on ? [...users, actor.userId] : users.filter((u) => u !== actor.userId);
    if (next.length > 0) target.reactions[emoji as ReactionEmoji] = next;
    else delete target.reactions[emoji as ReactionEmoji];
    return this.updated(target, []);
  }

  /** `chat_read`: moves the actor's read cursor forward to a message (backwards is a no-op). */
  read(actor: ChatActor, cmd: ChatClientMessage["chat_read"], _now: number): ChannelEffects {
    const target = this.find(cmd.upToMessageId, "upToMessageId");
    const member = this.members.get(actor.userId) ?? { userId: actor.userId, displayName: actor.displayName };
    const current = member.lastReadMessageId ? this.byId.get(member.lastReadMessageId) : undefined;
    if (member.lastReadMessageId === target.id || (current && compareMessages(current, target) >= 0)) return NOTHING;
    this.members.set(actor.userId, { ...member, lastReadMessageId: target.id });
    return {
      writes: [{ kind: "read_cursor", userId: actor.userId, lastReadMessageId: target.id }],
      send: [{ to: "all", type: "chat_read", payload: { userId: actor.userId, upToMessageId: target.id } }],
      notices: [],
    };
  }

  /** `typing`: relayed to the others at most once per {@link TYPING_THROTTLE_MS} per user; never stored. */
  typing(actor: ChatActor, now: number): ChannelEffects {
    const last = this.lastTypingAt?.get(actor.userId);
    if (last !== undefined && now - last < TYPING_THROTTLE_MS) return NOTHING;
    (this.lastTypingAt ??= new Map()).set(actor.userId, now);
    return { writes: [], send: [{ to: "others", userId: actor.userId, type: "typing", payload: { userId: actor.userId } }], notices: [] };
  }

  /** `chat_mute` (moderators): `userId` cannot post for `minutes`. */
  mute(actor: ChatActor, cmd: { userId: string; minutes: number }, now: number): ChannelEffects {
    if (!actor.moderator) throw new ParleyError("FORBIDDEN", "only moderators can mute");
    const until = new Date(now + cmd.minutes * 60_000);
    const member = this.members.get(cmd.userId) ?? { userId: cmd.userId, displayName: cmd.userId };
    this.members.set(cmd.userId, { ...member, mutedUntil: until.getTime() });
    return {
      writes: [{ kind: "mute", userId: cmd.userId, mutedUntil: until }],
      send: [{ to: "all", type: "chat_muted", payload: { userId: cmd.userId, until: until.toISOString() } }],
      notices: [],
      audit: { actorUserId: actor.userId, action: "chat.mute", target: `user:${cmd.userId}`, details: { channelId: this.channelId, minutes: cmd.minutes, until: until.toISOString() } },
    };
  }

  /** `chat_slow_mode` (moderators): seconds between two messages of a member, 0 = off. */
  setSlowMode(actor: ChatActor, cmd: { seconds: number }, _now: number): ChannelEffects {
    if (!actor.moderator) throw new ParleyError("FORBIDDEN", "only moderators can change slow mode");
    if (cmd.seconds === this.slowMode) return NOTHING;
    const previous = this.slowMode;
    this.slowMode = cmd.seconds;
    return {
      writes: [{ kind: "slow_mode", seconds: cmd.seconds }],
      send: [{ to: "all", type: "slow_mode", payload: { seconds: cmd.seconds } }],
      notices: [],
      audit: { actorUserId: actor.userId, action: "chat.slow_mode", target: `channel:${this.channelId}`, details: { seconds: cmd.seconds, previous } },
    };
  }

  /** A buffered message of this channel. @throws ParleyError `MESSAGE_NOT_FOUND` */
  private find(messageId: string, field: string): ChatMessageRecord {
    const m = this.byId.get(messageId);
    if (!m) throw new ParleyError("MESSAGE_NOT_FOUND", `${field}: no message ${messageId} in this channel`);
    return m;
  }

  /** @throws ParleyError `FORBIDDEN` while muted, `RATE_LIMITED` under slow mode */
  private assertMayPost(actor: ChatActor, now: number): void {
    const mutedUntil = this.members.get(actor.userId)?.mutedUntil;
    if (mutedUntil !== undefined && mutedUntil > now) throw new ParleyError("FORBIDDEN", `you are muted until ${new Date(mutedUntil).toISOString()}`);
    if (this.slowMode > 0 && !actor.moderator) {
      const last = this.lastSentAt?.get(actor.userId);
      const waitMs = last === undefined ? 0 : last + this.slowMode * 1000 - now;
      if (waitMs > 0) throw new ParleyError("RATE_LIMITED", `slow mode: one message every ${this.slowMode} s`, { retryAfterSeconds: Math.ceil(waitMs / 1000) });
    }
  }

  private create(actor: ChatActor, now: number, fields: Pick<ChatMessageRecord, "kind" | "text" | "clientMessageId"> & Partial<ChatMessageRecord>): ChatMessageRecord {
    const at = Math.max(now, this.lastIdMs);
    this.idCounter = at === this.lastIdMs ? this.idCounter + 1 : 0;
    this.lastIdMs = at;
    const id = `${at.toString(36).padStart(9, "0")}-${this.idCounter.toString(36).padStart(4, "0")}-${this.idSuffix()}`;
    const message: ChatMessageRecord = {
      id,
      channelId: this.channelId,
      sender: { userId: actor.userId, displayName: actor.displayName, ...(actor.avatarUrl ? { avatarUrl: actor.avatarUrl } : {}) },
      mentions: resolveMentions(fields.text, this.members.values()),
      reactions: {},
      isEdited: false,
      isDeleted: false,
      createdAt: new Date(at),
      ...fields,
    };
    this.remember([message]);
    (this.lastSentAt ??= new Map()).set(actor.userId, now);
    return this.byId.get(id) ?? message;
  }

  private created(actor: ChatActor, message: ChatMessageRecord, _now: number): ChannelEffects {
    return {
      writes: [{ kind: "insert_message", message: structuredClone(message) }],
      send: [{ to: "all", type: "chat_message", payload: chatMessageView(message) }],
      notices: this.mentionNotices(actor, message, message.mentions),
      message: structuredClone(message),
    };
  }

  private updated(message: ChatMessageRecord, notices: ChatNotice[]): ChannelEffects {
    return {
      writes: [{ kind: "update_message", message: structuredClone(message) }],
      send: [{ to: "all", type: "chat_updated", payload: chatMessageView(message) }],
      notices,
      message: structuredClone(message),
    };
  }

  private duplicateOf(actor: ChatActor, messageId: string): ChannelEffects {
    const message = this.byId.get(messageId);
    if (!message) return NOTHING;
    return { writes: [], send: [{ to: "user", userId: actor.userId, type: "chat_message", payload: chatMessageView(message) }], notices: [], message: structuredClone(message), duplicate: true };
  }

  private mentionNotices(actor: ChatActor, message: ChatMessageRecord, userIds: readonly string[]): ChatNotice[] {
    return userIds.filter((u) => u !== actor.userId).map((userId) => ({ type: "mention", userId, message: structuredClone(message) }));
  }

  private trim(): void {
    while (this.ordered.length > this.bufferLimit) {
      const dropped = this.ordered.shift();
      if (!dropped) break;
      this.byId.delete(dropped.id);
      this.byClientId.delete(clientKey(dropped.sender.userId, dropped.clientMessageId));
    }
  }
}

function clientKey(userId: string, clientMessageId: string): string {
  return `${userId}\u0000${clientMessageId}`;
}

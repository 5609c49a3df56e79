import type { Client, Room } from "@colyseus/core";
import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import type { ChannelCore, ChannelEffects, ChatActor, ChatRecipients, ChatWrite } from "../src/chat/channelCore.js";
import { chatCorrectSchema, chatDeleteSchema, chatEditSchema, chatMessageView, chatReactSchema, chatReadSchema, chatSendSchema, typingSchema } from "../src/chat/chatMessages.js";
import type { ChatMessageRecord } from "../src/chat/chatRecords.js";
import { ParleyError } from "../src/errors/errorCodes.js";
import { consumeOrThrow } from "../src/limits/rateLimits.js";
import { NotificationDelivery, Notifier, type NotificationPresence } from "../src/notifications/notifier.js";
import type { Store } from "../src/store/repositories.js";
import { onValidatedMessage, type MessageRoute, type MessageRoutes } from "./guardedMessages.js";

/** Chat commands a user may run per window (issue 9: 20 messages / 10 s per user). */
export const CHAT_RATE_POINTS = 20;
/** The window of {@link CHAT_RATE_POINTS}, in seconds. */
export const CHAT_RATE_WINDOW_SECONDS = 10;

/** What the chat glue needs from its room. `now` in epoch ms. */
export interface ChatRoomPorts {
  store: Store;
  logger: Logger;
  now: () => number;
  /** The room's presence: notifications are published and received on it (any process). */
  presence: NotificationPresence;
  /** The room's clients of one user. */
  clientsOf(userId: string): Client[];
  /** Everyone connected. */
  allClients(): Client[];
  /**
   * Runs `task` in the room's one ordered I/O queue (`RoomIoQueue.run`, retried: every chat
   * write is idempotent); resolves or rejects with it.
   */
  enqueue<T>(task: () => Promise<T>): Promise<T>;
  /** The room's chat may run commands now (e.g. the session is live). @throws ParleyError */
  assertOpen?(): void;
  /** Called after a new message was stored and sent (DM notifications). */
  afterMessage?(message: ChatMessageRecord): void;
}

/** The verified user of a client: the chat actor (moderator when `lounge` moderation applies). */
export function chatActorOf(principal: Principal, moderation: boolean): ChatActor {
  const moderator = moderation && (principal.roles.includes("moderator") || principal.roles.includes("admin"));
  return { userId: principal.userId, displayName: principal.displayName, ...(principal.avatarUrl ? { avatarUrl: principal.avatarUrl } : {}), moderator };
}

/** One chat command (DESIGN §5 "Chat payloads"): its payload, whether it counts against the rate limit, the message ids it names, and the core's command. */
interface ChatCommand {
  schema: z.ZodType;
  limited: boolean;
  names(msg: unknown): readonly (string | undefined)[];
  apply(core: ChannelCore, actor: ChatActor, msg: unknown, now: number): ChannelEffects;
}

/** Types a {@link ChatCommand} by its schema's payload. */
function chatCommand<S extends z.ZodType>(schema: S, limited: boolean, names: (msg: z.infer<S>) => readonly (string | undefined)[], apply: (core: ChannelCore, actor: ChatActor, msg: z.infer<S>, now: number) => ChannelEffects): ChatCommand {
  return { schema, limited, names: names as ChatCommand["names"], apply: apply as ChatCommand["apply"] };
}

/** The chat commands every chat room takes, by message type; one table for the process. */
const CHAT_COMMANDS: Readonly<Record<string, ChatCommand>> = {
  chat_send: chatCommand(chatSendSchema, true, (msg) => [msg.replyTo], (core, actor, msg, now) => core.send(actor, msg, now)),
  chat_edit: chatCommand(chatEditSchema, true, (msg) => [msg.messageId], (core, actor, msg, now) => core.edit(actor, msg, now)),
  chat_delete: chatCommand(chatDeleteSchema, true, (msg) => [msg.messageId], (core, actor, msg, now) => core.delete(actor, msg, now)),
  chat_react: chatCommand(chatReactSchema, true, (msg) => [msg.messageId], (core, actor, msg, now) => core.react(actor, msg, now)),
  chat_correct: chatCommand(chatCorrectSchema, true, (msg) => [msg.messageId], (core, actor, msg, now) => core.correct(actor, msg, now)),
  chat_read: chatCommand(chatReadSchema, false, (msg) => [msg.upToMessageId], (core, actor, msg, now) => core.read(actor, msg, now)),
  typing: chatCommand(typingSchema, false, () => [], (core, actor, _msg, now) => core.typing(actor, now)),
};

/**
 * The imperative shell of a {@link ChannelCore} inside a room (DESIGN §1), shared by the
 * `conversation` and `lounge` rooms: for each chat message it checks the per-user rate limit,
 * loads the older messages the command names into the core, runs the command (synchronously,
 * commands in arrival order), persists the writes in the room's I/O queue (retried there; when
 * they fail for good the sender gets `error INTERNAL_ERROR` and nobody is told), and only then
 * sends the messages, creates the mention notifications and writes the audit entry. It also
 * greets each connection ({@link welcome}: `chat_history`, live notifications) and lets go of it
 * ({@link farewell}).
 */
export class ChatRoomShell {
  /** Creates the room's notifications (mentions; the lounge's DM notices). */
  readonly notifier: Notifier;
  private readonly delivery: NotificationDelivery;
  /** The per-user chat rate limit; created at the room's first limited command (most rooms never chat). */
  private limiter: RateLimiterMemory | undefined;
  private commands: Promise<unknown> = Promise.resolve();

  constructor(
    readonly core: ChannelCore,
    private readonly ports: ChatRoomPorts,
  ) {
    const { store, presence, now, logger } = ports;
    this.notifier = new Notifier(store.notifications, presence, now);
    this.delivery = new NotificationDelivery(store.notifications, presence, now, (userId, notification) => this.sendTo(userId, "notification", { notification }), (err) => logger.warn({ err }, "notification delivery failed"));
  }

  /**
   * A connection joined or reconnected: it gets `chat_history` (DESIGN §5: the last 50, oldest
   * first, after every join and reconnection) and its user's live notifications.
   */
  async welcome(client: Client, userId: string, extra: { unreadCount?: number } = {}): Promise<void> {
    this.sendHistory(client, extra);
    await this.delivery.attach(userId);
  }

  /** A connection left for good: stops the user's notifications here when it was their last one. */
  farewell(client: Client, userId: string): void {
    if (this.ports.clientsOf(userId).some((c) => c !== client)) return;
    this.delivery.detach(userId);
  }

  /** The room is disposing: no more notifications here. */
  dispose(): void {
    this.delivery.detachAll();
  }

  /**
   * Registers `chat_send`, `chat_edit`, `chat_delete`, `chat_react`, `chat_read`,
   * `chat_correct` and `typing` on `room` (DESIGN §5 "Chat payloads"), one handler per type.
   * A room class that routes its messages through one table uses {@link chatRoutes} instead.
   * @param actorOf the chat actor of a joined client
   */
  register(room: Room, actorOf: (client: Client) => ChatActor, onReceived?: (type: string) => void): void {
    const { logger } = this.ports;
    for (const [type, command] of Object.entries(CHAT_COMMANDS)) {
      onValidatedMessage(room, type, command.schema, logger, (client, msg) => this.runCommand(client, actorOf(client), command, msg), onReceived);
    }
  }

  /** Runs one of {@link CHAT_COMMANDS} for `client` with its validated payload. */
  private runCommand(client: Client, actor: ChatActor, command: ChatCommand, msg: unknown): Promise<void> {
    return this.run(client, actor, command.limited, command.names(msg), (a, now) => command.apply(this.core, a, msg, now));
  }

  /**
   * The chat commands as routes of a room class's shared table (`routeMessages`): the same
   * handling as {@link register}, with no closure per room.
   * @param shellOf the room's chat shell
   * @param actorOf the chat actor of a joined client of the room
   */
  static routes<R, C extends Client>(shellOf: (room: R) => ChatRoomShell, actorOf: (room: R, client: C) => ChatActor): MessageRoutes<R, C> {
    const routes: Record<string, MessageRoute<R, C>> = {};
    for (const [type, command] of Object.entries(CHAT_COMMANDS)) {
      routes[type] = { schema: command.schema, handle: (room, client, msg) => shellOf(room).runCommand(client, actorOf(room, client), command, msg) };
    }
    return routes;
  }

  /**
   * Runs one command after the previous ones (arrival order).
   * @param limited counts against the per-user rate limit
   * @param names message ids the command refers to (loaded from the store when not buffered)
   */
  run(client: Client, actor: ChatActor, limited: boolean, names: readonly (string | undefined)[], command: (actor: ChatActor, now: number) => ChannelEffects): Promise<void> {
    const task = async () => {
      this.ports.assertOpen?.();
      if (limited) await consumeOrThrow((this.limiter ??= new RateLimiterMemory({ points: CHAT_RATE_POINTS, duration: CHAT_RATE_WINDOW_SECONDS })), actor.userId, "chat messages (20 per 10 s)");
      await this.load(names);
      const effects = command(actor, this.ports.now());
      await this.commit(client, actor, effects);
    };
    const run = this.commands.then(task);
    this.commands = run.catch(() => undefined);
    return run;
  }

  /** Sends `chat_history` (the last 50, oldest first, and the read cursors) to one client. */
  sendHistory(client: Client, extra: { unreadCount?: number } = {}): void {
    client.send("chat_history", { messages: this.core.history().map(chatMessageView), readCursors: this.core.readCursors(), ...extra });
  }

  /** Loads the named messages the core does not hold (other channels' messages are ignored by the core). */
  private async load(names: readonly (string | undefined)[]): Promise<void> {
    const missing = names.filter((id): id is string => id !== undefined && !this.core.has(id));
    for (const id of missing) {
      const stored = await this.ports.store.messages.get(id);
      if (stored) this.core.remember([stored]);
    }
  }

  /** Persists, then tells. Nothing is sent when a write finally fails. */
  private async commit(client: Client, actor: ChatActor, effects: ChannelEffects): Promise<void> {
    if (effects.writes.length === 0 && effects.send.length === 0) return;
    let stored: ChatMessageRecord | undefined;
    try {
      stored = await this.ports.enqueue(async () => {
        let replaced: ChatMessageRecord | undefined;
        for (const write of effects.writes) replaced = (await this.persistOnce(write)) ?? replaced;
        return replaced;
      });
    } catch (err) {
      this.ports.logger.error({ err, channelId: this.core.channelId }, "chat write failed; nobody was told");
      // The core ran ahead of the store: put the messages back as stored, so a retry is a new try.
      for (const write of effects.writes) {
        if (write.kind !== "insert_message" && write.kind !== "update_message") continue;
        this.core.restore(write.message.id, await this.ports.store.messages.get(write.message.id).catch(() => undefined));
      }
      throw new ParleyError("INTERNAL_ERROR", "the message could not be stored; try again");
    }
    if (stored) {
      // Sent before a restart: the store kept the first one; only the sender hears of it again.
      this.deliver({ to: "user", userId: actor.userId }, "chat_message", chatMessageView(stored));
      return;
    }
    for (const out of effects.send) this.deliver(out, out.type, out.payload);
    const { store, now, logger } = this.ports;
    for (const notice of effects.notices) {
      this.notifier
        .notify({
          userId: notice.userId,
          type: "mention",
          titleKey: "notification.mention.title",
          bodyKey: "notification.mention.body",
          params: { from: notice.message.sender.displayName },
          data: { channelId: notice.message.channelId, messageId: notice.message.id },
        })
        .catch((err: unknown) => logger.warn({ err }, "mention notification failed"));
    }
    if (effects.audit) {
      const { actorUserId, action, target, details } = effects.audit;
      store.audit.append({ id: randomUUID(), actorUserId, action, target, details, at: new Date(now()) }).catch((err: unknown) => logger.error({ err }, "audit append failed"));
    }
    if (effects.message && effects.writes[0]?.kind === "insert_message") this.ports.afterMessage?.(effects.message);
  }

  /** One write (idempotent: the I/O queue may run it again). @returns the stored message when an insert repeated an earlier one */
  private async persistOnce(write: ChatWrite): Promise<ChatMessageRecord | undefined> {
    const { store } = this.ports;
    const channelId = this.core.channelId;
    switch (write.kind) {
      case "insert_message": {
        const result = await store.messages.insert(write.message);
        // Our own insert, seen again by a retry, is not a repeat.
        const repeat = !result.inserted && result.message.id !== write.message.id;
        if (!repeat) await store.channels.touch(channelId, write.message.createdAt);
        return repeat ? result.message : undefined;
      }
      case "update_message":
        await store.messages.update(write.message);
        return undefined;
      case "read_cursor":
        await this.ensureMember(write.userId);
        await store.channelMembers.setReadCursor(channelId, write.userId, write.lastReadMessageId);
        return undefined;
      case "mute":
        await this.ensureMember(write.userId);
        await store.channelMembers.setMutedUntil(channelId, write.userId, write.mutedUntil);
        return undefined;
      case "slow_mode":
        await store.channels.setSlowMode(channelId, write.seconds);
        return undefined;
    }
  }

  /** Stores the member (a session's participants have no member record until their first cursor). */
  private async ensureMember(userId: string): Promise<void> {
    const { store, now } = this.ports;
    if (await store.channelMembers.get(this.core.channelId, userId)) return;
    await store.channelMembers.upsert({ channelId: this.core.channelId, userId, displayName: this.core.member(userId)?.displayName ?? userId, joinedAt: new Date(now()) });
  }

  private sendTo(userId: string, type: string, payload: unknown): boolean {
    const targets = this.ports.clientsOf(userId);
    for (const c of targets) c.send(type, payload);
    return targets.length > 0;
  }

  private deliver(recipients: ChatRecipients, type: string, payload: unknown): void {
    let targets: Client[];
    if (recipients.to === "all") targets = this.ports.allClients();
    else if (recipients.to === "user") targets = this.ports.clientsOf(recipients.userId);
    else {
      const excluded = new Set(this.ports.clientsOf(recipients.userId));
      targets = this.ports.allClients().filter((c) => !excluded.has(c));
    }
    for (const c of targets) c.send(type, payload);
  }
}

import { Room, type Client } from "@colyseus/core";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import { ChannelCore } from "../src/chat/channelCore.js";
import { parseChannelId, type ChannelAddress } from "../src/chat/channelIds.js";
import { chatMuteSchema, chatSlowModeSchema } from "../src/chat/chatMessages.js";
import type { ChatMessageRecord } from "../src/chat/chatRecords.js";
import { authorizeChannel } from "../src/chat/dmAccess.js";
import { ParleyError } from "../src/errors/errorCodes.js";
import { ROOM_NAMES } from "../src/protocol/roomNames.js";
import { ChatRoomShell, chatActorOf } from "./chatCommands.js";
import { onUnknownMessage, onValidatedMessage } from "./guardedMessages.js";
import { toJoinError } from "./joinErrors.js";
import { LoungeState, OnlineMemberState } from "./loungeState.js";
import type { RoomDeps } from "./roomDeps.js";
import { RoomIoQueue } from "./roomIoQueue.js";

type LoungeClient = Client<{ auth: Principal }>;

/** Members loaded at room start to resolve mentions (later joiners are added as they come). */
const MEMBERS_LOADED = 1000;
const optionsSchema = z.strictObject({ channelId: z.string().max(300) });

/** The verified user of a joined client. */
function principalOf(client: Client): Principal {
  const principal = (client as LoungeClient).auth;
  if (!principal?.userId) throw new ParleyError("UNAUTHORIZED", "client has no verified identity");
  return principal;
}

/**
 * The `lounge` actor (DESIGN §1, §5): one per persistent channel — a language lounge
 * (`lounge:<lang>`) or a partner DM (`dm:<a>:<b>`) — joined with
 * `joinOrCreate("lounge", { channelId })` (`filterBy(["channelId"])`). Access: see
 * `authorizeChannel` (403 `FORBIDDEN`, 400 `INVALID_REQUEST`). It runs the channel's
 * {@link ChannelCore} through {@link ChatRoomShell}: the chat messages of DESIGN §5, `typing`,
 * and in lounges the moderators' `chat_mute { userId, minutes }` and
 * `chat_slow_mode { seconds }` (audited). Each join gets `chat_history` (last 50, read cursors,
 * the member's `unreadCount`); the synced state lists who is online; `notification` messages
 * reach connected members. A DM message to a partner without a socket here notifies them.
 * Disposed by Colyseus when empty (`autoDispose`).
 */
export abstract class LoungeRoom extends Room<{ state: LoungeState; client: LoungeClient }> {
  protected abstract readonly deps: RoomDeps;
  override state = new LoungeState();
  private address!: ChannelAddress;
  private chat!: ChatRoomShell;
  private io!: RoomIoQueue;

  override async onCreate(options: unknown): Promise<void> {
    try {
      const { channelId } = optionsSchema.parse(options ?? {}, { error: () => "join options: { channelId } expected" });
      this.address = parseChannelId(channelId);
      const { store, now, logger } = this.deps;
      const [channel, page, members] = await Promise.all([store.channels.get(channelId), store.messages.listBefore(channelId, { limit: 50 }), store.channelMembers.list(channelId, MEMBERS_LOADED)]);
      const core = new ChannelCore({ channelId, slowModeSeconds: channel?.slowModeSeconds ?? 0 });
      for (const m of members) core.addMember({ userId: m.userId, displayName: m.displayName, lastReadMessageId: m.lastReadMessageId, mutedUntil: m.mutedUntil?.getTime() });
      core.remember(page.messages);
      this.io = new RoomIoQueue({ room: ROOM_NAMES.lounge, store, logger, failures: this.deps.metrics.roomIoFailures, onWritten: this.deps.onEventsWritten, retry: this.deps.ioRetry });
      this.chat = new ChatRoomShell(core, {
        store,
        logger,
        now,
        presence: this.presence,
        clientsOf: (userId) => this.clients.filter((c) => c.auth?.userId === userId),
        allClients: () => [...this.clients],
        enqueue: (task) => this.io.run("chat", task, true),
        afterMessage: (message) => this.notifyDmPartner(message),
      });
      this.state.channelId = channelId;
      this.state.kind = this.address.kind;
      this.state.slowModeSeconds = core.slowModeSeconds;
      this.setPatchRate(200);
      this.registerMessages();
    } catch (err) {
      if (err instanceof z.ZodError) throw toJoinError(new ParleyError("INVALID_REQUEST", err.issues[0]?.message ?? "invalid join options"));
      throw toJoinError(err);
    }
  }

  override async onAuth(_client: Client, _options: unknown, context: { token?: string }): Promise<Principal> {
    try {
      const principal = this.deps.verifier.verify(context.token);
      await authorizeChannel(this.deps.store, this.state.channelId, principal);
      return principal;
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override async onJoin(client: LoungeClient): Promise<void> {
    const principal = principalOf(client);
    const { store, now } = this.deps;
    const channelId = this.state.channelId;
    const core = this.chat.core;
    core.addMember({ userId: principal.userId, displayName: principal.displayName });
    if (!this.state.online.has(principal.userId)) {
      const online = new OnlineMemberState();
      online.userId = principal.userId;
      online.displayName = principal.displayName;
      online.avatarUrl = principal.avatarUrl ?? "";
      this.state.online.set(principal.userId, online);
    }
    this.deps.metrics.websocketConnections.inc();
    const joinedAt = new Date(now());
    await this.io.run("chat.member", async () => {
      await store.channels.ensure({
        id: channelId,
        kind: this.address.kind,
        ...(this.address.kind === "lounge" ? { languageCode: this.address.languageCode } : { memberIds: [...this.address.userIds] }),
        slowModeSeconds: 0,
        createdAt: joinedAt,
      });
      await store.channelMembers.upsert({ channelId, userId: principal.userId, displayName: principal.displayName, ...(principal.avatarUrl ? { avatarUrl: principal.avatarUrl } : {}), joinedAt });
    }, true);
    const cursor = core.member(principal.userId)?.lastReadMessageId;
    const unreadCount = await store.messages.countUnread(channelId, principal.userId, cursor);
    await this.chat.welcome(client, principal.userId, { unreadCount });
  }

  override onLeave(client: LoungeClient): void {
    const userId = client.auth?.userId;
    this.deps.metrics.websocketConnections.dec();
    if (!userId || this.clients.some((c) => c !== client && c.auth?.userId === userId)) return;
    this.state.online.delete(userId);
    this.chat.farewell(client, userId);
  }

  override async onDispose(): Promise<void> {
    this.chat?.dispose();
    await this.io?.idle();
  }

  private registerMessages(): void {
    const { logger, metrics } = this.deps;
    const counted = (type: string) => metrics.websocketMessages.inc({ type });
    onUnknownMessage(this, counted);
    const moderated = this.address.kind === "lounge";
    const actorOf = (client: Client) => chatActorOf(principalOf(client), moderated);
    this.chat.register(this, actorOf, counted);
    onValidatedMessage(this, "chat_mute", chatMuteSchema, logger, (client, msg) => this.chat.run(client, actorOf(client), false, [], (actor, now) => this.chat.core.mute(actor, msg, now)), counted);
    onValidatedMessage(
      this,
      "chat_slow_mode",
      chatSlowModeSchema,
      logger,
      async (client, msg) => {
        await this.chat.run(client, actorOf(client), false, [], (actor, now) => this.chat.core.setSlowMode(actor, msg, now));
        this.state.slowModeSeconds = this.chat.core.slowModeSeconds;
      },
      counted,
    );
  }

  /** A DM message whose recipient has no socket in this room: a `dm_message` notification. */
  private notifyDmPartner(message: ChatMessageRecord): void {
    if (this.address.kind !== "dm") return;
    const partner = this.address.userIds.find((u) => u !== message.sender.userId);
    if (!partner || this.clients.some((c) => c.auth?.userId === partner) || message.mentions.includes(partner)) return;
    this.chat.notifier
      .notify({
        userId: partner,
        type: "dm_message",
        titleKey: "notification.dm_message.title",
        bodyKey: "notification.dm_message.body",
        params: { from: message.sender.displayName },
        data: { channelId: message.channelId, messageId: message.id },
      })
      .catch((err: unknown) => this.deps.logger.warn({ err }, "DM notification failed"));
  }

}

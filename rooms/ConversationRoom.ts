import { Room, type Client } from "@colyseus/core";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import { ParleyError, errorBody, isParleyError, type ErrorBody } from "../src/errors/errorCodes.js";
import { consumeOrThrow } from "../src/limits/rateLimits.js";
import { conversationClientMessages as schemas, ROOM_NAMES, type ConversationClientMessage, type ConversationClientMessageType } from "../src/protocol/index.js";
import { ConversationCore, type ConversationEffects, type ConversationNote, type ConversationOutgoing } from "../src/session/conversationCore.js";
import { FixedWindowBudget } from "../src/session/messageBudget.js";
import { submitRating } from "../src/session/ratingSubmission.js";
import { ChatRoomShell } from "./chatCommands.js";
import { ConversationOpenMark } from "./conversationOpenMark.js";
import { RECORDING_CONTENT_TYPE, type TrackUploadProgress } from "../src/session/sessionRecorder.js";
import { ConversationRecording, RECORDING_STARTED_MESSAGE } from "./conversationRecording.js";
import { ConversationState, syncConversationState } from "./conversationState.js";
import { routeMessages, type MessageRoute, type MessageRoutes } from "./guardedMessages.js";
import { toJoinError } from "./joinErrors.js";
import type { RoomDeps } from "./roomDeps.js";
import { RoomIoQueue } from "./roomIoQueue.js";
import { reportConversationNote } from "./roomMetrics.js";

type ConversationClient = Client<{ auth: Principal; userData: { leavingForGood?: boolean } }>;

/** Close code of a server shutdown / `room.disconnect()` (no reconnection possible). */
const CLOSE_SERVER_SHUTDOWN = 4001;
/** Seconds added to a room's longest life for the expiry of its open mark. */
const OPEN_MARK_MARGIN_SECONDS = 3600;
/** How long an ended room stays open so participants can rate by message, in ms. */
const ENDED_ROOM_LINGER_MS = 5 * 60 * 1000;
/**
 * The room's patch interval, in ms: the longest timer Node allows (≈ 24.8 days), i.e. never for a
 * room that lives about an hour. The room patches on change instead ({@link
 * ConversationRoom.syncState}), so an idle room runs nothing (DESIGN §11). Colyseus has no "off":
 * `patchRate = null` would run a 60 Hz clock interval per room instead.
 */
const NO_PATCH_LOOP_MS = 2 ** 31 - 1;
/** The verified user of a joined client (set by `onAuth`). */
function userOf(client: ConversationClient): string {
  const userId = client.auth?.userId;
  if (!userId) throw new ParleyError("UNAUTHORIZED", "client has no verified identity");
  return userId;
}

/**
 * The `conversation` actor (DESIGN §1, §5, §6): one per session, pair or group, `roomId` =
 * `sessionId`. A shell around {@link ConversationCore}: it decodes messages, calls the core,
 * stores the effects' writes through its one {@link RoomIoQueue}, then sends the messages and
 * syncs the state. A write that fails for good ends the session with `session_ended
 * {reason:"error"}`; a rating that fails gets `error {code:"INTERNAL_ERROR"}`.
 */
export abstract class ConversationRoom extends Room<{ state: ConversationState; client: ConversationClient }> {
  protected abstract readonly deps: RoomDeps;
  override state = new ConversationState();
  private core!: ConversationCore;
  private io!: RoomIoQueue;
  private mark!: ConversationOpenMark;
  private messageBudget!: FixedWindowBudget;
  /** The one timer of the room: the core's next wake ({@link scheduleWake}). */
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt: number | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private chat!: ChatRoomShell;
  private recording!: ConversationRecording;

  override async onCreate(options: { sessionId?: unknown }): Promise<void> {
    try {
      const sessionId = z.string().uuid().parse(options.sessionId, { error: () => "sessionId: a session id (UUID) is required" });
      this.roomId = sessionId;
      this.mark = new ConversationOpenMark(this.presence, sessionId);
      const { listed, opened } = await this.mark.check();
      const { config, catalog, store } = this.deps;
      // Idempotent per session: a second instance is refused by the driver's atomic insert
      // (roomId = sessionId) and the matchmaker answers with the first room's listing.
      const core = ConversationCore.open(sessionId, await store.sessions.get(sessionId), listed, (lang, code) => catalog.get(lang, code), { ...config.session, signalingPerMinutePerPair: config.quotas.signalingPerMinute }, this.deps.random);
      this.core = core;
      const { recordings: storage, logger, metrics } = this.deps;
      // Each track's progress becomes its file_uploads record (seed 003), in the room's I/O order.
      const onTrackProgress = (progress: TrackUploadProgress) => void this.io.run("file_upload", () => store.fileUploads.record(progress, RECORDING_CONTENT_TYPE), true).catch(() => undefined);
      this.recording = new ConversationRecording({ storage, logger, metrics, enabled: config.recording.enabled, onTrackProgress }, sessionId, new Map(core.record.participants.map((p) => [p.userId, p.recordingConsent])));
      this.io = new RoomIoQueue({ room: ROOM_NAMES.conversation, store, logger: this.deps.logger, failures: this.deps.metrics.roomIoFailures, onWritten: this.deps.onEventsWritten, retry: this.deps.ioRetry });
      // The session's chat (kept across a room re-created for the same session).
      this.core.chat.remember((await store.messages.listBefore(sessionId, { limit: 50 })).messages);
      const clientsOf = (userId: string) => this.clients.filter((c) => c.auth?.userId === userId);
      this.chat = new ChatRoomShell(this.core.chat, { store, logger: this.deps.logger, now: this.deps.now, presence: this.presence, clientsOf, allClients: () => [...this.clients], enqueue: (task) => this.io.run("chat", task, true) });
      const { status, sessionType, targetLanguageCode, topicCode, targetLevel } = core.record;
      Object.assign(this.state, { sessionId, status, sessionType, targetLanguageCode, topicCode, targetLevel });
      this.syncState();
      this.autoDispose = false; // the room ends itself (expiry, time limit, last leave)
      // Headroom past the seats so a stranger reaches onAuth and gets a clear 403/409, not 522.
      this.maxClients = this.core.capacity * 2;
      this.seatReservationTimeout = Math.min(60, config.session.joinTimeoutSeconds);
      this.patchRate = NO_PATCH_LOOP_MS;
      this.registerMessages();
      this.scheduleWake();
      if (!opened) await this.mark.set(config.session.joinTimeoutSeconds + config.session.maxDurationPremiumSeconds + OPEN_MARK_MARGIN_SECONDS);
    } catch (err) {
      throw toJoinError(err instanceof z.ZodError ? new ParleyError("INVALID_REQUEST", err.issues[0]?.message ?? "invalid sessionId") : err);
    }
  }

  override async onAuth(_client: Client, options: { recordingConsent?: unknown } | undefined, context: { token?: string }): Promise<Principal> {
    try {
      const principal = this.deps.verifier.verify(context.token);
      // Every join counts here, once, whatever gave the seat (REST only checks the budget).
      await consumeOrThrow(this.deps.rateLimits.sessionJoins, principal.userId, "session joins");
      if (this.clients.some((c) => c.auth?.userId === principal.userId)) throw new ParleyError("ALREADY_IN_SESSION", "already connected to this session");
      const { store } = this.deps;
      const blocked = this.core.isGroup ? await store.moderation.blockedPeers(principal.userId) : [];
      const newcomer = !this.core.isParticipant(principal.userId);
      // A group member seated over REST since the room opened (invite code, public join).
      const seated = this.core.isGroup && newcomer ? await this.io.run("read_seat", () => store.sessions.get(this.roomId), true) : undefined;
      const seat = seated?.participants.find((p) => p.userId === principal.userId && !p.leftAt);
      const recordingConsent = options?.recordingConsent === true || seat?.recordingConsent === true;
      // A group that records admits only newcomers who consent (their own track is then recorded too).
      if (newcomer) this.recording.assertAdmissible(recordingConsent);
      const admitted = this.core.admit({ ...principal, levels: principal.levels as Record<string, string>, recordingConsent }, blocked, this.deps.now(), seat);
      if (admitted.writes.length > 0) {
        const outcomes = await this.io.write(admitted.writes).catch(() => undefined);
        const refused = outcomes ? outcomes.find((o) => o.status !== "applied") : { status: "failed" as const, error: undefined };
        if (refused) {
          this.core.withdrawAdmission(principal.userId);
          throw refused.status === "refused" && refused.error ? refused.error : new ParleyError("INTERNAL_ERROR", "could not add you to the session; try again");
        }
      }
      if (newcomer && this.core.isParticipant(principal.userId)) this.recording.admit(principal.userId, recordingConsent);
      return principal;
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override onJoin(client: ConversationClient): void {
    let fx: ConversationEffects;
    try {
      fx = this.core.join(userOf(client), this.deps.now());
    } catch (err) {
      throw toJoinError(err);
    }
    this.deps.metrics.websocketConnections.inc();
    this.apply(fx);
    this.chat.welcome(client, userOf(client)).catch((err: unknown) => this.deps.logger.warn({ err }, "chat welcome failed"));
  }

  override onDrop(client: ConversationClient, code?: number): void {
    if (code === CLOSE_SERVER_SHUTDOWN || this.core.lifecycle.isEnded || client.userData?.leavingForGood) return;
    this.deps.metrics.websocketConnections.dec();
    this.apply(this.core.drop(userOf(client), this.deps.now()));
    this.allowReconnection(client, this.deps.config.session.reconnectGraceSeconds).catch(() => undefined);
  }

  override onReconnect(client: ConversationClient): void {
    this.deps.metrics.websocketConnections.inc();
    this.apply(this.core.reconnect(userOf(client), this.deps.now()));
    this.chat.welcome(client, userOf(client)).catch((err: unknown) => this.deps.logger.warn({ err }, "chat welcome failed"));
  }

  override onLeave(client: ConversationClient, code?: number): void {
    const userId = userOf(client);
    this.messageBudget.forget(client.sessionId);
    this.chat.farewell(client, userId);
    if (this.state.participants.get(userId)?.connected) this.deps.metrics.websocketConnections.dec();
    const now = this.deps.now();
    if (code === CLOSE_SERVER_SHUTDOWN) this.apply(this.core.drop(userId, now));
    else this.apply(this.core.leave(userId, client.userData?.leavingForGood ? "ended" : "disconnect", now));
    if (this.core.lifecycle.isEnded && this.clients.length === 0) this.closeSoon();
  }

  /** Graceful shutdown: a live session ends now (reason `error`), clients leave once it is stored. */
  override onBeforeShutdown(): void {
    if (this.core && !this.core.lifecycle.isEnded) this.apply(this.core.endNow(this.deps.now(), "error"));
    this.io?.idle().then(() => this.disconnect(CLOSE_SERVER_SHUTDOWN)).catch(() => undefined);
  }

  override async onDispose(): Promise<void> {
    clearTimeout(this.wakeTimer);
    clearTimeout(this.lingerTimer);
    this.chat?.dispose();
    await this.io?.idle();
    await this.recording?.abort(this.deps.now());
    await this.mark?.clear();
  }

  /**
   * One clock step: deadlines, due prompts, the tandem switch, the talk balance, live speaking
   * time. The room runs it at the core's next wake ({@link scheduleWake}); public so tests and
   * the cleanup job can drive it.
   */
  tick(now = this.deps.now()): void {
    this.apply(this.core.tick(now));
  }

  /**
   * Arms the room's one timer for {@link ConversationCore.nextWakeAt} (DESIGN §11: a room with
   * nothing due runs nothing). Called after every change; a wake already armed earlier stays (it
   * re-arms when it fires), a later one is brought forward.
   */
  private scheduleWake(): void {
    const now = this.deps.now();
    const at = this.core.lifecycle.isEnded ? undefined : this.core.nextWakeAt(now);
    if (at !== undefined && this.wakeTimer !== undefined && this.wakeAt !== undefined && this.wakeAt <= at) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = at;
    if (at === undefined) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      try {
        this.tick();
      } catch (err) {
        // Outside any handler: a throw here would take the process down. Try again a second later.
        this.deps.logger.error({ err, sessionId: this.state.sessionId }, "conversation tick failed");
        this.wakeTimer = setTimeout(() => {
          this.wakeTimer = undefined;
          this.scheduleWake();
        }, 1000);
      }
    }, at - now);
  }

  /** Remote call (REST `POST /sessions/:id/end`, admin end). @returns the error JSON or `{ ok }`. */
  endByUser(userId: string, asAdmin = false): { ok: true } | { error: ErrorBody } {
    return this.answer(() => (asAdmin ? this.core.endNow(this.deps.now()) : this.core.end(userId, this.deps.now())));
  }

  /** Remote call (REST `POST /sessions/:id/leave`): the user leaves for good. */
  leaveByUser(userId: string): { ok: true } | { error: ErrorBody } {
    if (!this.core.lifecycle.isParticipant(userId)) return { error: errorBody(new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session")) };
    const client = this.clients.find((c) => c.auth?.userId === userId);
    if (!client) return this.answer(() => this.core.leave(userId, "ended", this.deps.now()));
    client.userData = { ...client.userData, leavingForGood: true };
    client.leave();
    return { ok: true };
  }

  private answer(command: () => ConversationEffects): { ok: true } | { error: ErrorBody } {
    try {
      this.apply(command());
      return { ok: true };
    } catch (err) {
      if (err instanceof ParleyError) return { error: errorBody(err) };
      throw err;
    }
  }

  /**
   * The room's messages: the conversation commands and the chat ({@link ROUTES}, one table for
   * every room, DESIGN §11), the unknown-type fallback, and `audio_chunk` bytes. Every message of
   * a connection counts against its budget (issue 7 §3), spent inline: no promise per message.
   */
  private registerMessages(): void {
    const { metrics, config } = this.deps;
    this.messageBudget = new FixedWindowBudget(config.quotas.roomMessagesPerMinute, 60_000, "too many messages on this connection");
    const counted = (type: string) => metrics.websocketMessages.inc({ type });
    routeMessages(this, ConversationRoom.ROUTES, this.deps.logger, counted, (client) => this.spend(client));
    this.onMessageBytes("audio_chunk", (client: ConversationClient, bytes: Uint8Array) => {
      counted("audio_chunk");
      // Chunks count against the connection's message budget, and are taken in arrival order; the
      // recorder bounds what one sender may queue (RATE_LIMITED).
      try {
        this.spend(client);
        if (!this.recording.isRecording) throw new ParleyError("FORBIDDEN", "this session is not being recorded");
        this.recording.chunk(userOf(client), bytes, this.deps.now());
      } catch (err) {
        client.send("error", errorBody(isParleyError(err) ? err : new ParleyError("INTERNAL_ERROR", "the audio chunk could not be handled")));
      }
    });
  }

  /** Takes one message from the connection's budget. @throws ParleyError `RATE_LIMITED` */
  private spend(client: Client): void {
    this.messageBudget.consume(client.sessionId, this.deps.now());
  }

  /**
   * A conversation command's route: validated payload → budget spent → core command. `synced:
   * false`: the command changes nothing of the synced state (signaling, heartbeat), so its
   * messages go out without a state sync.
   */
  private static command<T extends ConversationClientMessageType>(
    type: T,
    handler: (room: ConversationRoom, client: ConversationClient, message: ConversationClientMessage[T], now: number) => ConversationEffects | Promise<void>,
    synced = true,
  ): MessageRoute<ConversationRoom, ConversationClient> {
    return {
      schema: schemas[type] as unknown as z.ZodType<ConversationClientMessage[T]>,
      handle(room, client, message) {
        room.spend(client);
        const fx = handler(room, client, message as ConversationClientMessage[T], room.deps.now());
        if (fx instanceof Promise) return fx;
        if (synced) room.apply(fx);
        else room.relay(fx);
      },
    };
  }

  /** Every message type the room takes but `audio_chunk` (bytes), by type; built once. */
  private static readonly ROUTES: MessageRoutes<ConversationRoom, ConversationClient> = {
    ...ChatRoomShell.routes<ConversationRoom, ConversationClient>(
      (room) => room.chat,
      (room, client) => room.core.chatActor(userOf(client)),
    ),
    offer: ConversationRoom.command("offer", (room, client, msg, now) => room.core.signal(userOf(client), { type: "offer", ...msg }, now), false),
    answer: ConversationRoom.command("answer", (room, client, msg, now) => room.core.signal(userOf(client), { type: "answer", ...msg }, now), false),
    ice_candidate: ConversationRoom.command("ice_candidate", (room, client, msg, now) => room.core.signal(userOf(client), { type: "ice_candidate", ...msg }, now), false),
    request_next_prompt: ConversationRoom.command("request_next_prompt", (room, _client, _msg, now) => room.core.requestNextPrompt(now)),
    request_language_switch: ConversationRoom.command("request_language_switch", (room, client, _msg, now) => room.core.requestLanguageSwitch(userOf(client), now)),
    speaking: ConversationRoom.command("speaking", (room, client, msg, now) => room.core.speakingEdge(userOf(client), msg.speaking, now)),
    heartbeat: ConversationRoom.command("heartbeat", (room, client, _msg, now) => room.core.heartbeat(userOf(client), now), false),
    end_session: ConversationRoom.command("end_session", (room, client, _msg, now) => room.core.end(userOf(client), now)),
    leave_session: ConversationRoom.command("leave_session", async (_room, client) => {
      client.userData = { ...client.userData, leavingForGood: true };
      client.leave();
    }),
    rate: ConversationRoom.command("rate", async (room, client, msg) => {
      // After the room's own transition is stored; a rating that cannot be stored is INTERNAL_ERROR.
      const result = await room.io.run("rating", () => submitRating(room.deps.store, room.state.sessionId, userOf(client), msg, room.deps.now()), true);
      room.deps.onEventsWritten();
      client.send("rated", { success: true, averageRating: result.averageRating });
    }),
  };

  /**
   * The effects of a command that changes nothing synced (a relayed signal, a heartbeat): its
   * immediate messages, at once; anything more goes through {@link apply}.
   */
  private relay(fx: ConversationEffects): void {
    if (fx.writes.length > 0 || fx.messages.length > 0 || fx.notes.length > 0 || fx.close) return this.apply(fx);
    for (const m of fx.immediate) this.deliver(m);
  }

  /** Applies a command's effects: immediate messages now, then writes, then the rest (DESIGN §1). */
  private apply(fx: ConversationEffects): void {
    for (const m of fx.immediate) this.deliver(m);
    // The core changed: its next wake may have moved.
    this.scheduleWake();
    // The synced state, like the messages, follows the writes: nothing shows before it is stored.
    const told = () => {
      for (const m of fx.messages) this.deliver(m);
      for (const note of fx.notes) this.note(note);
      this.syncState();
      if (fx.close) this.closeSoon(this.clients.length === 0 ? 0 : ENDED_ROOM_LINGER_MS);
    };
    // An ending of a recorded session: the recording is finished first, so its URL is stored and told with the end.
    const finishRecording = this.recording.finishBefore(fx, this.deps.now());
    if (finishRecording) this.io.run("recording_finish", finishRecording).catch(() => undefined);
    if (fx.writes.length === 0) return told();
    this.io.write(fx.writes).then(
      (outcomes) => {
        if (outcomes.some((o) => o.status === "refused")) this.deps.logger.warn({ sessionId: this.state.sessionId, kinds: fx.writes.map((w) => w.kind) }, "session changed elsewhere; write refused");
        told();
      },
      () => (fx.onWriteFailure === "ignore" ? told() : this.apply(this.core.writesFailed(fx, this.deps.now()))),
    );
  }

  private deliver({ to, type, payload }: ConversationOutgoing): void {
    const client = to.kind === "all" ? undefined : this.clients.find((c) => c.auth?.userId === to.userId);
    if (to.kind === "user") client?.send(type, payload);
    else this.broadcast(type, payload, { except: client });
  }

  private note(note: ConversationNote): void {
    if (note.kind === "started") {
      Object.assign(this.state, { status: "active", startedAt: note.at, endsAt: note.endsAt });
      if (this.recording.start([...this.core.lifecycle.joined], note.at)) {
        this.state.recording = true;
        this.broadcast("recording_started", { message: RECORDING_STARTED_MESSAGE });
      }
    }
    if (note.kind === "ended") this.state.status = note.to;
    reportConversationNote(this.deps.metrics, this.deps.logger, this.state.sessionId, this.state.targetLanguageCode, note);
  }

  /** Copies the core's view into the synced state and sends what changed at once (patch on change, DESIGN §11). */
  private syncState(): void {
    syncConversationState(this.state, this.core.participantViews(this.deps.now()), this.core.promptView(), this.core.lifecycle.hostUserId, this.core.languageView());
    this.broadcastPatch();
  }

  /** Disposes the room after `delayMs` once its pending writes are done (onDispose awaits the queue too). */
  private closeSoon(delayMs = 0): void {
    const close = () => void this.io.idle().then(() => this.disconnect()).catch(() => undefined);
    if (delayMs === 0) close();
    else {
      clearTimeout(this.lingerTimer);
      this.lingerTimer = setTimeout(close, delayMs);
    }
  }
}

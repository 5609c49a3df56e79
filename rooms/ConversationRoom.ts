import { matchMaker, Room, type Client } from "@colyseus/core";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Principal } from "../src/auth/principal.js";
import { ParleyError, errorBody, type ErrorBody } from "../src/errors/errorCodes.js";
import { eventPerUser, type EventType } from "../src/events/envelope.js";
import { consumeOrThrow } from "../src/limits/rateLimits.js";
import { durationRange } from "../src/observability/metrics.js";
import type { ShownPrompt } from "../src/session/promptScheduler.js";
import { PromptScheduler } from "../src/session/promptScheduler.js";
import { rateBodySchema, submitRating } from "../src/session/ratingSubmission.js";
import { SessionLifecycle, type SessionTransition } from "../src/session/sessionLifecycle.js";
import { IceCandidateBudget, validateIceCandidate, validateSdp } from "../src/session/signalingValidation.js";
import { SpeakingStats } from "../src/session/speakingStats.js";
import type { SessionRecord } from "../src/store/records.js";
import { ConversationState, ParticipantState } from "./conversationState.js";
import { onUnknownMessage, onValidatedMessage } from "./guardedMessages.js";
import { toJoinError } from "./joinErrors.js";
import type { RoomDeps } from "./roomDeps.js";

type ConversationClient = Client<{ auth: Principal; userData: { leavingForGood?: boolean } }>;

const signalSchema = z.strictObject({ sdp: z.string(), targetUserId: z.string().min(1).max(128) });
const iceSchema = z.strictObject({ candidate: z.unknown(), targetUserId: z.string().min(1).max(128) });
const emptySchema = z.strictObject({});
const speakingSchema = z.strictObject({ speaking: z.boolean() });

/** The verified user of a joined client (set by `onAuth`). */
function userOf(client: ConversationClient): string {
  const userId = client.auth?.userId;
  if (!userId) throw new ParleyError("UNAUTHORIZED", "client has no verified identity");
  return userId;
}

/** Close code of a server shutdown / `room.disconnect()` (no reconnection possible). */
const CLOSE_SERVER_SHUTDOWN = 4001;
/**
 * Presence key marking a session's room as open — running, or disposing until its writes are
 * done — on any process. Value: the marking instance's token. It expires after the longest
 * life a room can have (join timeout + premium limit + this margin), should a process die.
 */
const openKey = (sessionId: string) => `parley:conversation:open:${sessionId}`;
/** Seconds added to a room's longest life for the expiry of its {@link openKey} mark. */
const OPEN_MARK_MARGIN_SECONDS = 3600;
/** How long an ended room stays open so participants can rate by message, in ms. */
const ENDED_ROOM_LINGER_MS = 5 * 60 * 1000;

const EVENT_OF_STATUS: Partial<Record<SessionTransition["to"], EventType>> = {
  active: "conversation.started",
  completed: "conversation.completed",
  aborted: "conversation.aborted",
  expired: "conversation.expired",
};

/**
 * The `conversation` actor (DESIGN §1, §5, §6): one per session, `roomId` = `sessionId`. Only
 * the session's participants join. It relays signaling to one target, runs the session
 * lifecycle, prompts and speaking stats (pure modules in `src/session`), persists every
 * transition with its events before telling anyone, and keeps a dropped seat for the
 * reconnection grace. Nothing here assumes exactly two participants.
 */
export abstract class ConversationRoom extends Room<{ state: ConversationState; client: ConversationClient }> {
  protected abstract readonly deps: RoomDeps;
  override state = new ConversationState();
  private lifecycle!: SessionLifecycle;
  private prompts!: PromptScheduler;
  private speaking!: SpeakingStats;
  private readonly ice = new IceCandidateBudget();
  private readonly lastHeartbeat = new Map<string, number>();
  private io: Promise<unknown> = Promise.resolve();
  /** This instance's mark under {@link openKey}, when it is the one that set it. */
  private openToken?: string;
  private signaling: Promise<unknown> = Promise.resolve();

  override async onCreate(options: { sessionId?: unknown }): Promise<void> {
    try {
      await this.open(options);
    } catch (err) {
      throw toJoinError(err);
    }
  }

  /** `onCreate`'s work: loads the session and builds the room's rules. @throws ParleyError */
  private async open(options: { sessionId?: unknown }): Promise<void> {
    const parsedId = z.string().uuid().safeParse(options.sessionId);
    if (!parsedId.success) throw new ParleyError("INVALID_REQUEST", "sessionId: a session id (UUID) is required");
    const sessionId = parsedId.data;
    this.roomId = sessionId;
    const opened = await this.presence.get(openKey(sessionId));
    const listed = await matchMaker.driver.has(sessionId);
    // Open but no longer listed: a room of this session is disposing (on any process) and its
    // last writes are not done. A second room now would be a zombie: refuse until it is gone.
    if (opened && !listed) throw new ParleyError("SESSION_NOT_ACTIVE", `the room of session ${sessionId} is closing`);
    const session = await this.deps.store.sessions.get(sessionId);
    if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${sessionId} not found`);
    // Creation is idempotent per session (a retried create, an IPC create that timed out and
    // was redone elsewhere): a second instance is built, then refused by the driver's atomic
    // `insert` (roomId = sessionId), and the matchmaker answers with the first room's listing.
    // So a live session whose room is listed is not an error here.
    if (session.status !== "waiting" && !(session.status === "active" && listed)) {
      throw new ParleyError("SESSION_NOT_ACTIVE", `session ${sessionId} is ${session.status}`);
    }
    const { config, catalog } = this.deps;
    const topic = catalog.get(session.targetLanguageCode, session.topicCode);
    if (!topic) throw new ParleyError("TOPIC_NOT_FOUND", `topic ${session.topicCode} is gone`);
    this.lifecycle = new SessionLifecycle({
      sessionId,
      participantIds: session.participants.map((p) => p.userId),
      tiers: Object.fromEntries(session.participants.map((p) => [p.userId, p.tier])),
      createdAt: session.createdAt.getTime(),
      isGroup: session.sessionType === "group",
      hostUserId: session.hostUserId,
      limits: {
        joinTimeoutSeconds: config.session.joinTimeoutSeconds,
        maxDurationFreeSeconds: config.session.maxDurationFreeSeconds,
        maxDurationPremiumSeconds: config.session.maxDurationPremiumSeconds,
      },
    });
    this.prompts = new PromptScheduler({
      topic,
      intervalMinSeconds: config.session.promptIntervalMinSeconds,
      intervalMaxSeconds: config.session.promptIntervalMaxSeconds,
      maxPrompts: config.session.maxPrompts,
      random: this.deps.random,
    });
    this.speaking = new SpeakingStats();
    this.initState(session);
    // The room ends itself (expiry, time limit, last leave): never disposed by an empty moment.
    this.autoDispose = false;
    // Headroom past the participants so a stranger reaches onAuth and gets a clear 403
    // instead of 522 "locked"; onAuth is the real gate.
    this.maxClients = session.participants.length * 2;
    this.seatReservationTimeout = Math.min(60, config.session.joinTimeoutSeconds);
    this.setPatchRate(100);
    this.clock.setInterval(() => this.tick(), 1000);
    this.registerMessages();
    if (!opened) {
      this.openToken = randomUUID();
      const ttlSeconds = config.session.joinTimeoutSeconds + config.session.maxDurationPremiumSeconds + OPEN_MARK_MARGIN_SECONDS;
      await this.presence.setex(openKey(sessionId), this.openToken, ttlSeconds);
    }
  }

  override async onAuth(_client: Client, _options: unknown, context: { token?: string }): Promise<Principal> {
    try {
      const principal = this.deps.verifier.verify(context.token);
      if (!this.lifecycle.isParticipant(principal.userId)) throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
      if (this.lifecycle.isEnded) throw new ParleyError("SESSION_NOT_ACTIVE", `this session is ${this.lifecycle.status}`);
      if (this.clients.some((c) => c.auth?.userId === principal.userId)) throw new ParleyError("ALREADY_IN_SESSION", "already connected to this session");
      return principal;
    } catch (err) {
      throw toJoinError(err);
    }
  }

  override onJoin(client: ConversationClient): void {
    const now = this.deps.now();
    const userId = userOf(client);
    let transition: SessionTransition | null;
    try {
      transition = this.lifecycle.join(userId, now);
    } catch (err) {
      throw toJoinError(err);
    }
    this.lastHeartbeat.set(userId, now);
    const me = this.state.participants.get(userId);
    if (me) me.connected = true;
    this.deps.metrics.websocketConnections.inc();
    for (const other of this.clients) {
      if (other === client) continue;
      other.send("partner_joined", this.partnerJoinedPayload(userId));
      client.send("partner_joined", this.partnerJoinedPayload(userOf(other)));
    }
    if (transition) this.apply(transition);
  }

  override onDrop(client: ConversationClient, code?: number): void {
    if (code === CLOSE_SERVER_SHUTDOWN || this.lifecycle.isEnded || client.userData?.leavingForGood) return;
    this.markDisconnected(userOf(client));
    this.allowReconnection(client, this.deps.config.session.reconnectGraceSeconds).catch(() => undefined);
  }

  override onReconnect(client: ConversationClient): void {
    const participant = this.state.participants.get(userOf(client));
    if (participant) participant.connected = true;
    this.lastHeartbeat.set(userOf(client), this.deps.now());
    this.deps.metrics.websocketConnections.inc();
  }

  override onLeave(client: ConversationClient, code?: number): void {
    const userId = userOf(client);
    const now = this.deps.now();
    this.markDisconnected(userId);
    if (code !== CLOSE_SERVER_SHUTDOWN && !this.lifecycle.isEnded) {
      const reason = client.userData?.leavingForGood ? "ended" : "disconnect";
      this.broadcast("partner_left", { partnerId: userId, reason }, { except: client });
      const transition = this.lifecycle.leave(userId, now);
      if (transition) this.apply(transition);
    }
    if (this.lifecycle.isEnded && this.clients.length === 0) this.closeSoon();
  }

  /**
   * Graceful shutdown (SIGTERM): a live session ends now — stored with its events, then told
   * (`session_ended`, reason `error`) — and the clients are disconnected (4001) once the
   * room's writes are done; `onDispose` waits for them too, and the process's shutdown waits
   * for every room to dispose before it flushes the outbox and closes the store.
   */
  override onBeforeShutdown(): void {
    if (this.lifecycle && !this.lifecycle.isEnded) this.apply(this.lifecycle.adminEnd(this.deps.now(), "error"));
    this.io.then(() => this.disconnect(CLOSE_SERVER_SHUTDOWN)).catch(() => undefined);
  }

  override async onDispose(): Promise<void> {
    await this.io;
    // Writes done: the session may have a room again (only the instance that marked it clears it).
    const key = openKey(this.state.sessionId);
    if (this.openToken && (await this.presence.get(key)) === this.openToken) await this.presence.del(key);
  }

  /** One clock step: deadlines, due prompts, live speaking time. Public so tests can drive it. */
  tick(now = this.deps.now()): void {
    const transition = this.lifecycle.checkTimers(now);
    if (transition) this.apply(transition);
    if (this.lifecycle.status === "active") {
      const prompt = this.prompts.due(now);
      if (prompt) this.showPrompt(prompt);
      this.syncSpeaking(now);
    }
  }

  /** Remote call (REST `POST /sessions/:id/end`, admin end). @returns the error JSON or `{ ok }`. */
  endByUser(userId: string, asAdmin = false): { ok: true } | { error: ErrorBody } {
    try {
      const now = this.deps.now();
      this.apply(asAdmin ? this.lifecycle.adminEnd(now) : this.lifecycle.end(userId, now));
      return { ok: true };
    } catch (err) {
      if (err instanceof ParleyError) return { error: errorBody(err) };
      throw err;
    }
  }

  /** Remote call (REST `POST /sessions/:id/leave`): the user leaves for good. */
  leaveByUser(userId: string): { ok: true } | { error: ErrorBody } {
    if (!this.lifecycle.isParticipant(userId)) return { error: errorBody(new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session")) };
    const client = this.clients.find((c) => c.auth?.userId === userId);
    if (client) {
      client.userData = { ...client.userData, leavingForGood: true };
      client.leave();
      return { ok: true };
    }
    if (!this.lifecycle.isEnded) {
      this.broadcast("partner_left", { partnerId: userId, reason: "ended" });
      const transition = this.lifecycle.leave(userId, this.deps.now());
      if (transition) this.apply(transition);
    }
    return { ok: true };
  }

  private initState(session: SessionRecord): void {
    const s = this.state;
    s.sessionId = session.id;
    s.status = session.status;
    s.sessionType = session.sessionType;
    s.targetLanguageCode = session.targetLanguageCode;
    s.topicCode = session.topicCode;
    s.targetLevel = session.targetLevel;
    s.hostUserId = session.hostUserId ?? "";
    for (const p of session.participants) {
      const ps = new ParticipantState();
      ps.userId = p.userId;
      ps.displayName = p.displayName;
      ps.avatarUrl = p.avatarUrl ?? "";
      ps.nativeLanguageCode = p.nativeLanguageCode;
      ps.targetLanguageCode = p.targetLanguageCode;
      ps.level = p.level;
      ps.role = p.role;
      s.participants.set(p.userId, ps);
    }
  }

  private registerMessages(): void {
    const { logger, metrics } = this.deps;
    const counted = (type: string) => metrics.websocketMessages.inc({ type });
    const on = <S extends z.ZodType>(type: string, schema: S, handler: (client: ConversationClient, message: z.infer<S>) => void | Promise<void>) =>
      onValidatedMessage<S, ConversationClient>(this, type, schema, logger, handler, counted);
    onUnknownMessage(this, counted);

    for (const kind of ["offer", "answer"] as const) {
      on(kind, signalSchema, (client, msg) =>
        this.relay(client, msg.targetUserId, kind, () => {
          validateSdp(msg.sdp);
          return { from: userOf(client), sdp: msg.sdp };
        }),
      );
    }
    on("ice_candidate", iceSchema, (client, msg) =>
      this.relay(client, msg.targetUserId, "ice_candidate", () => {
        const candidate = validateIceCandidate(msg.candidate);
        this.ice.consume(userOf(client));
        return { from: userOf(client), candidate };
      }),
    );
    on("request_next_prompt", emptySchema, () => {
      this.assertActive();
      const prompt = this.prompts.requestNext(this.deps.now());
      if (!prompt) throw new ParleyError("INVALID_REQUEST", `no more prompts in this session (at most ${this.prompts.maxPrompts})`);
      this.showPrompt(prompt);
    });
    on("speaking", speakingSchema, (client, msg) => {
      this.assertActive();
      this.speaking.edge(userOf(client), msg.speaking, this.deps.now());
      this.syncSpeaking(this.deps.now());
    });
    on("heartbeat", emptySchema, (client) => {
      this.lastHeartbeat.set(userOf(client), this.deps.now());
    });
    on("end_session", emptySchema, (client) => {
      this.apply(this.lifecycle.end(userOf(client), this.deps.now()));
    });
    on("leave_session", emptySchema, (client) => {
      client.userData = { ...client.userData, leavingForGood: true };
      client.leave();
    });
    on("rate", rateBodySchema, async (client, msg) => {
      // The room's own transition may still be in its I/O queue: rate after it is stored.
      await this.io;
      const result = await submitRating(this.deps.store, this.state.sessionId, userOf(client), msg, this.deps.now());
      this.deps.onEventsWritten();
      client.send("rated", { success: true, averageRating: result.averageRating });
    });
  }

  private assertActive(): void {
    if (this.lifecycle.status !== "active") throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${this.lifecycle.status}`);
  }

  /**
   * Relays a signaling message to one participant only (DESIGN §5 signaling rules): the target
   * must be another participant and connected; the session's per-minute budget is checked
   * first; `build` validates and shapes the payload. Relays keep their arrival order.
   */
  private relay(client: ConversationClient, targetUserId: string, type: string, build: () => object): Promise<void> {
    const from = userOf(client);
    const task = async () => {
      if (targetUserId === from || !this.lifecycle.isParticipant(targetUserId)) {
        throw new ParleyError("NOT_A_PARTICIPANT", "the target is not another participant of this session");
      }
      if (this.lifecycle.isEnded) throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${this.lifecycle.status}`);
      await consumeOrThrow(this.deps.rateLimits.signaling, this.state.sessionId, "signaling messages in this session");
      const payload = build();
      const target = this.clients.find((c) => c.auth?.userId === targetUserId);
      if (!target) throw new ParleyError("INVALID_REQUEST", "the target is not connected");
      target.send(type, payload);
    };
    const run = this.signaling.then(task);
    this.signaling = run.catch(() => undefined);
    return run;
  }

  private partnerJoinedPayload(userId: string) {
    const p = this.state.participants.get(userId);
    return {
      partnerId: userId,
      partnerName: p?.displayName ?? userId,
      ...(p?.avatarUrl ? { partnerAvatar: p.avatarUrl } : {}),
      nativeLanguageCode: p?.nativeLanguageCode ?? "",
      targetLanguageCode: p?.targetLanguageCode ?? "",
    };
  }

  private markDisconnected(userId: string): void {
    const participant = this.state.participants.get(userId);
    if (participant?.connected) this.deps.metrics.websocketConnections.dec();
    if (participant) participant.connected = false;
    this.speaking.close(userId, this.deps.now());
    this.syncSpeaking(this.deps.now());
  }

  private syncSpeaking(now: number): void {
    for (const [userId, participant] of this.state.participants) {
      const snap = this.speaking.snapshot(userId, now);
      participant.speaking = snap.speaking;
      participant.spokenSeconds = snap.spokenSeconds;
      participant.turnCount = snap.turnCount;
    }
  }

  private showPrompt(shown: ShownPrompt): void {
    const s = this.state;
    s.currentPrompt.promptKey = shown.promptKey;
    s.currentPrompt.text = shown.prompt.text;
    s.currentPrompt.category = shown.category;
    s.currentPrompt.displayedAt = shown.displayedAt;
    s.promptCount = this.prompts.count;
    this.broadcast("new_prompt", { promptKey: shown.promptKey, text: shown.prompt.text, category: shown.category });
    this.deps.metrics.promptsDisplayed.inc({ type: shown.category });
    const prompts = this.prompts.shown.map((p) => ({ promptKey: p.promptKey, category: p.category, displayedAt: new Date(p.displayedAt) }));
    this.enqueue(() => this.deps.store.sessions.patch(this.state.sessionId, { prompts }));
  }

  /**
   * Applies a lifecycle transition: persists it with its events (conditional on the previous
   * status), then tells the clients. Decisions were taken synchronously by the lifecycle.
   */
  private apply(t: SessionTransition): void {
    const ended = t.to !== "active";
    if (ended) {
      this.prompts.stop();
      this.speaking.closeAll(t.at);
    }
    const stats = this.speaking.snapshotAll(t.at);
    const participantIds = [...this.state.participants.keys()];
    const participants = participantIds.map((userId) => ({
      userId,
      targetLanguageCode: this.state.participants.get(userId)?.targetLanguageCode ?? "",
      spokenSeconds: stats[userId]?.spokenSeconds ?? 0,
      turnCount: stats[userId]?.turnCount ?? 0,
    }));
    const common = { sessionId: t.sessionId, topicCode: this.state.topicCode, sessionType: this.state.sessionType };
    const payload =
      t.to === "active"
        ? { ...common, participants: participants.map(({ userId, targetLanguageCode }) => ({ userId, targetLanguageCode })) }
        : { ...common, participants, reason: t.reason, durationSeconds: t.durationSeconds, xpEligible: t.xpEligible };
    const eventType = EVENT_OF_STATUS[t.to];
    const events = eventType ? eventPerUser(eventType, participantIds, payload, t.sessionId, t.at) : [];
    const patch = {
      status: t.to,
      ...(t.to === "active" ? { startedAt: new Date(t.at) } : { endedAt: new Date(t.at), endReason: t.reason, durationSeconds: t.durationSeconds, xpEligible: t.xpEligible }),
    };
    this.enqueue(async () => {
      const stored = await this.deps.store.sessions.get(t.sessionId);
      const merged = stored?.participants.map((p) => ({ ...p, ...(stats[p.userId] ? { spokenSeconds: stats[p.userId]?.spokenSeconds ?? 0, turnCount: stats[p.userId]?.turnCount ?? 0 } : {}) }));
      const applied = await this.deps.store.sessions.transition(t.sessionId, [t.from], { ...patch, ...(merged ? { participants: merged } : {}) }, { events });
      if (!applied) {
        this.deps.logger.warn({ sessionId: t.sessionId, from: t.from, to: t.to }, "session changed elsewhere; transition not stored");
      }
      this.deps.onEventsWritten();
      this.tell(t);
    });
  }

  private tell(t: SessionTransition): void {
    const s = this.state;
    s.status = t.to;
    const { metrics, logger } = this.deps;
    if (t.to === "active") {
      s.startedAt = this.lifecycle.startedAt ?? t.at;
      s.endsAt = this.lifecycle.endsAt ?? 0;
      metrics.conversationsActive.inc();
      logger.info({ event: "conversation.started", sessionId: t.sessionId }, "conversation started");
      const first = this.prompts.start(t.at);
      if (first) this.showPrompt(first);
      return;
    }
    if (t.from === "active") metrics.conversationsActive.dec();
    if (t.to === "completed") metrics.conversationsCompleted.inc({ language: s.targetLanguageCode, duration_range: durationRange(t.durationSeconds) });
    logger.info({ event: `conversation.${t.to}`, sessionId: t.sessionId, reason: t.reason, durationSeconds: t.durationSeconds }, "conversation ended");
    this.broadcast("session_ended", { reason: t.reason ?? "completed", status: t.to, durationSeconds: t.durationSeconds });
    if (this.clients.length === 0) this.closeSoon();
    else this.clock.setTimeout(() => this.closeSoon(), ENDED_ROOM_LINGER_MS);
  }

  /** Disposes the room once its pending writes are done (not queued itself: onDispose awaits the queue). */
  private closeSoon(): void {
    this.io.then(() => this.disconnect()).catch(() => undefined);
  }

  private enqueue(task: () => Promise<unknown>): void {
    this.io = this.io.then(task).catch((err: unknown) => this.deps.logger.error({ err, sessionId: this.state.sessionId }, "conversation I/O failed"));
  }
}

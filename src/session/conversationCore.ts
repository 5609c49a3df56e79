import { ChannelCore, type ChatActor } from "../chat/channelCore.js";
import { ParleyError } from "../errors/errorCodes.js";
import { events } from "../events/eventBuilders.js";
import type { ConversationServerMessages } from "../protocol/conversationMessages.js";
import type { LanguageSpeakingStats, ParticipantEndStats, ParticipantRecord, SessionRecord } from "../store/records.js";
import type { StoreWrite } from "../store/storeWrites.js";
import type { Topic } from "../topics/topic.js";
import { PromptScheduler, type ShownPrompt } from "./promptScheduler.js";
import { DEFAULT_GROUP_MAX_PARTICIPANTS, DEFAULT_GROUP_MIN_PARTICIPANTS, SessionLifecycle, type EndReason, type SessionLimits, type SessionTransition, type Tier } from "./sessionLifecycle.js";
import { IceCandidateBudget, PairSignalingBudget, validateIceCandidate, validateSdp } from "./signalingValidation.js";
import { LanguageSwitch, type LanguageSwitchEvent } from "./languageSwitch.js";
import { SpeakingStats } from "./speakingStats.js";
import { TalkBalance, talkShares, type TalkBalanceNudge } from "./talkBalance.js";

/** Who a message goes to. */
export type Recipient = { kind: "user"; userId: string } | { kind: "all" } | { kind: "allExcept"; userId: string };

/** One server → client message of the conversation room, typed by its type. */
export type ConversationOutgoing = {
  [K in keyof ConversationServerMessages]: { to: Recipient; type: K; payload: ConversationServerMessages[K] };
}[keyof ConversationServerMessages];

/** Something the room reports (metrics, logs) once it happened; no rule depends on it. */
export type ConversationNote =
  | { kind: "started"; at: number; endsAt: number }
  | { kind: "ended"; from: SessionTransition["from"]; to: SessionTransition["to"]; reason: EndReason; durationSeconds: number }
  | { kind: "prompt"; category: ShownPrompt["category"] };

/**
 * What a command asks of the room (DESIGN §1 effects). The room sends `immediate` now, stores
 * `writes` through its I/O queue (one batch), then sends `messages` and applies `notes`,
 * `close` and the state view. When the writes fail for good it calls
 * {@link ConversationCore.writesFailed} with `onWriteFailure`.
 */
export interface ConversationEffects {
  immediate: ConversationOutgoing[];
  writes: StoreWrite[];
  messages: ConversationOutgoing[];
  notes: ConversationNote[];
  /** What a final write failure means: a transition that could not be stored, or nothing to tell. */
  onWriteFailure: "end_with_error" | "ignore";
  /** Dispose the room after the writes: at once when nobody is connected, else after a linger. */
  close?: "when_told";
}

/** A group session's own fields (seed 000), read from the session record when present. */
export interface GroupSessionFields {
  /** `public` groups admit newcomers up to `maxParticipants`; `private` ones only invitees. */
  type?: "public" | "private";
  minParticipants?: number;
  maxParticipants?: number;
  scheduledStartAt?: Date;
}

/** Who asks to join (from the verified token, DESIGN §3). */
export interface JoinCandidate {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  nativeLanguageCode: string;
  levels: Readonly<Record<string, string>>;
  tier: Tier;
  /** A group newcomer's consent to the recording (join option `recordingConsent`). @default false */
  recordingConsent?: boolean;
}

/** Options of {@link ConversationCore}. */
export interface ConversationCoreOptions {
  session: SessionRecord & GroupSessionFields;
  /** The session's topic in its `targetLanguageCode` (a tandem's: the initiator's target). */
  topic: Topic;
  /**
   * Tandem only: the same topic code in the partner's target language, for the second half
   * (DESIGN §10). Without it a tandem session keeps one language (no switch).
   */
  otherTopic?: Topic;
  limits: Pick<SessionLimits, "joinTimeoutSeconds" | "maxDurationFreeSeconds" | "maxDurationPremiumSeconds">;
  prompts: { intervalMinSeconds: number; intervalMaxSeconds: number; maxPrompts: number };
  /** Signaling messages per minute per pair (DESIGN §5). @default 100 */
  signalingPerMinutePerPair?: number;
  random: () => number;
}

/** The synced view of one participant (the room copies it into its schema state). */
export interface ParticipantView {
  userId: string;
  displayName: string;
  avatarUrl: string;
  nativeLanguageCode: string;
  targetLanguageCode: string;
  level: string;
  role: ParticipantRecord["role"];
  connected: boolean;
  speaking: boolean;
  spokenSeconds: number;
  turnCount: number;
  /** Share (0–1) of the session's talk time so far (DESIGN §5 `talkShare`). */
  talkShare: number;
}

/** The synced language fields (DESIGN §5): the active language, and a tandem's scheduled switch (epoch ms). */
export interface LanguageView {
  activeLanguageCode: string;
  switchAt?: number;
}

/**
 * How often, in ms, the synced speaking time (`spokenSeconds`, `talkShare`) is refreshed while
 * someone speaks, and the resolution of the talk-balance check while a nudge may come.
 */
export const LIVE_REFRESH_MS = 1000;

/** Rounds a 0–1 share to 3 decimals. */
function roundShare(share: number): number {
  return Math.round(share * 1000) / 1000;
}

function effects(partial: Partial<ConversationEffects> = {}): ConversationEffects {
  return { immediate: [], writes: [], messages: [], notes: [], onWriteFailure: "ignore", ...partial };
}

/** Merges `b` into `a` (in order). */
function merge(a: ConversationEffects, b: ConversationEffects): ConversationEffects {
  return {
    immediate: [...a.immediate, ...b.immediate],
    writes: [...a.writes, ...b.writes],
    messages: [...a.messages, ...b.messages],
    notes: [...a.notes, ...b.notes],
    onWriteFailure: a.onWriteFailure === "end_with_error" || b.onWriteFailure === "end_with_error" ? "end_with_error" : "ignore",
    ...(a.close ?? b.close ? { close: "when_told" as const } : {}),
  };
}

const to = {
  user: (userId: string): Recipient => ({ kind: "user", userId }),
  all: (): Recipient => ({ kind: "all" }),
  allExcept: (userId: string): Recipient => ({ kind: "allExcept", userId }),
};

/**
 * The rules of one conversation session, pair or group, end to end (DESIGN §1 "functional core",
 * §5 conversation room, §6 sessions; seed 000 groups). No Colyseus, no awaits: each command
 * takes `now` (epoch ms) and returns {@link ConversationEffects}. It owns the
 * {@link SessionLifecycle} (statuses, deadlines, host), the {@link PromptScheduler}, the
 * {@link SpeakingStats}, the signaling budgets and who is connected; it builds the records and
 * events to store and the messages to send.
 *
 * Groups (`sessionType: "group"`): 2–6 participants (`minParticipants`/`maxParticipants` from the
 * record, default 2/6); the host (`hostUserId`, role `host`) alone ends it (`host_ended`); when
 * the host leaves, the earliest-joined participant present becomes host; a public group admits
 * newcomers while seats remain (`SESSION_FULL` after); a participant blocked by (or blocking)
 * someone already in is refused (`FORBIDDEN`); signaling is a mesh with a budget per pair.
 * @throws (commands) ParleyError with the codes of DESIGN §5; a refused command changes nothing.
 */
export class ConversationCore {
  readonly sessionId: string;
  readonly isGroup: boolean;
  readonly lifecycle: SessionLifecycle;
  private readonly session: SessionRecord & GroupSessionFields;
  private readonly participants = new Map<string, ParticipantRecord>();
  private readonly prompts: PromptScheduler;
  private readonly speaking = new SpeakingStats();
  /** Speaking stats while each language was active (DESIGN §10), by language code. */
  private readonly speakingByLanguage = new Map<string, SpeakingStats>();
  private readonly talkBalance = new TalkBalance();
  private nudges = 0;
  private readonly topic: Topic;
  private readonly otherTopic: Topic | undefined;
  private activeLanguage: string;
  /** Tandem with both topics: the half-time switch, made when the session starts. */
  private languageSwitch: LanguageSwitch | undefined;
  private readonly ice = new IceCandidateBudget();
  private readonly signaling: PairSignalingBudget;
  private readonly connected = new Set<string>();
  private readonly lastHeartbeat = new Map<string, number>();
  private knownHost: string | undefined;
  /**
   * The session's chat (DESIGN §5 `chat_*`, §10 corrections): channel id = session id,
   * members = the participants, correction offsets from the session start. The room runs its
   * commands through `ChatRoomShell` with {@link chatActor} as the gate.
   */
  readonly chat: ChannelCore;

  constructor(options: ConversationCoreOptions) {
    const { session } = options;
    this.session = session;
    this.sessionId = session.id;
    this.isGroup = session.sessionType === "group";
    for (const p of session.participants) this.participants.set(p.userId, { ...p });
    this.lifecycle = new SessionLifecycle({
      sessionId: session.id,
      participantIds: session.participants.filter((p) => !p.leftAt).map((p) => p.userId),
      tiers: Object.fromEntries(session.participants.map((p) => [p.userId, p.tier])),
      createdAt: session.createdAt.getTime(),
      scheduledStartAt: session.scheduledStartAt?.getTime(),
      isGroup: this.isGroup,
      hostUserId: session.hostUserId,
      ...(this.isGroup
        ? { minParticipants: session.minParticipants ?? DEFAULT_GROUP_MIN_PARTICIPANTS, maxParticipants: session.maxParticipants ?? DEFAULT_GROUP_MAX_PARTICIPANTS }
        : {}),
      limits: options.limits,
    });
    this.knownHost = this.lifecycle.hostUserId;
    this.topic = options.topic;
    this.otherTopic = session.sessionType === "tandem" && options.otherTopic && options.otherTopic.targetLanguageCode !== options.topic.targetLanguageCode ? options.otherTopic : undefined;
    this.activeLanguage = options.topic.targetLanguageCode;
    this.statsIn(this.activeLanguage);
    this.prompts = new PromptScheduler({ topic: options.topic, ...options.prompts, random: options.random });
    this.signaling = new PairSignalingBudget(options.signalingPerMinutePerPair ?? 100);
    this.chat = new ChannelCore({ channelId: session.id, sessionStart: () => this.lifecycle.startedAt });
    for (const p of session.participants) this.chat.addMember({ userId: p.userId, displayName: p.displayName });
  }

  /**
   * Who may chat in the session (DESIGN §5): a participant, while the session is not over;
   * nobody moderates a session's chat (delete: the author only).
   * @throws ParleyError `NOT_A_PARTICIPANT`, `SESSION_NOT_ACTIVE` (ended)
   */
  chatActor(userId: string): ChatActor {
    const participant = this.participants.get(userId);
    if (!participant || !this.lifecycle.isParticipant(userId)) throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
    if (this.lifecycle.isEnded) throw new ParleyError("SESSION_NOT_ACTIVE", `this session is ${this.lifecycle.status}`);
    return { userId, displayName: participant.displayName, ...(participant.avatarUrl ? { avatarUrl: participant.avatarUrl } : {}), moderator: false };
  }

  /**
   * The core of a stored session, for the room that opens it (DESIGN §1: one room per session,
   * `roomId` = `sessionId`). A `waiting` session opens; an `active` one only when its room is
   * listed already (a repeated creation, answered with the running room).
   * @param settings the `Config.session` limits and prompt timing, signaling budget per pair
   * @throws ParleyError `SESSION_NOT_FOUND`, `SESSION_NOT_ACTIVE`, `TOPIC_NOT_FOUND`
   */
  static open(
    sessionId: string,
    session: (SessionRecord & GroupSessionFields) | undefined,
    listed: boolean,
    topicOf: (language: string, code: string) => Topic | undefined,
    settings: ConversationCoreOptions["limits"] & { promptIntervalMinSeconds: number; promptIntervalMaxSeconds: number; maxPrompts: number; signalingPerMinutePerPair: number },
    random: () => number,
  ): ConversationCore {
    if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${sessionId} not found`);
    if (session.status !== "waiting" && !(session.status === "active" && listed)) throw new ParleyError("SESSION_NOT_ACTIVE", `session ${sessionId} is ${session.status}`);
    const topic = topicOf(session.targetLanguageCode, session.topicCode);
    if (!topic) throw new ParleyError("TOPIC_NOT_FOUND", `topic ${session.topicCode} is gone`);
    // Tandem: the same topic code in the partner's target language (DESIGN §10 half-time switch).
    const otherLanguage = session.sessionType === "tandem" ? session.participants.find((p) => p.targetLanguageCode !== session.targetLanguageCode)?.targetLanguageCode : undefined;
    const otherTopic = otherLanguage ? topicOf(otherLanguage, session.topicCode) : undefined;
    const prompts = { intervalMinSeconds: settings.promptIntervalMinSeconds, intervalMaxSeconds: settings.promptIntervalMaxSeconds, maxPrompts: settings.maxPrompts };
    return new ConversationCore({ session, topic, ...(otherTopic ? { otherTopic } : {}), limits: settings, prompts, signalingPerMinutePerPair: settings.signalingPerMinutePerPair, random });
  }

  /** The stored session as the core was opened with. */
  get record(): Readonly<SessionRecord> {
    return this.session;
  }

  /** The lifecycle's status. */
  get status(): SessionTransition["to"] {
    return this.lifecycle.status;
  }

  /** Most participants the room may hold at once (pair 2, group `maxParticipants`). */
  get capacity(): number {
    return this.lifecycle.maxParticipants;
  }

  /**
   * Decides whether `candidate` may join (DESIGN §5 "only the session's participants; a public
   * group admits newcomers up to maxParticipants"; seed 000 blocks and invite codes). A group
   * member seated in the store since the room opened (`seated`: over REST, by invite code or a
   * public join) is taken as is; a public group's newcomer without a seat is admitted here and
   * the returned effects seat them in the store (the room waits for that write before letting
   * them in, and calls {@link withdrawAdmission} when it is refused).
   * @param blockedPeers users `candidate` blocked or was blocked by (from the store)
   * @param seated the store's participant record of `candidate` (no `leftAt`), when there is one
   * @throws ParleyError `SESSION_NOT_ACTIVE` (ended), `NOT_A_PARTICIPANT` (stranger; private
   *   group without a seat; left a group), `SESSION_FULL` (no seat left), `FORBIDDEN` (a
   *   blocked pair would share the group).
   */
  admit(candidate: JoinCandidate, blockedPeers: readonly string[], now: number, seated?: ParticipantRecord): ConversationEffects {
    if (this.lifecycle.isEnded) throw new ParleyError("SESSION_NOT_ACTIVE", `this session is ${this.lifecycle.status}`);
    const known = this.lifecycle.isParticipant(candidate.userId);
    if (this.isGroup) {
      const blocked = new Set(blockedPeers);
      const inGroup = [...this.lifecycle.joined].filter((id) => id !== candidate.userId);
      if (inGroup.some((id) => blocked.has(id))) throw new ParleyError("FORBIDDEN", "you cannot join a group with someone you blocked or who blocked you");
    }
    if (known) return effects();
    if (this.isGroup && seated?.userId === candidate.userId && !seated.leftAt) {
      this.lifecycle.admit(candidate.userId, seated.tier);
      this.participants.set(candidate.userId, { ...seated });
      return effects();
    }
    if (!this.isGroup || this.session.type !== "public") throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
    this.lifecycle.admit(candidate.userId, candidate.tier);
    const participant: ParticipantRecord = {
      userId: candidate.userId,
      displayName: candidate.displayName,
      ...(candidate.avatarUrl ? { avatarUrl: candidate.avatarUrl } : {}),
      nativeLanguageCode: candidate.nativeLanguageCode,
      targetLanguageCode: this.session.targetLanguageCode,
      level: (candidate.levels[this.session.targetLanguageCode] ?? this.session.targetLevel) as ParticipantRecord["level"],
      role: "participant",
      tier: candidate.tier,
      recordingConsent: candidate.recordingConsent === true,
      joinedAt: new Date(now),
      spokenSeconds: 0,
      turnCount: 0,
    };
    this.participants.set(candidate.userId, participant);
    this.chat.addMember({ userId: candidate.userId, displayName: candidate.displayName });
    return effects({ writes: [{ kind: "session.addParticipant", id: this.sessionId, participant }], onWriteFailure: "ignore" });
  }

  /** Takes back {@link admit}'s admission of `userId` when their seat could not be stored. */
  withdrawAdmission(userId: string): void {
    if (this.connected.has(userId)) return;
    this.lifecycle.withdraw(userId);
    if (!this.lifecycle.isParticipant(userId)) this.participants.delete(userId);
  }

  /** True when `userId` is a participant (admitted, not withdrawn). */
  isParticipant(userId: string): boolean {
    return this.lifecycle.isParticipant(userId);
  }

  /**
   * A participant's connection joined (after {@link admit}). Everyone present gets
   * `partner_joined` about them and they get one about each; `waiting → active` when enough are in.
   * @throws ParleyError `NOT_A_PARTICIPANT`, `SESSION_NOT_ACTIVE` (from the lifecycle)
   */
  join(userId: string, now: number): ConversationEffects {
    const transition = this.lifecycle.join(userId, now);
    this.connected.add(userId);
    this.lastHeartbeat.set(userId, now);
    const immediate: ConversationOutgoing[] = [];
    for (const other of this.connected) {
      if (other === userId) continue;
      immediate.push({ to: to.user(other), type: "partner_joined", payload: this.partnerJoined(userId) });
      immediate.push({ to: to.user(userId), type: "partner_joined", payload: this.partnerJoined(other) });
    }
    const result = effects({ immediate });
    return transition ? merge(result, this.transitionEffects(transition)) : merge(result, this.hostChange());
  }

  /** A participant's connection dropped; their seat is kept for the reconnection grace. */
  drop(userId: string, now: number): ConversationEffects {
    this.connected.delete(userId);
    this.stopSpeaking(userId, now);
    return effects();
  }

  /** A dropped participant is back within the grace. */
  reconnect(userId: string, now: number): ConversationEffects {
    this.connected.add(userId);
    this.lastHeartbeat.set(userId, now);
    return effects();
  }

  /**
   * A participant left for good (`leave_session`, REST leave, or the reconnection grace ended):
   * the others get `partner_left`, then the lifecycle decides (pair: ends; group: goes on while
   * two remain, a new host when the host left).
   * @param reason `ended` (left on purpose) or `disconnect` (grace over)
   */
  leave(userId: string, reason: "ended" | "disconnect", now: number): ConversationEffects {
    this.connected.delete(userId);
    this.stopSpeaking(userId, now);
    if (this.lifecycle.isEnded || !this.lifecycle.isParticipant(userId)) return effects();
    const immediate: ConversationOutgoing[] = [{ to: to.allExcept(userId), type: "partner_left", payload: { partnerId: userId, reason } }];
    const transition = this.lifecycle.leave(userId, now);
    const participant = this.participants.get(userId);
    if (participant) participant.leftAt = new Date(now);
    // A group goes on: store that the seat is free (a pair's end is stored by its transition).
    const seatFreed: StoreWrite[] = this.isGroup && !transition ? [{ kind: "session.participantLeft", id: this.sessionId, userId, at: new Date(now) }] : [];
    const result = effects({ immediate, writes: seatFreed });
    return transition ? merge(result, this.transitionEffects(transition)) : merge(result, this.hostChange());
  }

  /**
   * `end_session` by a participant (pair: anyone; group: the host only).
   * @throws ParleyError `NOT_A_PARTICIPANT`, `SESSION_NOT_ACTIVE`, `FORBIDDEN`
   */
  end(userId: string, now: number): ConversationEffects {
    return this.transitionEffects(this.lifecycle.end(userId, now));
  }

  /**
   * Ends the session regardless of roles (admin end, cleanup nudge past time, shutdown):
   * active → completed, waiting → expired, with `reason`.
   * @throws ParleyError `SESSION_NOT_ACTIVE` once ended
   */
  endNow(now: number, reason: EndReason = "completed"): ConversationEffects {
    return this.transitionEffects(this.lifecycle.adminEnd(now, reason));
  }

  /**
   * The room's clock: deadlines (join timeout, time limit), the tandem half-time switch, due
   * prompts and the talk-time balance (DESIGN §6, §10).
   */
  tick(now: number): ConversationEffects {
    const transition = this.lifecycle.checkTimers(now);
    if (transition) return this.transitionEffects(transition);
    if (this.lifecycle.status !== "active") return effects();
    let result = effects();
    const switched = this.languageSwitch?.due(now);
    if (switched) result = merge(result, this.switchEffects(switched));
    const prompt = this.prompts.due(now);
    if (prompt) result = merge(result, this.promptEffects(prompt));
    const nudge = this.talkBalance.check(this.presentParticipants(), now);
    if (nudge) result = merge(result, this.nudgeEffects(nudge));
    return result;
  }

  /**
   * When {@link tick} may next have something to do (epoch ms, ≥ `now`), so the room sleeps until
   * then (DESIGN §11: no timer runs while a room has nothing to do): the lifecycle's deadline
   * (join timeout, time limit); while active, the tandem switch, the next automatic prompt, the
   * talk balance's next possible nudge, and — while anyone speaks — a refresh of the synced
   * speaking time every {@link LIVE_REFRESH_MS}. Undefined once ended. Ask again after every
   * command: a command can only bring it earlier through what it changes.
   */
  nextWakeAt(now: number): number | undefined {
    const due: (number | undefined)[] = [this.lifecycle.deadline(now)];
    if (this.lifecycle.status === "active") {
      if (this.languageSwitch && !this.languageSwitch.hasSwitched) due.push(this.languageSwitch.switchAt);
      due.push(this.prompts.nextAt);
      const nudge = this.talkBalance.nextCheckAt(this.presentParticipants(), now);
      if (nudge !== undefined) due.push(Math.max(nudge, now + LIVE_REFRESH_MS));
      if (this.speaking.isAnyoneSpeaking()) due.push(now + LIVE_REFRESH_MS);
    }
    const times = due.filter((t): t is number => t !== undefined);
    return times.length === 0 ? undefined : Math.max(now, Math.min(...times));
  }

  /**
   * `request_language_switch` (DESIGN §10): the switch happens at once when every participant
   * of the tandem asked; nothing changes before that.
   * @throws ParleyError `SESSION_NOT_ACTIVE`, `NOT_A_PARTICIPANT`, `INVALID_REQUEST` (not a
   *   tandem session, or the language already switched)
   */
  requestLanguageSwitch(userId: string, now: number): ConversationEffects {
    this.assertActive();
    if (!this.lifecycle.isParticipant(userId)) throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
    if (!this.languageSwitch) throw new ParleyError("INVALID_REQUEST", "only a tandem session switches language");
    if (this.languageSwitch.hasSwitched) throw new ParleyError("INVALID_REQUEST", "the language already switched");
    const switched = this.languageSwitch.request(userId, now);
    return switched ? this.switchEffects(switched) : effects();
  }

  /**
   * `request_next_prompt`: the next prompt now, within the session's maximum.
   * @throws ParleyError `SESSION_NOT_ACTIVE`, `INVALID_REQUEST` (no prompt left)
   */
  requestNextPrompt(now: number): ConversationEffects {
    this.assertActive();
    const prompt = this.prompts.requestNext(now);
    if (!prompt) throw new ParleyError("INVALID_REQUEST", `no more prompts in this session (at most ${this.prompts.maxPrompts})`);
    return this.promptEffects(prompt);
  }

  /** A `speaking` edge. @throws ParleyError `SESSION_NOT_ACTIVE` */
  speakingEdge(userId: string, speaking: boolean, now: number): ConversationEffects {
    this.assertActive();
    this.speaking.edge(userId, speaking, now);
    this.statsIn(this.activeLanguage).edge(userId, speaking, now);
    this.talkBalance.edge(userId, speaking, now);
    return effects();
  }

  /** A `heartbeat`. */
  heartbeat(userId: string, now: number): ConversationEffects {
    this.lastHeartbeat.set(userId, now);
    return effects();
  }

  /**
   * `offer` / `answer` / `ice_candidate` from `from` to `targetUserId`, relayed to the target only
   * (DESIGN §5 signaling rules: another participant, connected; ≤ 100 per minute per pair; ICE
   * ≤ 50 per participant per peer; SDP checked; nothing stored).
   * @throws ParleyError `NOT_A_PARTICIPANT`, `SESSION_NOT_ACTIVE`, `RATE_LIMITED`,
   *   `SDP_TOO_LARGE`, `INVALID_SDP`, `INVALID_REQUEST` (bad candidate, target not connected)
   */
  signal(from: string, message: { type: "offer" | "answer"; sdp: string; targetUserId: string } | { type: "ice_candidate"; candidate: unknown; targetUserId: string }, now: number): ConversationEffects {
    const target = message.targetUserId;
    if (target === from || !this.lifecycle.isParticipant(target)) throw new ParleyError("NOT_A_PARTICIPANT", "the target is not another participant of this session");
    if (this.lifecycle.isEnded) throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${this.lifecycle.status}`);
    this.signaling.consume(from, target, now);
    if (message.type === "ice_candidate") {
      const candidate = validateIceCandidate(message.candidate);
      if (!this.connected.has(target)) throw new ParleyError("INVALID_REQUEST", "the target is not connected");
      this.ice.consume(`${from}\u0000${target}`);
      return effects({ immediate: [{ to: to.user(target), type: "ice_candidate", payload: { from, candidate } }] });
    }
    validateSdp(message.sdp);
    if (!this.connected.has(target)) throw new ParleyError("INVALID_REQUEST", "the target is not connected");
    return effects({ immediate: [{ to: to.user(target), type: message.type, payload: { from, sdp: message.sdp } }] });
  }

  /**
   * The writes of `failed` could not be stored (DESIGN §1 "nothing is dropped"): a transition
   * that was not stored ends the session with reason `error` — everyone gets `session_ended
   * {reason:"error"}` at once, and the end is written if the store takes it (else the cleanup
   * job ends the stored session, whose room is gone by then).
   */
  writesFailed(failed: ConversationEffects, now: number): ConversationEffects {
    if (failed.onWriteFailure !== "end_with_error") return effects();
    const ending = this.lifecycle.isEnded ? undefined : this.lifecycle.adminEnd(now, "error");
    const status = ending?.to ?? this.lifecycle.status;
    const durationSeconds = ending?.durationSeconds ?? this.lifecycle.durationSeconds(now);
    const told: ConversationOutgoing = { to: to.all(), type: "session_ended", payload: { reason: "error", status: status === "waiting" || status === "active" ? "aborted" : status, durationSeconds } };
    const store = ending ? this.transitionEffects(ending) : effects({ writes: failed.writes.flatMap((w) => this.asErrorEnd(w, now)) });
    // The failed transition was not stored: end whatever live status the store still has.
    for (const w of store.writes) if (w.kind === "session.transition") w.expected = ["waiting", "active"];
    return { ...store, immediate: [told], messages: [], notes: store.notes, onWriteFailure: "ignore", close: "when_told" };
  }

  /** An end write that failed, redone with reason `error` (and its events), once more. */
  private asErrorEnd(write: StoreWrite, now: number): StoreWrite[] {
    if (write.kind !== "session.transition" || write.patch.status === undefined || write.patch.status === "active" || write.patch.status === "waiting") return [];
    const status = write.patch.status;
    const stats = write.participantStats ?? {};
    const participants = [...this.participants.values()].map((p) => ({ userId: p.userId, targetLanguageCode: p.targetLanguageCode, spokenSeconds: stats[p.userId]?.spokenSeconds ?? 0, turnCount: stats[p.userId]?.turnCount ?? 0 }));
    const durationSeconds = write.patch.durationSeconds ?? 0;
    const xpEligible = write.patch.xpEligible ?? false;
    const ended = events.conversationEnded(status, this.session, { participants, reason: "error", durationSeconds, xpEligible }, now);
    return [{ ...write, patch: { ...write.patch, endReason: "error" }, events: ended }];
  }

  /** The synced participants (role, connection, speaking stats), for the room's state. */
  participantViews(now: number): ParticipantView[] {
    const stats = this.speaking.snapshotAll(now);
    const shares = this.sharesOf(stats);
    const host = this.lifecycle.hostUserId;
    return [...this.participants.values()].map((p) => ({
      userId: p.userId,
      displayName: p.displayName,
      avatarUrl: p.avatarUrl ?? "",
      nativeLanguageCode: p.nativeLanguageCode,
      targetLanguageCode: p.targetLanguageCode,
      level: p.level,
      role: this.isGroup ? (p.userId === host ? "host" : "participant") : p.role,
      connected: this.connected.has(p.userId),
      speaking: stats[p.userId]?.speaking ?? false,
      spokenSeconds: stats[p.userId]?.spokenSeconds ?? 0,
      turnCount: stats[p.userId]?.turnCount ?? 0,
      talkShare: shares[p.userId] ?? 0,
    }));
  }

  /** The active language and a tandem's scheduled switch (DESIGN §5 synced state). */
  languageView(): LanguageView {
    return { activeLanguageCode: this.activeLanguage, ...(this.languageSwitch ? { switchAt: this.languageSwitch.switchAt } : {}) };
  }

  /** The prompt on screen and how many were shown. */
  promptView(): { current?: ShownPrompt; count: number } {
    return { current: this.prompts.current, count: this.prompts.count };
  }

  /** The speaking stats of `language`, made on first use. */
  private statsIn(language: string): SpeakingStats {
    let stats = this.speakingByLanguage.get(language);
    if (!stats) {
      stats = new SpeakingStats();
      this.speakingByLanguage.set(language, stats);
    }
    return stats;
  }

  /** Closes `userId`'s open speaking interval everywhere (disconnect, leave). */
  private stopSpeaking(userId: string, now: number): void {
    this.speaking.close(userId, now);
    this.statsIn(this.activeLanguage).close(userId, now);
    this.talkBalance.edge(userId, false, now);
  }

  /** Talk shares (0–1, 3 decimals) from the stats snapshots, by userId. */
  private sharesOf(stats: Record<string, { spokenSeconds: number }>): Record<string, number> {
    const spoken = Object.fromEntries([...this.participants.keys()].map((userId) => [userId, stats[userId]?.spokenSeconds ?? 0]));
    return Object.fromEntries(Object.entries(talkShares(spoken)).map(([userId, share]) => [userId, roundShare(share)]));
  }

  /** Participants connected now, in the order they are listed. */
  private presentParticipants(): string[] {
    return [...this.participants.keys()].filter((userId) => this.connected.has(userId));
  }

  /**
   * The tandem switch (DESIGN §10): the other language becomes active (an ongoing turn carries
   * over to its stats without counting a new turn), the next prompt comes from the topic in it,
   * and everyone gets `language_switch` with that prompt; the prompt list is stored.
   */
  private switchEffects(switched: LanguageSwitchEvent): ConversationEffects {
    const previous = this.activeLanguage;
    this.activeLanguage = switched.activeLanguageCode;
    for (const userId of this.statsIn(previous).closeAll(switched.at)) this.statsIn(this.activeLanguage).resume(userId, switched.at);
    const topic = this.otherTopic && this.otherTopic.targetLanguageCode === this.activeLanguage ? this.otherTopic : this.topic;
    const shown = this.prompts.switchTopic(topic, switched.at);
    const prompt = shown ? { promptKey: shown.promptKey, text: shown.prompt.text, category: shown.category } : undefined;
    const told: ConversationOutgoing = { to: to.all(), type: "language_switch", payload: { activeLanguageCode: this.activeLanguage, at: switched.at, ...(prompt ? { prompt } : {}) } };
    if (!shown) return effects({ immediate: [told] });
    return { ...this.promptEffects(shown), immediate: [told] };
  }

  /**
   * A talk-balance nudge (DESIGN §10): `talk_balance` to the dominant (`invite_partner`) and the
   * quiet participant (`your_turn`), each with their own share of the window, and a follow-up
   * prompt of the active topic to the quiet one alone (follow-ups in turn; not one of the
   * session's shared prompts).
   */
  private nudgeEffects(nudge: TalkBalanceNudge): ConversationEffects {
    const immediate: ConversationOutgoing[] = [
      { to: to.user(nudge.dominant.userId), type: "talk_balance", payload: { share: roundShare(nudge.dominant.share), suggestion: "invite_partner" } },
      { to: to.user(nudge.quiet.userId), type: "talk_balance", payload: { share: roundShare(nudge.quiet.share), suggestion: "your_turn" } },
    ];
    const topic = this.otherTopic && this.otherTopic.targetLanguageCode === this.activeLanguage ? this.otherTopic : this.topic;
    const followUps = topic.prompts.filter((p) => p.type === "follow_up").sort((a, b) => a.order - b.order);
    const followUp = followUps[this.nudges % Math.max(1, followUps.length)];
    this.nudges += 1;
    if (followUp) immediate.push({ to: to.user(nudge.quiet.userId), type: "new_prompt", payload: { promptKey: followUp.promptKey, text: followUp.text, category: "follow_up" } });
    return effects({ immediate });
  }

  /** What the end stores per participant: totals, per-language stats, talk share. */
  private endStats(at: number): Record<string, ParticipantEndStats> {
    const stats = this.speaking.snapshotAll(at);
    const shares = this.sharesOf(stats);
    const result: Record<string, ParticipantEndStats> = {};
    for (const userId of this.participants.keys()) {
      const byLanguage: Record<string, LanguageSpeakingStats> = {};
      for (const [language, languageStats] of this.speakingByLanguage) {
        const s = languageStats.snapshot(userId, at);
        byLanguage[language] = { spokenSeconds: s.spokenSeconds, turnCount: s.turnCount };
      }
      result[userId] = { spokenSeconds: stats[userId]?.spokenSeconds ?? 0, turnCount: stats[userId]?.turnCount ?? 0, byLanguage, talkShare: shares[userId] ?? 0 };
    }
    return result;
  }

  private assertActive(): void {
    if (this.lifecycle.status !== "active") throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${this.lifecycle.status}`);
  }

  /** A host change (group): stored with the next write as `hostUserId`. */
  private hostChange(): ConversationEffects {
    const host = this.lifecycle.hostUserId;
    if (host === this.knownHost || host === undefined) return effects();
    this.knownHost = host;
    return effects({ writes: [{ kind: "session.patch", id: this.sessionId, patch: { hostUserId: host } }] });
  }

  private partnerJoined(userId: string): ConversationServerMessages["partner_joined"] {
    const p = this.participants.get(userId);
    return {
      partnerId: userId,
      partnerName: p?.displayName ?? userId,
      ...(p?.avatarUrl ? { partnerAvatar: p.avatarUrl } : {}),
      nativeLanguageCode: p?.nativeLanguageCode ?? "",
      targetLanguageCode: p?.targetLanguageCode ?? "",
    };
  }

  private promptEffects(shown: ShownPrompt): ConversationEffects {
    const prompts = this.prompts.shown.map((p) => ({ promptKey: p.promptKey, category: p.category, displayedAt: new Date(p.displayedAt), languageCode: p.languageCode }));
    return effects({
      immediate: [{ to: to.all(), type: "new_prompt", payload: { promptKey: shown.promptKey, text: shown.prompt.text, category: shown.category } }],
      writes: [{ kind: "session.patch", id: this.sessionId, patch: { prompts } }],
      notes: [{ kind: "prompt", category: shown.category }],
    });
  }

  /**
   * A lifecycle transition as effects: the session write with its events (conditional on the
   * previous status), then — once stored — the messages (`new_prompt` icebreaker at the start,
   * `session_ended` at the end).
   */
  private transitionEffects(t: SessionTransition): ConversationEffects {
    const host = this.lifecycle.hostUserId;
    const hostPatch = host !== undefined && host !== this.knownHost ? { hostUserId: host } : {};
    this.knownHost = host ?? this.knownHost;
    if (t.to === "active") {
      const joined = [...this.lifecycle.joined];
      const started = events.conversationStarted(this.session, joined.map((userId) => ({ userId, targetLanguageCode: this.participants.get(userId)?.targetLanguageCode ?? "" })), t.at);
      const first = this.prompts.start(t.at);
      const endsAt = this.lifecycle.endsAt ?? t.at;
      if (this.otherTopic && endsAt > t.at) {
        const languages = [this.topic.targetLanguageCode, this.otherTopic.targetLanguageCode] as const;
        this.languageSwitch = new LanguageSwitch({ languages, participantIds: joined, startedAt: t.at, limitSeconds: (endsAt - t.at) / 1000 });
      }
      const write: StoreWrite = { kind: "session.transition", id: this.sessionId, expected: [t.from], patch: { status: "active", startedAt: new Date(t.at), ...hostPatch }, events: started };
      const result = effects({ writes: [write], notes: [{ kind: "started", at: t.at, endsAt }], onWriteFailure: "end_with_error" });
      if (!first) return result;
      const prompt = this.promptEffects(first);
      return { ...merge(result, prompt), immediate: [], messages: prompt.immediate };
    }
    this.prompts.stop();
    this.speaking.closeAll(t.at);
    for (const languageStats of this.speakingByLanguage.values()) languageStats.closeAll(t.at);
    const stats = this.speaking.snapshotAll(t.at);
    const participantStats = this.endStats(t.at);
    const participants = [...this.participants.values()].map((p) => ({
      userId: p.userId,
      targetLanguageCode: p.targetLanguageCode,
      spokenSeconds: stats[p.userId]?.spokenSeconds ?? 0,
      turnCount: stats[p.userId]?.turnCount ?? 0,
    }));
    const reason = t.reason ?? "completed";
    const status = t.to as "completed" | "aborted" | "expired";
    const ended = events.conversationEnded(status, this.session, { participants, reason, durationSeconds: t.durationSeconds, xpEligible: t.xpEligible }, t.at);
    const write: StoreWrite = {
      kind: "session.transition",
      id: this.sessionId,
      expected: [t.from],
      patch: { status, endedAt: new Date(t.at), endReason: reason, durationSeconds: t.durationSeconds, xpEligible: t.xpEligible, ...hostPatch },
      participantStats,
      events: ended,
    };
    return effects({
      writes: [write],
      messages: [{ to: to.all(), type: "session_ended", payload: { reason, status, durationSeconds: t.durationSeconds } }],
      notes: [{ kind: "ended", from: t.from, to: t.to, reason, durationSeconds: t.durationSeconds }],
      onWriteFailure: "end_with_error",
      close: "when_told",
    });
  }
}

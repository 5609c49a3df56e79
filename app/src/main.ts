/**
 * parley's demo web client (served at `/app` when `SERVE_DEMO_APP` is on). No framework: one
 * page, five views (sign in → setup → waiting → talking → ended) plus a group view (`groupCall.ts`), driven by the client protocol
 * of DESIGN §5 through `@colyseus/sdk`, the REST API of DESIGN §7, and WebRTC for the audio.
 *
 * For tests and debugging, `window.parley` exposes the phase (`state`), the peer connection
 * (`pc`), the token, the current prompt and audio counters.
 */
import { Client, type Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import type { ErrorMessage, MatchFoundMessage, MatchRequestView, MatchSuggestionMessage, NewPromptMessage, SessionEndedMessage } from "../../src/protocol/index.js";
import { matchReasons } from "./matchReasons.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";
import { ApiError, decodeToken, history, joinSession, listTopics, mintDevToken, rateSession, reportPartner, REPORT_REASONS, type TokenClaims, type TopicView } from "./api.js";
import { initGroupCall, type GroupDebug } from "./groupCall.js";
import { ChatHome } from "./chatHome.js";
import { ChatPanel } from "./chatPanel.js";
import { PeerLink, type AudioStats } from "./peerLink.js";
import { MicLevelMeter, VoiceActivityDetector } from "./voiceActivity.js";
import { isRecordingOver, MicRecorder } from "./micRecorder.js";
import { showSessionSummary, TalkInsights } from "./talkInsights.js";

// ---------------------------------------------------------------------------------------------
// Protocol payloads (DESIGN §5)

type MatchRequestMsg = MatchRequestView;
type MatchFoundMsg = MatchFoundMessage<Parameters<Client["consumeSeatReservation"]>[0]>;
type MatchSuggestionMsg = MatchSuggestionMessage;
type PromptMsg = NewPromptMessage;
type SessionEndedMsg = SessionEndedMessage;
type ErrorMsg = ErrorMessage;

/** Phases of the page, as exposed in `window.parley.state`. */
export type Phase = "signed-out" | "ready" | "waiting" | "connecting" | "in-conversation" | "ended" | "group";

/** The debug hooks on `window.parley` (read by the end-to-end test). */
export interface ParleyDebug {
  state: Phase;
  pc: RTCPeerConnection | null;
  token: string | null;
  userId: string | null;
  sessionId: string | null;
  isInitiator: boolean | null;
  partnerId: string | null;
  prompt: PromptMsg | null;
  /** Audio counters and selected candidate pair, refreshed every second while talking. */
  stats: AudioStats | null;
  /** Local voice activity as last sent (`speaking` edges). */
  speaking: boolean;
  /** Number of `speaking` edges sent this session. */
  speakingEdges: number;
  /** Every error shown to the user, newest last. */
  errors: string[];
  /** The group conversation, while in one (`groupCall.ts`). */
  group: GroupDebug | null;
  /** The recorder of the learner's track while the session records (`bytesSent`). */
  recorder?: MicRecorder | null;
}

declare global {
  interface Window {
    parley: ParleyDebug;
  }
}

const debug: ParleyDebug = {
  state: "signed-out",
  pc: null,
  token: null,
  userId: null,
  sessionId: null,
  isInitiator: null,
  partnerId: null,
  prompt: null,
  stats: null,
  speaking: false,
  speakingEdges: 0,
  errors: [],
  group: null,
};
window.parley = debug;

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
}

function text(id: string, value: string): void {
  $(id).textContent = value;
}

function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

const LANGUAGES: Record<string, string> = { en: "English", fr: "Français", es: "Español", de: "Deutsch" };
const LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"];
const languageName = (code: string) => (LANGUAGES[code] ? `${LANGUAGES[code]} (${code})` : code);

function fillSelects(): void {
  for (const select of Array.from(document.querySelectorAll<HTMLSelectElement>("select[data-languages]"))) {
    if (select.dataset.optional !== undefined) select.add(new Option("No preference", ""));
    for (const code of Object.keys(LANGUAGES)) select.add(new Option(languageName(code), code));
  }
  for (const select of Array.from(document.querySelectorAll<HTMLSelectElement>("select[data-levels]"))) {
    for (const level of LEVELS) select.add(new Option(level, level));
  }
  $<HTMLSelectElement>("dt-native").value = "fr";
  $<HTMLSelectElement>("dt-target").value = "en";
  $<HTMLSelectElement>("dt-level").value = "B1";
}

// ---------------------------------------------------------------------------------------------
// Status and errors

function status(message: string): void {
  text("status", message);
}

function showError(message: string): void {
  debug.errors.push(message);
  console.warn("[parley]", message);
  const alert = $("alert");
  alert.textContent = message;
  alert.hidden = false;
}

function clearError(): void {
  $("alert").hidden = true;
  $("alert").textContent = "";
}

/** A human message for a failed join (`ServerError` "CODE: detail"), REST call or anything else. */
function describe(err: unknown): string {
  if (err instanceof ApiError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}

// ---------------------------------------------------------------------------------------------
// Views

const VIEWS: Record<Phase, string> = {
  "signed-out": "view-signin",
  ready: "view-setup",
  waiting: "view-waiting",
  connecting: "view-talk",
  "in-conversation": "view-talk",
  ended: "view-ended",
  group: "view-group",
};

function setPhase(phase: Phase): void {
  const previousView = VIEWS[debug.state];
  debug.state = phase;
  document.body.dataset.phase = phase;
  for (const id of new Set(Object.values(VIEWS))) $(id).hidden = id !== VIEWS[phase];
  $("whoami").hidden = phase === "signed-out";
  if (previousView !== VIEWS[phase]) {
    // Move focus to the new view's heading so keyboard and screen-reader users follow along.
    $(VIEWS[phase]).querySelector<HTMLElement>("h2")?.focus();
  }
}

// ---------------------------------------------------------------------------------------------
// State of the page

const TOKEN_KEY = "parley.token";
const sdk = new Client(window.location.origin);

let token: string | null = null;
let claims: TokenClaims | null = null;
let topics: TopicView[] = [];
let matchmaking: Room | null = null;
let conversation: Room<unknown, ConversationState> | null = null;
let match: MatchFoundMsg | null = null;
let link: PeerLink | null = null;
let mic: MediaStream | null = null;
/** Records the microphone into `audio_chunk` while the session records (micRecorder.ts). */
let recorder: MicRecorder | null = null;
let meter: MicLevelMeter | null = null;
let vad = new VoiceActivityDetector();
let waitTimer: ReturnType<typeof setInterval> | undefined;
let talkTimer: ReturnType<typeof setInterval> | undefined;
let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
let waitStartedAt = 0;
let sessionEnded = false;
let pendingRating: { resolve: (average: number) => void; reject: (err: Error) => void } | null = null;
let chatHome: ChatHome | null = null;
let chatPanel: ChatPanel | null = null;

// ---------------------------------------------------------------------------------------------
// 1. Sign in

function signIn(newToken: string): void {
  const decoded = decodeToken(newToken);
  token = newToken;
  claims = decoded;
  sdk.auth.token = newToken;
  sessionStorage.setItem(TOKEN_KEY, newToken);
  debug.token = newToken;
  debug.userId = decoded.sub;
  const tier = decoded.tier === "premium" ? "premium" : "free";
  const levels = Object.entries(decoded.levels ?? {})
    .map(([lang, level]) => `${lang} ${level}`)
    .join(", ");
  text("whoami-text", `${decoded.name ?? decoded.sub} · native ${decoded.nativeLanguageCode ?? "?"} · ${levels || "no levels"} · ${tier}`);
  const firstTarget = Object.keys(decoded.levels ?? {})[0];
  if (firstTarget && LANGUAGES[firstTarget]) $<HTMLSelectElement>("su-target").value = firstTarget;
  chatHome?.dispose();
  chatHome = new ChatHome($("chat-home"), $("bell-slot"), sdk, newToken, decoded);
  setPhase("ready");
  status(`Signed in as ${decoded.name ?? decoded.sub}.`);
  void onTargetChanged();
  void refreshHistory();
}

function signOut(): void {
  void leaveEverything();
  chatHome?.dispose();
  chatHome = null;
  sessionStorage.removeItem(TOKEN_KEY);
  token = null;
  claims = null;
  debug.token = null;
  debug.userId = null;
  sdk.auth.token = "";
  setPhase("signed-out");
  status("Signed out.");
}

$<HTMLFormElement>("dev-token-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearError();
  const name = $<HTMLInputElement>("dt-name").value.trim();
  if (!name) {
    showError("Please enter your name.");
    $("dt-name").focus();
    return;
  }
  const button = $<HTMLButtonElement>("dt-submit");
  button.disabled = true;
  try {
    const minted = await mintDevToken({
      name,
      nativeLanguageCode: $<HTMLSelectElement>("dt-native").value,
      targetLanguageCode: $<HTMLSelectElement>("dt-target").value,
      level: $<HTMLSelectElement>("dt-level").value,
      premium: $<HTMLInputElement>("dt-premium").checked,
    });
    signIn(minted.token);
  } catch (err) {
    showError(`Could not sign in: ${describe(err)}`);
  } finally {
    button.disabled = false;
  }
});

$<HTMLFormElement>("paste-token-form").addEventListener("submit", (event) => {
  event.preventDefault();
  clearError();
  try {
    signIn($<HTMLTextAreaElement>("pt-token").value.trim());
  } catch (err) {
    showError(`That token cannot be used: ${describe(err)}`);
  }
});

$("sign-out").addEventListener("click", signOut);

// ---------------------------------------------------------------------------------------------
// 2. Setup: language, level, topic, session type, preferences

async function onTargetChanged(): Promise<void> {
  if (!token || !claims) return;
  const target = $<HTMLSelectElement>("su-target").value;
  const levelSelect = $<HTMLSelectElement>("su-level");
  const fromToken = claims.levels?.[target];
  if (fromToken) {
    levelSelect.value = fromToken;
    levelSelect.disabled = true;
    text("su-level-hint", "From your profile.");
  } else {
    levelSelect.disabled = false;
    text("su-level-hint", `Your profile has no level for ${languageName(target)}: choose yours.`);
  }
  const topicSelect = $<HTMLSelectElement>("su-topic");
  topicSelect.replaceChildren(new Option("Loading topics…", ""));
  topicSelect.disabled = true;
  $("su-topic-manual").hidden = true;
  try {
    topics = await listTopics(token, target);
    topicSelect.replaceChildren();
    for (const topic of topics) {
      const label = `${topic.name ?? topic.nameKey ?? topic.code} — ${topic.level}, ${topic.category.replace(/_/g, " ")}${topic.isUnlocked ? "" : " (locked)"}`;
      const option = new Option(label, topic.code);
      option.disabled = !topic.isUnlocked;
      topicSelect.add(option);
    }
    const firstOpen = topics.find((t) => t.isUnlocked);
    if (firstOpen) topicSelect.value = firstOpen.code;
    topicSelect.disabled = topics.length === 0;
    const locked = topics.filter((t) => !t.isUnlocked).length;
    text("su-topic-hint", locked ? `${locked} topic(s) locked: free accounts practise A1–A2 topics whose skills they have acquired.` : "");
  } catch (err) {
    topics = [];
    topicSelect.replaceChildren(new Option("Topic list unavailable", ""));
    $("su-topic-manual").hidden = false;
    text("su-topic-hint", `Could not load topics (${describe(err)}). Type a topic code instead.`);
  }
}

$("su-target").addEventListener("change", () => void onTargetChanged());

function chosenTopicCode(): string {
  const manual = $("su-topic-manual").hidden ? "" : $<HTMLInputElement>("su-topic-code").value.trim();
  return manual || $<HTMLSelectElement>("su-topic").value;
}

function topicName(code: string): string {
  const topic = topics.find((t) => t.code === code);
  return topic ? `${topic.name ?? topic.nameKey ?? code} (${topic.level})` : code;
}

/** Join options of the `matchmaking` room (DESIGN §5), from the setup form. */
function matchmakingOptions(sessionType: "practice" | "tandem"): Record<string, unknown> {
  const target = $<HTMLSelectElement>("su-target").value;
  const native = claims?.nativeLanguageCode ?? "";
  const queue = sessionType === "tandem" ? [target, native].sort().join("+") : target;
  const options: Record<string, unknown> = {
    queue,
    targetLanguageCode: target,
    topicCode: chosenTopicCode(),
    sessionType,
    preferredPartnerLevel: $<HTMLSelectElement>("su-partner-level").value,
    recordingConsent: $<HTMLInputElement>("su-recording").checked,
  };
  if (!claims?.levels?.[target]) options.currentLevel = $<HTMLSelectElement>("su-level").value;
  const partnerNative = $<HTMLSelectElement>("su-partner-native").value;
  if (partnerNative && sessionType === "practice") options.preferredPartnerNativeLanguageCode = partnerNative;
  const accent = $<HTMLInputElement>("su-accent").value.trim();
  if (accent) options.preferredAccent = accent;
  const maxWait = Number($<HTMLInputElement>("su-maxwait").value);
  if (Number.isInteger(maxWait) && maxWait >= 30 && maxWait <= 600) options.maxWaitTimeSeconds = maxWait;
  return options;
}

function selectedSessionType(): "practice" | "tandem" {
  return $<HTMLInputElement>("su-type-tandem").checked ? "tandem" : "practice";
}

async function refreshHistory(): Promise<void> {
  if (!token) return;
  const list = $("history-list");
  try {
    const rows = await history(token);
    list.replaceChildren();
    if (rows.length === 0) list.append(Object.assign(document.createElement("li"), { textContent: "None yet." }));
    for (const row of rows) {
      const when = row.completedAt ? new Date(row.completedAt).toLocaleString() : "";
      const rating = row.myRating ? ` · rated ${row.myRating}/5` : "";
      const li = document.createElement("li");
      li.textContent = `${when} — ${row.partnerDisplayName ?? "?"} · ${row.topicNameKey ?? row.topicCode} · ${formatDuration(row.durationSeconds)}${rating}`;
      li.dataset.sessionId = row.sessionId;
      list.append(li);
    }
  } catch (err) {
    list.replaceChildren(Object.assign(document.createElement("li"), { textContent: `History unavailable (${describe(err)}).` }));
  }
}

// ---------------------------------------------------------------------------------------------
// Microphone, level meter, voice activity

async function startMicrophone(): Promise<MediaStream> {
  if (mic && mic.getAudioTracks().some((t) => t.readyState === "live")) return mic;
  mic = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  vad = new VoiceActivityDetector();
  meter = new MicLevelMeter(mic, onMicLevel);
  return mic;
}

function stopMicrophone(): void {
  meter?.stop();
  meter = null;
  for (const track of mic?.getTracks() ?? []) track.stop();
  mic = null;
}

function onMicLevel(level: number, now: number): void {
  const muted = $("mute").getAttribute("aria-pressed") === "true" || $("group-mute").getAttribute("aria-pressed") === "true";
  const shown = muted ? 0 : level;
  $<HTMLMeterElement>("wait-mic-level").value = shown;
  $<HTMLMeterElement>("talk-mic-level").value = shown;
  const edge = vad.feed(shown, now);
  if (edge === undefined) return;
  text("me-speaking", edge ? "speaking" : "silent");
  $("me-speaking").classList.toggle("on", edge);
  sendSpeaking(edge);
}

function sendSpeaking(speaking: boolean): void {
  if (!conversation && groups.speaking(speaking)) {
    debug.speaking = speaking;
    debug.speakingEdges += 1;
    return;
  }
  if (!conversation || conversation.state?.status !== "active" || sessionEnded) return;
  conversation.send("speaking", { speaking });
  debug.speaking = speaking;
  debug.speakingEdges += 1;
}

$("mute").addEventListener("click", () => {
  const button = $("mute");
  const muted = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(muted));
  button.textContent = muted ? "Unmute" : "Mute";
  for (const track of mic?.getAudioTracks() ?? []) track.enabled = !muted;
  status(muted ? "Microphone muted." : "Microphone on.");
});

// ---------------------------------------------------------------------------------------------
// 3. Matchmaking

$<HTMLFormElement>("setup-form").addEventListener("submit", (event) => {
  event.preventDefault();
  void findPartner(selectedSessionType());
});

async function findPartner(sessionType: "practice" | "tandem", retryIfPending = false): Promise<void> {
  clearError();
  if (!chosenTopicCode()) {
    showError("Please choose a topic.");
    return;
  }
  const button = $<HTMLButtonElement>("find-partner");
  button.disabled = true;
  try {
    status("Asking for your microphone…");
    try {
      await startMicrophone();
    } catch (err) {
      showError(`parley needs your microphone: ${describe(err)}`);
      status("");
      return;
    }
    status("Joining the queue…");
    const options = matchmakingOptions(sessionType);
    let room: Room;
    try {
      room = await sdk.joinOrCreate(ROOM_NAMES.matchmaking, options);
    } catch (err) {
      if (retryIfPending && describe(err).includes("ALREADY_MATCHED")) {
        // The ticket just cancelled may not be stored as cancelled yet: try once more shortly.
        await new Promise((resolve) => setTimeout(resolve, 500));
        return await findPartner(sessionType, false);
      }
      showError(`Could not join the queue: ${describe(err)}`);
      status("");
      stopMicrophone();
      return;
    }
    matchmaking = room;
    waitStartedAt = Date.now();
    text("wait-elapsed", "0:00");
    text("wait-estimate", "—");
    text("wait-expires", "—");
    $("suggestion").hidden = true;
    clearInterval(waitTimer);
    waitTimer = setInterval(() => text("wait-elapsed", formatDuration((Date.now() - waitStartedAt) / 1000)), 1000);
    setPhase("waiting");
    status(`Looking for a ${sessionType} partner in ${languageName(String(options.targetLanguageCode))}…`);

    room.onMessage("match_request", (msg: MatchRequestMsg) => {
      const estimate = msg.matchRequest.estimatedWaitTimeSeconds;
      text("wait-estimate", estimate > 0 ? `about ${formatDuration(estimate)}` : "unknown yet");
      text("wait-expires", new Date(msg.matchRequest.expiresAt).toLocaleTimeString());
    });
    room.onMessage("match_suggestion", (msg: MatchSuggestionMsg) => {
      text("suggestion-text", `No tandem partner yet. ${msg.waitingCount} learner(s) are waiting in the ${languageName(msg.queue)} practice queue (about ${formatDuration(msg.estimatedWaitTimeSeconds)}).`);
      $("suggestion").hidden = false;
    });
    room.onMessage("match_expired", () => {
      stopWaiting();
      showError("Nobody matched in time. Try again, widen your preferences, or pick another topic.");
      status("");
      stopMicrophone();
      setPhase("ready");
    });
    room.onMessage("match_found", (msg: MatchFoundMsg) => void onMatchFound(msg));
    room.onMessage("error", (msg: ErrorMsg) => showError(`${msg.code}: ${msg.message}`));
    room.onLeave((code) => {
      if (matchmaking !== room) return;
      matchmaking = null;
      if (debug.state === "waiting") {
        stopWaiting();
        showError(`Disconnected from the queue (code ${code}).`);
        stopMicrophone();
        setPhase("ready");
      }
    });
  } finally {
    button.disabled = false;
  }
}

function stopWaiting(): void {
  clearInterval(waitTimer);
  const room = matchmaking;
  matchmaking = null;
  room?.leave().catch(() => undefined);
}

$("cancel-search").addEventListener("click", () => {
  const room = matchmaking;
  if (room) room.send("cancel", {});
  stopWaiting();
  stopMicrophone();
  setPhase("ready");
  status("Search cancelled.");
});

$("switch-to-practice").addEventListener("click", () => {
  const room = matchmaking;
  if (room) room.send("cancel", {});
  stopWaiting();
  $<HTMLInputElement>("su-type-practice").checked = true;
  void findPartner("practice", true);
});

// ---------------------------------------------------------------------------------------------
// 4. The conversation

/** ICE servers from `POST /sessions/:id/join`; none (host candidates only) when that fails. */
async function iceServersFor(sessionId: string): Promise<RTCIceServer[]> {
  if (!token) return [];
  try {
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), 3000));
    const { iceServers } = await Promise.race([joinSession(token, sessionId), timeout]);
    console.info(`[parley] ${iceServers.length} ICE server(s) from POST /sessions/${sessionId}/join`);
    return iceServers;
  } catch (err) {
    console.info(`[parley] no ICE servers from POST /sessions/${sessionId}/join (${describe(err)}); using host candidates only`);
    return [];
  }
}

async function onMatchFound(found: MatchFoundMsg): Promise<void> {
  stopWaiting();
  match = found;
  sessionEnded = false;
  debug.sessionId = found.sessionId;
  debug.isInitiator = found.isInitiator;
  debug.partnerId = found.partner.userId;
  debug.prompt = null;
  debug.stats = null;
  debug.speakingEdges = 0;
  setPhase("connecting");
  text("partner-name", found.partner.displayName);
  text("partner-details", `${found.partner.displayName} · native ${languageName(found.partner.nativeLanguageCode)} · learns ${languageName(found.partner.targetLanguageCode)} (${found.partner.level})`);
  text("talk-topic", topicName(found.topicCode));
  text("match-reasons", matchReasons(found).join(", "));
  text("talk-connection", "connecting…");
  text("talk-audio", "");
  text("prompt", "Waiting for your partner to join…");
  text("prompt-category", "");
  text("prompt-count", "");
  text("talk-elapsed", "0:00");
  text("talk-remaining", "");
  $<HTMLButtonElement>("end-session").disabled = false;
  $<HTMLButtonElement>("next-prompt").disabled = true;
  status(`Matched with ${found.partner.displayName}. Connecting…`);

  const iceServers = await iceServersFor(found.sessionId);
  const stream = mic ?? (await startMicrophone());
  const partnerId = found.partner.userId;
  link = new PeerLink(
    iceServers,
    stream,
    {
      offer: (sdp) => conversation?.send("offer", { sdp, targetUserId: partnerId }),
      answer: (sdp) => conversation?.send("answer", { sdp, targetUserId: partnerId }),
      candidate: (candidate) => conversation?.send("ice_candidate", { candidate, targetUserId: partnerId }),
    },
    {
      remoteStream: (remote) => {
        const audio = $<HTMLAudioElement>("remote-audio");
        audio.srcObject = remote;
        audio.play().catch((err: unknown) => console.info("[parley] remote audio autoplay:", describe(err)));
      },
      stateChange: (state) => {
        text("talk-connection", state);
        if (state === "connected") status(`Connected to ${found.partner.displayName}. Say hello!`);
        if (state === "failed") showError("The audio connection failed. Your network may block peer-to-peer audio (a TURN server helps).");
      },
      error: (err) => showError(`Audio connection error: ${describe(err)}`),
    },
  );
  debug.pc = link.pc;

  let room: Room<unknown, ConversationState>;
  try {
    room = await sdk.consumeSeatReservation<ConversationState>(found.reservation);
  } catch (err) {
    showError(`Could not join the conversation: ${describe(err)}`);
    closeConversation();
    stopMicrophone();
    setPhase("ready");
    return;
  }
  conversation = room;
  setPhase("in-conversation");
  wireConversation(room, found);
}

let insights: TalkInsights | null = null;
$("switch-language").addEventListener("click", () => insights?.requestSwitch());

function wireConversation(room: Room<unknown, ConversationState>, found: MatchFoundMsg): void {
  const partnerId = found.partner.userId;
  insights?.dispose();
  insights = new TalkInsights(room, debug.userId ?? "", languageName);
  chatPanel?.dispose();
  chatPanel = new ChatPanel($("talk-chat"), room, { userId: debug.userId ?? "", moderator: false, onNotification: (n) => chatHome?.notified(n) });
  room.onMessage("partner_joined", (msg: { partnerId: string; partnerName: string }) => {
    if (msg.partnerId !== partnerId) return;
    status(`${msg.partnerName} joined.`);
    if (found.isInitiator) link?.offer();
  });
  room.onMessage("offer", (msg: { from: string; sdp: string }) => {
    if (msg.from === partnerId) link?.acceptOffer(msg.sdp);
  });
  room.onMessage("answer", (msg: { from: string; sdp: string }) => {
    if (msg.from === partnerId) link?.acceptAnswer(msg.sdp);
  });
  room.onMessage("ice_candidate", (msg: { from: string; candidate: RTCIceCandidateInit }) => {
    if (msg.from === partnerId) link?.addCandidate(msg.candidate);
  });
  room.onMessage("new_prompt", (msg: PromptMsg) => showPrompt(msg));
  room.onMessage("partner_left", (msg: { partnerId: string; reason: string }) => {
    status(msg.reason === "disconnect" ? "Your partner lost their connection." : "Your partner left the conversation.");
  });
  room.onMessage("recording_started", (msg: { message: string }) => {
    status(msg.message);
    if (mic && !recorder) {
      recorder = new MicRecorder(mic, (bytes) => room.sendBytes("audio_chunk", bytes));
      if (!recorder.start()) status("This browser cannot record WebM audio: the call goes on without your track.");
      debug.recorder = recorder;
    }
  });
  room.onMessage("session_ended", (msg: SessionEndedMsg) => onSessionEnded(msg));
  room.onMessage("rated", (msg: { averageRating: number }) => {
    pendingRating?.resolve(msg.averageRating);
    pendingRating = null;
  });
  room.onMessage("error", (msg: ErrorMsg) => {
    // A chunk sent as the session ended: the recording is over, not an error to show.
    if (recorder && isRecordingOver(msg)) {
      recorder.stop();
      recorder = null;
      return;
    }
    // A speaking edge or heartbeat sent while the end is being stored (a recorded session first
    // finishes its recording): session_ended is on its way.
    if (msg.code === "SESSION_NOT_ACTIVE" && !pendingRating) return status("The conversation is ending…");
    if (pendingRating) {
      pendingRating.reject(new Error(`${msg.code}: ${msg.message}`));
      pendingRating = null;
      return;
    }
    showError(`${msg.code}: ${msg.message}`);
  });
  room.onStateChange((state) => {
    renderState(state);
    insights?.render(state);
  });
  room.onDrop(() => status("Connection to parley lost. Reconnecting…"));
  room.onReconnect(() => status("Reconnected."));
  room.onLeave((code) => {
    if (conversation !== room) return;
    conversation = null;
    if (!sessionEnded) {
      showError(`Disconnected from the conversation (code ${code}).`);
      closeConversation();
      stopMicrophone();
      setPhase("ended");
      text("ended-summary", "The conversation was interrupted.");
    }
  });

  clearInterval(talkTimer);
  talkTimer = setInterval(() => {
    if (room.state) renderClock(room.state);
    void refreshStats();
  }, 1000);
  clearInterval(heartbeatTimer);
  heartbeatTimer = setInterval(() => {
    if (conversation === room && !sessionEnded) room.send("heartbeat", {});
  }, 15000);
}

function showPrompt(prompt: PromptMsg): void {
  if (!prompt.text) return;
  if (debug.prompt?.promptKey === prompt.promptKey && debug.prompt.text === prompt.text) return;
  debug.prompt = { promptKey: prompt.promptKey, text: prompt.text, category: prompt.category };
  const el = $("prompt");
  el.textContent = prompt.text;
  el.dataset.promptKey = prompt.promptKey;
  text("prompt-category", prompt.category.replace(/_/g, " "));
}

function renderState(state: ConversationState): void {
  if (state.currentPrompt?.text) {
    showPrompt({ promptKey: state.currentPrompt.promptKey, text: state.currentPrompt.text, category: state.currentPrompt.category as PromptMsg["category"] });
  }
  text("prompt-count", state.promptCount ? `#${state.promptCount}` : "");
  $<HTMLButtonElement>("next-prompt").disabled = state.status !== "active";
  const partner = debug.partnerId ? state.participants?.get(debug.partnerId) : undefined;
  if (partner) {
    text("partner-speaking", partner.speaking ? "speaking" : "silent");
    $("partner-speaking").classList.toggle("on", partner.speaking);
    text("partner-connected", partner.connected ? `spoke ${formatDuration(partner.spokenSeconds)}` : "not connected");
  }
  renderClock(state);
}

function renderClock(state: ConversationState): void {
  if (!state.startedAt || sessionEnded) return;
  text("talk-elapsed", formatDuration((Date.now() - state.startedAt) / 1000));
  if (state.endsAt) text("talk-remaining", `(${formatDuration((state.endsAt - Date.now()) / 1000)} left)`);
}

async function refreshStats(): Promise<void> {
  if (!link || link.pc.connectionState === "closed") return;
  try {
    const stats = await link.audioStats();
    debug.stats = stats;
    text("talk-audio", `· audio ↓ ${(stats.bytesReceived / 1024).toFixed(0)} kB ↑ ${(stats.bytesSent / 1024).toFixed(0)} kB`);
  } catch {
    // getStats on a closing connection: nothing to show.
  }
}

$("next-prompt").addEventListener("click", () => {
  clearError();
  conversation?.send("request_next_prompt", {});
});

$("end-session").addEventListener("click", () => {
  if (!conversation) return;
  $<HTMLButtonElement>("end-session").disabled = true;
  status("Ending the conversation…");
  conversation.send("end_session", {});
});

// ---------------------------------------------------------------------------------------------
// 5. Ended: rating and report

function onSessionEnded(msg: SessionEndedMsg): void {
  sessionEnded = true;
  if (vad.reset()) {
    text("me-speaking", "silent");
    $("me-speaking").classList.remove("on");
  }
  closeConversation({ keepRoom: true });
  stopMicrophone();
  const reasons: Record<string, string> = {
    completed: "The conversation is over.",
    partner_left: "Your partner left.",
    timeout: "Time is up.",
    host_ended: "The host ended the conversation.",
    error: "The conversation stopped because of an error.",
  };
  text("ended-summary", `${reasons[msg.reason] ?? msg.reason} Duration: ${formatDuration(msg.durationSeconds)} (${msg.status}).${msg.recordingUrl ? " A recording is available." : ""}`);
  insights?.dispose();
  if (token && match) void showSessionSummary(token, match.sessionId, languageName);
  else $("session-summary").hidden = true;
  // Nothing to rate when the partner never came (expired); reporting a no-show stays possible.
  $("rate-form").hidden = msg.status === "expired";
  $<HTMLFormElement>("rate-form").reset();
  $<HTMLButtonElement>("rate-submit").disabled = false;
  text("rate-result", "");
  text("report-result", "");
  $<HTMLButtonElement>("report-submit").disabled = false;
  setPhase("ended");
  status(msg.status === "completed" ? "Conversation ended. Please rate it." : `Conversation ${msg.status}.`);
}

/** Rates by room message while the room is open (it stays a few minutes), else over REST. */
function submitRating(rating: number, feedback: string | undefined): Promise<number> {
  const room = conversation;
  if (room && match) {
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        pendingRating = null;
        reject(new Error("no answer from the server"));
      }, 10000);
      pendingRating = {
        resolve: (average) => (clearTimeout(timer), resolve(average)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      };
      room.send("rate", feedback ? { rating, feedback } : { rating });
    });
  }
  if (!token || !match) return Promise.reject(new Error("no session to rate"));
  return rateSession(token, match.sessionId, rating, feedback).then((r) => r.averageRating);
}

$<HTMLFormElement>("rate-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const checked = document.querySelector<HTMLInputElement>('input[name="rating"]:checked');
  if (!checked) {
    text("rate-result", "Choose a rating from 1 to 5.");
    return;
  }
  const feedback = $<HTMLTextAreaElement>("rate-feedback").value.trim() || undefined;
  const button = $<HTMLButtonElement>("rate-submit");
  button.disabled = true;
  try {
    const average = await submitRating(Number(checked.value), feedback);
    text("rate-result", `Thank you! Average rating of this conversation: ${average.toFixed(1)} / 5.`);
    document.body.dataset.rated = "true";
  } catch (err) {
    text("rate-result", `Could not send your rating: ${describe(err)}`);
    button.disabled = false;
  }
});

$<HTMLFormElement>("report-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!token || !match) return;
  const reason = $<HTMLSelectElement>("report-reason").value as (typeof REPORT_REASONS)[number];
  const details = $<HTMLTextAreaElement>("report-details").value.trim();
  const button = $<HTMLButtonElement>("report-submit");
  button.disabled = true;
  try {
    await reportPartner(token, match.sessionId, {
      reportedUserId: match.partner.userId,
      reason,
      ...(details ? { details } : {}),
      block: $<HTMLInputElement>("report-block").checked,
    });
    text("report-result", "Report sent. Thank you — a moderator will look at it.");
  } catch (err) {
    text("report-result", `Could not send the report: ${describe(err)}`);
    button.disabled = false;
  }
});

$("again").addEventListener("click", () => {
  const room = conversation;
  conversation = null;
  room?.leave().catch(() => undefined);
  match = null;
  debug.sessionId = null;
  debug.partnerId = null;
  setPhase("ready");
  status("");
  void refreshHistory();
});

// ---------------------------------------------------------------------------------------------
// Groups (seed 000): create, share the code, join by code or from the list, talk in a mesh

const groups = initGroupCall(
  {
    sdk,
    token: () => token,
    userId: () => claims?.sub ?? null,
    choice: () => ({ targetLanguageCode: $<HTMLSelectElement>("su-target").value, topicCode: chosenTopicCode() }),
    startMicrophone,
    stopMicrophone,
    showGroupView: (shown) => setPhase(shown ? "group" : "ready"),
    status,
    showError,
    describe,
  },
  (group) => {
    debug.group = group;
  },
);

// ---------------------------------------------------------------------------------------------
// Teardown

function closeConversation(options: { keepRoom?: boolean } = {}): void {
  chatPanel?.dispose();
  chatPanel = null;
  recorder?.stop();
  recorder = null;
  clearInterval(talkTimer);
  clearInterval(heartbeatTimer);
  link?.close();
  link = null;
  $<HTMLAudioElement>("remote-audio").srcObject = null;
  if (!options.keepRoom) {
    const room = conversation;
    conversation = null;
    room?.leave().catch(() => undefined);
  }
}

async function leaveEverything(): Promise<void> {
  groups.leave();
  stopWaiting();
  closeConversation();
  stopMicrophone();
}

window.addEventListener("pagehide", () => void leaveEverything());

// ---------------------------------------------------------------------------------------------
// Start

fillSelects();
setPhase("signed-out");
const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) {
  try {
    signIn(saved);
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
  }
}

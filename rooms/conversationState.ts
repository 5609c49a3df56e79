import { Encoder, MapSchema, Schema, type } from "@colyseus/schema";
import type { LanguageView, ParticipantView } from "../src/session/conversationCore.js";
import type { ShownPrompt } from "../src/session/promptScheduler.js";

/**
 * Bytes of the two encode buffers every room with a state allocates (the encoder's and the
 * serializer's full-state buffer; `@colyseus/schema` defaults to 16 KiB each, 32 KiB per room,
 * i.e. 16 KiB per learner of a pair). 8 KiB holds a pair's full state at its largest (names of
 * 100 characters, avatar URLs of 2,048, a long prompt); a larger one (a group of six with such
 * avatars) still encodes: the encoder grows its buffer, with a console warning. Process-wide,
 * so it applies to every room created after this module is loaded (DESIGN §11 "≤ 40 KB RSS per
 * connected learner").
 */
export const STATE_ENCODE_BUFFER_BYTES = 8 * 1024;
Encoder.BUFFER_SIZE = STATE_ENCODE_BUFFER_BYTES;

/** One participant as synced to clients (DESIGN §5). `spokenSeconds` in seconds. */
export class ParticipantState extends Schema {
  @type("string") userId = "";
  @type("string") displayName = "";
  @type("string") avatarUrl = "";
  @type("string") nativeLanguageCode = "";
  @type("string") targetLanguageCode = "";
  @type("string") level = "";
  @type("string") role = "";
  @type("boolean") connected = false;
  @type("boolean") speaking = false;
  @type("float32") spokenSeconds = 0;
  @type("uint16") turnCount = 0;
  /** Share (0–1) of the session's talk time so far (DESIGN §5, §10). */
  @type("float32") talkShare = 0;
}

/** The prompt on screen (DESIGN §5). `displayedAt` in epoch milliseconds. */
export class PromptState extends Schema {
  @type("string") promptKey = "";
  @type("string") text = "";
  @type("string") category = "";
  @type("float64") displayedAt = 0;
}

/** Synced state of a `conversation` room (DESIGN §5). Times in epoch milliseconds (0 = unset). */
export class ConversationState extends Schema {
  @type("string") sessionId = "";
  @type("string") status = "waiting";
  @type("string") sessionType = "practice";
  @type("string") targetLanguageCode = "";
  @type("string") topicCode = "";
  @type("string") targetLevel = "";
  @type("float64") startedAt = 0;
  @type("float64") endsAt = 0;
  @type("string") hostUserId = "";
  @type({ map: ParticipantState }) participants = new MapSchema<ParticipantState>();
  @type(PromptState) currentPrompt = new PromptState();
  @type("uint8") promptCount = 0;
  @type("boolean") recording = false;
  /** The language being practised now (a tandem switches at `switchAt`, DESIGN §10). */
  @type("string") activeLanguageCode = "";
  /** Tandem: when the half-time switch is scheduled, epoch ms (0 = no switch). */
  @type("float64") switchAt = 0;
}

/**
 * Copies the core's view into the synced state (participants by userId, the prompt on screen,
 * the active language). Only changed fields produce patches (schema setters compare).
 */
export function syncConversationState(state: ConversationState, participants: readonly ParticipantView[], prompt: { current?: ShownPrompt; count: number }, hostUserId: string | undefined, language: LanguageView): void {
  state.activeLanguageCode = language.activeLanguageCode;
  state.switchAt = language.switchAt ?? 0;
  for (const view of participants) {
    let ps = state.participants.get(view.userId);
    if (!ps) {
      ps = new ParticipantState();
      state.participants.set(view.userId, ps);
    }
    Object.assign(ps, view);
  }
  state.hostUserId = hostUserId ?? "";
  const shown = prompt.current;
  if (shown && state.currentPrompt.promptKey !== shown.promptKey) {
    state.currentPrompt.promptKey = shown.promptKey;
    state.currentPrompt.text = shown.prompt.text;
    state.currentPrompt.category = shown.category;
    state.currentPrompt.displayedAt = shown.displayedAt;
  }
  state.promptCount = prompt.count;
}

import { z } from "zod";
import type { ErrorMessage } from "./matchmakingMessages.js";

/**
 * The `conversation` room's messages (DESIGN §5 "conversation room", seed 002 §4, seed 000).
 * Client → server: a zod schema per type (strict: unknown fields are refused with
 * `error {code:"INVALID_REQUEST"}`). Server → client: a payload type per type.
 */

const userIdSchema = z.string().min(1).max(128);

/** `offer` / `answer` `{ sdp, targetUserId }`: relayed to that participant only. SDP checked by `validateSdp`. */
export const signalMessageSchema = z.strictObject({ sdp: z.string(), targetUserId: userIdSchema });
/** `ice_candidate` `{ candidate, targetUserId }`; the candidate is checked by `validateIceCandidate`. */
export const iceCandidateMessageSchema = z.strictObject({ candidate: z.unknown(), targetUserId: userIdSchema });
/** The `{}` of `request_next_prompt`, `request_language_switch`, `heartbeat`, `end_session`, `leave_session`. */
export const emptyMessageSchema = z.strictObject({});
/** `speaking` `{ speaking }`: a voice-activity edge. */
export const speakingMessageSchema = z.strictObject({ speaking: z.boolean() });
/**
 * `rate` `{ rating, feedback?, partnerLevelFeedback? }`, also the body of `POST /sessions/:id/rate`
 * (seed 002 §3.2; DESIGN §10 "Level drift": how the partner's level felt, `lower`|`right`|`higher`).
 * `rating` is only type-checked here; its range is `assertRatable`'s (422 `INVALID_RATING`).
 */
export const rateMessageSchema = z.strictObject({
  rating: z.number(),
  feedback: z.string().max(500).optional(),
  partnerLevelFeedback: z.enum(["lower", "right", "higher"]).optional(),
});

/** Every client → server message schema of the `conversation` room, by type. */
export const conversationClientMessages = {
  offer: signalMessageSchema,
  answer: signalMessageSchema,
  ice_candidate: iceCandidateMessageSchema,
  request_next_prompt: emptyMessageSchema,
  request_language_switch: emptyMessageSchema,
  speaking: speakingMessageSchema,
  heartbeat: emptyMessageSchema,
  end_session: emptyMessageSchema,
  leave_session: emptyMessageSchema,
  rate: rateMessageSchema,
} as const;

/** A client → server message type of the `conversation` room. */
export type ConversationClientMessageType = keyof typeof conversationClientMessages;

/** The decoded payload of each client → server message. */
export type ConversationClientMessage = { [K in ConversationClientMessageType]: z.infer<(typeof conversationClientMessages)[K]> };

/** `partner_joined`: sent to everyone present when someone joins, and to the joiner about each one present. */
export interface PartnerJoinedMessage {
  partnerId: string;
  partnerName: string;
  partnerAvatar?: string;
  nativeLanguageCode: string;
  targetLanguageCode: string;
}

/** `offer` / `answer` relayed to its target. The SDP is never stored nor logged. */
export interface SignalRelayMessage {
  from: string;
  sdp: string;
}

/** `ice_candidate` relayed to its target. */
export interface IceCandidateRelayMessage {
  from: string;
  candidate: unknown;
}

/** `partner_left`: `disconnect` after the reconnection grace, `ended` for leave_session. */
export interface PartnerLeftMessage {
  partnerId: string;
  reason: "disconnect" | "ended" | "timeout";
}

/** `new_prompt` (DESIGN §6 prompts). */
export interface NewPromptMessage {
  promptKey: string;
  text: string;
  category: "icebreaker" | "main_topic" | "follow_up";
}

/**
 * `language_switch` (DESIGN §10 tandem half-time switch), to everyone: the language now active,
 * when it switched (epoch ms), and the first prompt in it (absent when its topic has none).
 */
export interface LanguageSwitchMessage {
  activeLanguageCode: string;
  at: number;
  prompt?: NewPromptMessage;
}

/**
 * `talk_balance` (DESIGN §10 talk-time balance), to one participant: `share` = their own share
 * (0–1) of the last 3 minutes' talk time; `invite_partner` to the dominant, `your_turn` to the quiet one.
 */
export interface TalkBalanceMessage {
  share: number;
  suggestion: "invite_partner" | "your_turn";
}

/** `session_ended`; `durationSeconds` in whole seconds. */
export interface SessionEndedMessage {
  reason: "completed" | "partner_left" | "timeout" | "host_ended" | "error";
  status: "completed" | "expired" | "aborted";
  durationSeconds: number;
  recordingUrl?: string;
}

/** `recording_started`: the session records (every participant consented, DESIGN §5–§6). */
export interface RecordingStartedMessage {
  message: string;
}

/** `rated`: the answer to `rate`, with the session's average after it. */
export interface RatedMessage {
  success: true;
  averageRating: number;
}

/** Every server → client message of the `conversation` room, by type. */
export interface ConversationServerMessages {
  partner_joined: PartnerJoinedMessage;
  offer: SignalRelayMessage;
  answer: SignalRelayMessage;
  ice_candidate: IceCandidateRelayMessage;
  partner_left: PartnerLeftMessage;
  new_prompt: NewPromptMessage;
  session_ended: SessionEndedMessage;
  rated: RatedMessage;
  recording_started: RecordingStartedMessage;
  language_switch: LanguageSwitchMessage;
  talk_balance: TalkBalanceMessage;
  error: ErrorMessage;
}

import { z } from "zod";

/**
 * The `matchmaking` room's messages (DESIGN §5 "matchmaking room"). Join options are
 * `matchmakingJoinOptionsSchema` (src/matchmaking/matchRequestOptions.ts, re-exported by
 * `src/protocol/index.ts`).
 */

/** Client → server `cancel` `{}` (leaving the room also cancels). */
export const cancelMessageSchema = z.strictObject({});

/**
 * The ticket view: the 201 body of `POST /match-request` (seed 002 §3.2) and the payload of
 * `match_request`. `expiresAt` is ISO 8601; `estimatedWaitTimeSeconds` in seconds.
 */
export const matchRequestViewSchema = z.object({
  matchRequest: z.object({
    id: z.string(),
    status: z.literal("pending"),
    estimatedWaitTimeSeconds: z.number(),
    expiresAt: z.string(),
  }),
});

/** See {@link matchRequestViewSchema}. */
export type MatchRequestView = z.infer<typeof matchRequestViewSchema>;

/** The partner described in `match_found` (DESIGN §5). */
export interface MatchPartnerView {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  nativeLanguageCode: string;
  targetLanguageCode: string;
  level: string;
}

/** The widening stage a pair was matched at (DESIGN §4 "Widening stages"). */
export type MatchStage = "strict" | "level_1" | "same_category" | "any_level";

/**
 * Points of each score component of a match (DESIGN §4 "Score of a pair", §10 "Explainable
 * match"); the six values sum exactly to `compatibilityScore`.
 */
export interface ScoreBreakdown {
  /** CEFR level difference 0 → 50, 1 → 30, otherwise 0. */
  level: number;
  /** Reciprocal tandem pair → 100. */
  tandem: number;
  /** A stated `preferredAccent` met → 20. */
  accent: number;
  /** Practice: a stated `preferredPartnerNativeLanguageCode` met → 20. */
  nativeLanguage: number;
  /** No conversation together in the last 7 days → 30. */
  notRecent: number;
  /** A premium ticket in the pair → 50. */
  premium: number;
}

/**
 * Why a match was made, as one user sees it (DESIGN §10 "Explainable match"):
 * `levelDifference` is signed, partner's CEFR index − mine (+1 = the partner is one level above).
 */
export interface MatchExplanation {
  stage: MatchStage;
  levelDifference: number;
  scoreBreakdown: ScoreBreakdown;
}

/**
 * Server → client `match_found` (DESIGN §5, §10: `stage`, `levelDifference`, `scoreBreakdown`). `reservation` is a seat reservation for
 * `client.consumeSeatReservation()`, filled in by the room once the conversation room exists.
 */
export interface MatchFoundMessage<Reservation = unknown> extends MatchExplanation {
  matchRequestId: string;
  sessionId: string;
  isInitiator: boolean;
  compatibilityScore: number;
  sessionType: "practice" | "tandem";
  topicCode: string;
  estimatedLevelDifference?: number;
  partner: MatchPartnerView;
  reservation: Reservation;
}

/** Server → client `match_expired` (DESIGN §5): the ticket expired, or its match could not be stored. */
export interface MatchExpiredMessage {
  matchRequestId: string;
}

/** Server → client `match_suggestion` (DESIGN §4, §10): another queue may serve the ticket sooner. */
export interface MatchSuggestionMessage {
  matchRequestId: string;
  queue: string;
  waitingCount: number;
  estimatedWaitTimeSeconds: number;
}

/** Every server → client message of the `matchmaking` room, by type. */
export interface MatchmakingServerMessages {
  match_request: MatchRequestView;
  match_found: MatchFoundMessage;
  match_expired: MatchExpiredMessage;
  match_suggestion: MatchSuggestionMessage;
  error: ErrorMessage;
}

/** Server → client `error` in every room (DESIGN §5): the message was refused and changed nothing. */
export interface ErrorMessage {
  code: string;
  message: string;
}

import { matchMaker } from "@colyseus/core";
import type { ConversationRoom } from "../../rooms/ConversationRoom.js";
import { Inbox, newLearner, type Learner } from "./learners.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";
import type { MatchExplanation } from "../../src/protocol/matchmakingMessages.js";

/** The part of `match_found` room tests use. */
export interface MatchFound extends MatchExplanation {
  sessionId: string;
  isInitiator: boolean;
  compatibilityScore: number;
  partner: { userId: string; level: string };
  reservation: Parameters<Learner["sdk"]["consumeSeatReservation"]>[0];
}

/**
 * Two free B1 learners of `lang` (natives it and sv) matched on `topicCode` through the
 * `matchmaking` room; both left it, neither has joined the conversation yet.
 */
export async function matchedPair(lang: string, topicCode: string) {
  const a = await newLearner("ana", { nativeLanguageCode: "it", levels: { [lang]: "B1" } });
  const b = await newLearner("bo", { nativeLanguageCode: "sv", levels: { [lang]: "B1" } });
  const opts = { queue: lang, targetLanguageCode: lang, topicCode };
  const mmA = await a.sdk.joinOrCreate(ROOM_NAMES.matchmaking, opts);
  const inboxA = new Inbox(mmA);
  const mmB = await b.sdk.joinOrCreate(ROOM_NAMES.matchmaking, opts);
  const inboxB = new Inbox(mmB);
  const [fa, fb] = await Promise.all([inboxA.next<MatchFound>("match_found"), inboxB.next<MatchFound>("match_found")]);
  await Promise.all([mmA.leave(), mmB.leave()]);
  return { a, b, fa, fb, sessionId: fa.sessionId, inboxA };
}

/** {@link matchedPair}, then both connected to the active conversation with the icebreaker received. */
export async function talkingPair(lang: string, topicCode: string) {
  const m = await matchedPair(lang, topicCode);
  const roomA = await m.a.sdk.consumeSeatReservation(m.fa.reservation);
  const inA = new Inbox(roomA);
  const roomB = await m.b.sdk.consumeSeatReservation(m.fb.reservation);
  const inB = new Inbox(roomB);
  await Promise.all([inA.next("new_prompt"), inB.next("new_prompt")]);
  return { ...m, roomA, roomB, inA, inB };
}

/** The conversation room of `sessionId` in this process, if it runs here. */
export function localConversation(sessionId: string): ConversationRoom | undefined {
  return matchMaker.getLocalRoomById(sessionId) as unknown as ConversationRoom | undefined;
}

/**
 * Resolves once `check()` holds, re-checking after each event-loop turn (the rooms' queued I/O).
 * @throws after `timeoutMs`, naming `what`.
 */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import type { LanguageSwitchMessage, NewPromptMessage, TalkBalanceMessage } from "../../src/protocol/conversationMessages.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";
import { SEED_TOPICS } from "../../src/topics/seed/index.js";
import { localConversation, talkingPair, type MatchFound } from "../support/conversations.js";
import { Inbox, newLearner, waitForState } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";

let topicSeq = 0;
const TOPICS = ["hobbies.music", "daily_life.shopping", "hobbies.free_time", "daily_life.introductions"];
const nextTopic = () => TOPICS[topicSeq++ % TOPICS.length] ?? "hobbies.music";

/** A tandem pair (ana: native fr learning en, the initiator; ben: native en learning fr), both in the active conversation. */
async function tandemPair() {
  const topicCode = nextTopic();
  const a = await newLearner("ana", { nativeLanguageCode: "fr", levels: { en: "B1" } });
  const b = await newLearner("ben", { nativeLanguageCode: "en", levels: { fr: "B1" } });
  const mmA = await a.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: "en+fr", targetLanguageCode: "en", topicCode, sessionType: "tandem" });
  const inboxA = new Inbox(mmA);
  const mmB = await b.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: "en+fr", targetLanguageCode: "fr", topicCode, sessionType: "tandem" });
  const inboxB = new Inbox(mmB);
  const [fa, fb] = await Promise.all([inboxA.next<MatchFound>("match_found"), inboxB.next<MatchFound>("match_found")]);
  await Promise.all([mmA.leave(), mmB.leave()]);
  const roomA = (await a.sdk.consumeSeatReservation(fa.reservation)) as Room<unknown, ConversationState>;
  const inA = new Inbox(roomA);
  const roomB = (await b.sdk.consumeSeatReservation(fb.reservation)) as Room<unknown, ConversationState>;
  const inB = new Inbox(roomB);
  await Promise.all([inA.next("new_prompt"), inB.next("new_prompt")]);
  const first = fa.isInitiator ? { learner: a, room: roomA, inbox: inA } : { learner: b, room: roomB, inbox: inB };
  const second = fa.isInitiator ? { learner: b, room: roomB, inbox: inB } : { learner: a, room: roomA, inbox: inA };
  return { sessionId: fa.sessionId, first, second, rooms: [roomA, roomB] };
}

function room(sessionId: string) {
  const r = localConversation(sessionId);
  if (!r) throw new Error(`no conversation room ${sessionId} in this process`);
  return r;
}

describe("rooms: tandem language switch and talk-time balance (DESIGN §10)", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    clock.offsetMs = 0;
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => undefined)));
  });

  it("syncs the initiator's target as active language, then sends language_switch to both at half time with a prompt in the other language", async () => {
    const t = await tandemPair();
    open.push(...t.rooms);
    const initiatorTarget = t.first.room.state.targetLanguageCode;
    await waitForState(t.first.room, (s) => s.activeLanguageCode === initiatorTarget && s.switchAt > 0);
    const other = initiatorTarget === "en" ? "fr" : "en";
    const r = room(t.sessionId);
    r.tick(t.first.room.state.switchAt);
    const [toFirst, toSecond] = await Promise.all([t.first.inbox.next<LanguageSwitchMessage>("language_switch"), t.second.inbox.next<LanguageSwitchMessage>("language_switch")]);
    assert.equal(toFirst.activeLanguageCode, other);
    assert.equal(toFirst.at, t.first.room.state.switchAt);
    assert.deepEqual(toSecond, toFirst);
    const topic = SEED_TOPICS.find((x) => x.targetLanguageCode === other && x.code === t.first.room.state.topicCode);
    assert.ok(topic?.prompts.some((x) => x.promptKey === toFirst.prompt?.promptKey && x.text === toFirst.prompt.text), "a prompt of the same topic in the other language");
    await waitForState(t.second.room, (s) => s.activeLanguageCode === other && s.currentPrompt.promptKey === toFirst.prompt?.promptKey);
  });

  it("switches early when both send request_language_switch; a practice session answers it with error INVALID_REQUEST", async () => {
    const t = await tandemPair();
    open.push(...t.rooms);
    t.first.room.send("request_language_switch", {});
    t.second.room.send("request_language_switch", {});
    const told = await t.first.inbox.next<LanguageSwitchMessage>("language_switch");
    assert.notEqual(told.activeLanguageCode, t.first.room.state.targetLanguageCode);
    await waitForState(t.first.room, (s) => s.activeLanguageCode === told.activeLanguageCode);
    t.first.room.send("request_language_switch", {});
    assert.equal((await t.first.inbox.next<{ code: string }>("error")).code, "INVALID_REQUEST", "no second switch");

    const p = await talkingPair("de", nextTopic());
    open.push(p.roomA, p.roomB);
    p.roomA.send("request_language_switch", {});
    const error = await p.inA.next<{ code: string }>("error");
    assert.equal(error.code, "INVALID_REQUEST");
  });

  it("sends talk_balance to the dominant and the quiet participant, and a follow-up prompt to the quiet one alone", async () => {
    const p = await talkingPair("es", nextTopic());
    open.push(p.roomA, p.roomB);
    p.roomA.send("speaking", { speaking: true });
    await waitForState(p.roomB as Room<unknown, ConversationState>, (s) => s.participants.get(p.a.userId)?.speaking === true);
    const promptsToA = p.inA.all("new_prompt").length;
    const promptsToB = p.inB.all("new_prompt").length;
    room(p.sessionId).tick(clock.now() + 61_000);
    const [dominant, quiet, followUp] = await Promise.all([p.inA.next<TalkBalanceMessage>("talk_balance"), p.inB.next<TalkBalanceMessage>("talk_balance"), p.inB.next<NewPromptMessage>("new_prompt", promptsToB)]);
    assert.equal(dominant.suggestion, "invite_partner");
    assert.ok(dominant.share > 0.99);
    assert.deepEqual(quiet, { share: 0, suggestion: "your_turn" });
    assert.equal(followUp.category, "follow_up");
    await waitForState(p.roomA as Room<unknown, ConversationState>, (s) => (s.participants.get(p.a.userId)?.talkShare ?? 0) > 0.99);
    assert.equal(p.inA.all("new_prompt").length, promptsToA, "the follow-up goes to the quiet one alone");
  });
});

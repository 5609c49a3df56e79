import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import { REALISTIC_AUDIO_ANSWER, REALISTIC_AUDIO_OFFER } from "../unit/session/fixtures/sdp.js";
import { talkingPair } from "../support/conversations.js";
import { waitForState } from "../support/learners.js";
import { testServer } from "../support/testServer.js";

/** Two learners matched in `lang` and both connected to their conversation room. */
async function matchedPair(lang: string, topicCode: string) {
  const p = await talkingPair(lang, topicCode);
  return { ...p, foundA: p.fa, foundB: p.fb, convA: p.inA, convB: p.inB };
}

describe("rooms: two learners matched and talking", () => {
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    rooms = [];
  });

  it("matches two compatible learners and both get match_found with a seat reservation", async () => {
    const p = await matchedPair("es", "daily_life.introductions");
    rooms.push(p.roomA, p.roomB);
    assert.equal(p.foundA.sessionId, p.foundB.sessionId);
    assert.equal(p.foundA.partner.userId, p.b.userId);
    assert.equal(p.foundB.partner.userId, p.a.userId);
    assert.notEqual(p.foundA.isInitiator, p.foundB.isInitiator);
    assert.equal(p.roomA.roomId, p.foundA.sessionId);
    assert.ok(p.foundA.compatibilityScore >= 50);
    // Explainable match (DESIGN §10): why, in the payload, summing to the score.
    for (const found of [p.foundA, p.foundB]) {
      assert.equal(found.stage, "strict");
      assert.equal(found.levelDifference, 0);
      assert.equal(found.scoreBreakdown.level, 50);
      assert.equal(Object.values(found.scoreBreakdown).reduce((x, y) => x + y, 0), found.compatibilityScore);
    }
    assert.equal(p.inboxA.all("match_request").length, 1);
  });

  it("activates the session, sends the icebreaker and relays signaling only to the target", async () => {
    const p = await matchedPair("de", "hobbies.free_time");
    rooms.push(p.roomA, p.roomB);
    const prompt = await p.convA.next<{ category: string; text: string }>("new_prompt");
    assert.equal(prompt.category, "icebreaker");
    assert.ok(prompt.text.length > 0);
    await p.convB.next("partner_joined");
    p.roomA.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: p.b.userId });
    const offer = await p.convB.next<{ from: string; sdp: string }>("offer");
    assert.equal(offer.from, p.a.userId);
    assert.equal(offer.sdp, REALISTIC_AUDIO_OFFER);
    p.roomB.send("answer", { sdp: REALISTIC_AUDIO_ANSWER, targetUserId: p.a.userId });
    const answer = await p.convA.next<{ from: string }>("answer");
    assert.equal(answer.from, p.b.userId);
    p.roomA.send("ice_candidate", { candidate: { candidate: "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host", sdpMid: "0", sdpMLineIndex: 0 }, targetUserId: p.b.userId });
    const ice = await p.convB.next<{ from: string }>("ice_candidate");
    assert.equal(ice.from, p.a.userId);
    assert.equal(p.convA.all("offer").length, 0, "the sender never gets its own offer back");
  });

  it("answers bad signaling with error codes and keeps the room working", async () => {
    const p = await matchedPair("fr", "hobbies.music");
    rooms.push(p.roomA, p.roomB);
    await p.convA.next("new_prompt");
    p.roomA.send("offer", { sdp: "x".repeat(11 * 1024), targetUserId: p.b.userId });
    assert.equal((await p.convA.next<{ code: string }>("error", 0)).code, "SDP_TOO_LARGE");
    p.roomA.send("offer", { sdp: "hello world", targetUserId: p.b.userId });
    assert.equal((await p.convA.next<{ code: string }>("error", 1)).code, "INVALID_SDP");
    p.roomA.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: "mallory" });
    assert.equal((await p.convA.next<{ code: string }>("error", 2)).code, "NOT_A_PARTICIPANT");
    p.roomA.send("offer", { sdp: 42, targetUserId: p.b.userId });
    assert.equal((await p.convA.next<{ code: string }>("error", 3)).code, "INVALID_REQUEST");
    p.roomA.send("speaking", { speaking: "yes", extra: 1 });
    assert.equal((await p.convA.next<{ code: string }>("error", 4)).code, "INVALID_REQUEST");
    p.roomA.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: p.b.userId });
    assert.equal((await p.convB.next<{ from: string }>("offer")).from, p.a.userId);
    assert.equal(p.convB.all("offer").length, 1, "refused messages were never relayed");
  });

  it("ends the session on end_session, tells everyone and accepts a rating by message", async () => {
    const p = await matchedPair("en", "hobbies.free_time");
    rooms.push(p.roomA, p.roomB);
    await p.convA.next("new_prompt");
    p.roomA.send("speaking", { speaking: true });
    p.roomA.send("speaking", { speaking: false });
    await waitForState(p.roomA as Room<unknown, ConversationState>, (s) => s.participants.get(p.a.userId)?.turnCount === 1);
    p.roomB.send("end_session", {});
    const [endedA, endedB] = await Promise.all([
      p.convA.next<{ reason: string; status: string }>("session_ended"),
      p.convB.next<{ reason: string; status: string }>("session_ended"),
    ]);
    assert.equal(endedA.status, "completed", "end_session completes, even early");
    assert.equal(endedB.reason, "completed");
    const { parley } = await testServer();
    const stored = await parley.store.sessions.get(p.foundA.sessionId);
    assert.equal(stored?.status, "completed");
    assert.equal(stored?.participants.find((x) => x.userId === p.a.userId)?.turnCount, 1);
    p.roomA.send("rate", { rating: 5, feedback: "Très sympa", partnerLevelFeedback: "right" });
    const rated = await p.convA.next<{ averageRating: number }>("rated");
    assert.equal(rated.averageRating, 5);
    assert.equal((await parley.store.sessions.get(p.foundA.sessionId))?.ratings[0]?.partnerLevelFeedback, "right", "level feedback by message is stored (DESIGN §10)");
    p.roomB.send("rate", { rating: 9 });
    assert.equal((await p.convB.next<{ code: string }>("error")).code, "INVALID_RATING");
    p.roomB.send("rate", { rating: 4, partnerLevelFeedback: "much" });
    assert.equal((await p.convB.next<{ code: string }>("error", 1)).code, "INVALID_REQUEST");
  });
});

import assert from "node:assert/strict";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { REALISTIC_AUDIO_OFFER } from "../unit/session/fixtures/sdp.js";
import { eventually, localConversation as local, matchedPair, talkingPair } from "../support/conversations.js";
import { Inbox, newLearner } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";

let topicSeq = 0;
const TOPICS = ["daily_life.introductions", "hobbies.free_time", "hobbies.music", "daily_life.shopping"];

/** Two B1 learners of `lang` matched on the next topic of the cycle; neither has joined yet. */
function matched(lang = "en") {
  return matchedPair(lang, TOPICS[topicSeq++ % TOPICS.length] ?? "hobbies.free_time");
}

/** Both learners connected to the active conversation, icebreaker received. */
function talking(lang = "en") {
  return talkingPair(lang, TOPICS[topicSeq++ % TOPICS.length] ?? "hobbies.free_time");
}

/** The session's conversation room, which must run in this process. */
function localConversation(sessionId: string) {
  const room = local(sessionId);
  if (!room) throw new Error(`no conversation room ${sessionId} in this process`);
  return room;
}

async function storedStatus(sessionId: string) {
  const { parley } = await testServer();
  return (await parley.store.sessions.get(sessionId))?.status;
}

describe("rooms: session rules", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    clock.offsetMs = 0;
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => undefined)));
  });

  it("refuses a user who is not a participant of the session with 403 NOT_A_PARTICIPANT", async () => {
    const m = await matched();
    const roomA = await m.a.sdk.consumeSeatReservation(m.fa.reservation);
    open.push(roomA);
    const mallory = await newLearner("mallory", { nativeLanguageCode: "en", levels: { en: "B1" } });
    await assert.rejects(mallory.sdk.joinById(m.sessionId), (err: { code?: number; message?: string }) => {
      assert.equal(err.code, 403);
      assert.match(String(err.message), /NOT_A_PARTICIPANT/);
      return true;
    });
  });

  it("refuses a matchmaking join whose queue does not fit its options with 400 INVALID_REQUEST", async () => {
    const x = await newLearner("xavier", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    await assert.rejects(x.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: "en", targetLanguageCode: "en", topicCode: "hobbies.music", sessionType: "tandem" }), (err: { code?: number; message?: string }) => {
      assert.equal(err.code, 400);
      assert.match(String(err.message), /INVALID_REQUEST.*en\+fr/);
      return true;
    });
  });

  it("refuses matchmaking to a learner already in a live session with 409 ALREADY_IN_SESSION", async () => {
    const t = await talking();
    open.push(t.roomA, t.roomB);
    await assert.rejects(t.a.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: "en", targetLanguageCode: "en", topicCode: "hobbies.music" }), (err: { code?: number; message?: string }) => {
      assert.equal(err.code, 409);
      assert.match(String(err.message), /ALREADY_IN_SESSION/);
      return true;
    });
  });

  it("expires a waiting ticket after maxWaitTimeSeconds with match_expired", async () => {
    const solo = await newLearner("solo", { nativeLanguageCode: "ja", levels: { es: "C2" }, tier: "premium" });
    const mm = await solo.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: "es", targetLanguageCode: "es", topicCode: "hobbies.art", maxWaitTimeSeconds: 30 });
    open.push(mm);
    const inbox = new Inbox(mm);
    const request = await inbox.next<{ matchRequest: { id: string } }>("match_request");
    const room = matchMaker.getLocalRoomById(queueRoomId("es")) as unknown as QueueRoom;
    room.tick(clock.now() + 29_000);
    assert.equal(inbox.all("match_expired").length, 0);
    room.tick(clock.now() + 30_500);
    const expired = await inbox.next<{ matchRequestId: string }>("match_expired");
    assert.equal(expired.matchRequestId, request.matchRequest.id);
  });

  it("expires the session when nobody joins within the join timeout", async () => {
    const m = await matched("de");
    const room = localConversation(m.sessionId);
    room.tick(clock.now() + 59_000);
    assert.equal(await storedStatus(m.sessionId), "waiting");
    room.tick(clock.now() + 61_000);
    await eventually(async () => (await storedStatus(m.sessionId)) === "expired", "session expired");
    await eventually(async () => matchMaker.getLocalRoomById(m.sessionId) === undefined, "room disposed");
  });

  it("completes a free-tier session at 15 minutes with reason timeout", async () => {
    const t = await talking("fr");
    open.push(t.roomA, t.roomB);
    const room = localConversation(t.sessionId);
    room.tick(clock.now() + 899_000);
    assert.equal(t.inA.all("session_ended").length, 0);
    room.tick(clock.now() + 900_500);
    const ended = await t.inB.next<{ reason: string; status: string; durationSeconds: number }>("session_ended");
    assert.deepEqual([ended.reason, ended.status, ended.durationSeconds], ["timeout", "completed", 900]);
  });

  it("shows a new prompt 180 s after the icebreaker (seeded interval) and honours the maximum of 5", async () => {
    const t = await talking("es");
    open.push(t.roomA, t.roomB);
    const room = localConversation(t.sessionId);
    room.tick(clock.now() + 179_000);
    assert.equal(t.inA.all("new_prompt").length, 1);
    room.tick(clock.now() + 180_500);
    const second = await t.inA.next<{ category: string }>("new_prompt", 1);
    assert.notEqual(second.category, "icebreaker");
    for (let i = 2; i < 5; i++) {
      t.roomB.send("request_next_prompt", {});
      await t.inA.next("new_prompt", i);
    }
    t.roomB.send("request_next_prompt", {});
    const refused = await t.inB.next<{ code: string; message: string }>("error");
    assert.equal(refused.code, "INVALID_REQUEST");
    assert.match(refused.message, /at most 5/);
    assert.equal(t.inA.all("new_prompt").length, 5);
  });

  it("keeps a dropped participant's seat within the grace period and reconnects it", async () => {
    const t = await talking("de");
    open.push(t.roomB);
    const token = t.roomA.reconnectionToken;
    t.roomA.connection.close(3000, "network lost");
    const back = await t.a.sdk.reconnect(token);
    open.push(back);
    const inBack = new Inbox(back);
    t.roomB.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: t.a.userId });
    assert.equal((await inBack.next<{ from: string }>("offer")).from, t.b.userId);
    assert.equal(t.inB.all("partner_left").length, 0);
    assert.equal(await storedStatus(t.sessionId), "active");
  });

  it("tells the others partner_left only when the grace period ends, then aborts a session under 60 s", async () => {
    const t = await talking("en");
    open.push(t.roomB);
    t.roomA.connection.close(3000, "network lost");
    const left = await t.inB.next<{ partnerId: string; reason: string }>("partner_left", 0, 8000);
    assert.deepEqual(left, { partnerId: t.a.userId, reason: "disconnect" });
    const ended = await t.inB.next<{ status: string; reason: string }>("session_ended");
    assert.deepEqual([ended.status, ended.reason], ["aborted", "partner_left"]);
    await eventually(async () => (await storedStatus(t.sessionId)) === "aborted", "aborted stored");
  });

  it("refuses a signaling flood past 100 messages per minute with RATE_LIMITED and ICE past 50", async () => {
    const t = await talking("fr");
    open.push(t.roomA, t.roomB);
    const candidate = { candidate: "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host", sdpMid: "0", sdpMLineIndex: 0 };
    for (let i = 0; i < 51; i++) t.roomA.send("ice_candidate", { candidate, targetUserId: t.b.userId });
    const iceRefused = await t.inA.next<{ code: string }>("error");
    assert.equal(iceRefused.code, "RATE_LIMITED");
    await t.inB.next("ice_candidate", 49);
    for (let i = 0; i < 60; i++) t.roomB.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: t.a.userId });
    const floodRefused = await t.inB.next<{ code: string }>("error", 0);
    assert.equal(floodRefused.code, "RATE_LIMITED");
    assert.equal(t.inB.all("ice_candidate").length, 50);
    // The room still works: heartbeats and prompts are not signaling.
    t.roomA.send("request_next_prompt", {});
    await t.inB.next("new_prompt", 1);
  });
});

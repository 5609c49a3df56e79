import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { matchMaker } from "@colyseus/core";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import { eventually, localConversation, matchedPair, talkingPair } from "../support/conversations.js";
import { failWrites } from "../support/failingStore.js";
import { Inbox, newLearner, practiceOptions } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";

/**
 * DESIGN §1 "Nothing is dropped on failure": with a store that fails on demand, every client
 * learns what became of its ticket or session, and the stored records stay consistent.
 */
describe("rooms: writes that fail for good are reported", () => {
  const open: Room[] = [];
  let restore: () => void = () => undefined;
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    restore();
    clock.offsetMs = 0;
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => undefined)));
  });

  it("match creation: both learners get match_expired and their tickets end expired, no session left waiting", async () => {
    const { parley } = await testServer();
    restore = failWrites(parley.store, (w) => w.kind === "session.create");
    const a = await newLearner("ana", { nativeLanguageCode: "it", levels: { fr: "B1" } });
    const b = await newLearner("bo", { nativeLanguageCode: "sv", levels: { fr: "B1" } });
    const mmA = await a.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("fr", "daily_life.shopping"));
    const inA = new Inbox(mmA);
    const mmB = await b.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("fr", "daily_life.shopping"));
    const inB = new Inbox(mmB);
    open.push(mmA, mmB);
    const [ea, eb] = await Promise.all([inA.next<{ matchRequestId: string }>("match_expired"), inB.next<{ matchRequestId: string }>("match_expired")]);
    assert.equal(inA.all("match_found").length + inB.all("match_found").length, 0);
    for (const [learner, expired] of [[a, ea], [b, eb]] as const) {
      const ticket = await parley.store.matchRequests.get(expired.matchRequestId);
      assert.equal(ticket?.status, "expired", "the ticket is not left pending or matched to a missing session");
      assert.equal(await parley.store.sessions.liveByUser(learner.userId), undefined);
    }
  });

  it("waiting → active: both get session_ended {reason: error} and the stored session is ended with reason error", async () => {
    const { parley } = await testServer();
    const m = await matchedPair("en", "daily_life.shopping");
    restore = failWrites(parley.store, (w) => w.kind === "session.transition" && w.patch.status === "active");
    const roomA = await m.a.sdk.consumeSeatReservation(m.fa.reservation);
    const inA = new Inbox(roomA);
    const roomB = await m.b.sdk.consumeSeatReservation(m.fb.reservation);
    const inB = new Inbox(roomB);
    open.push(roomA, roomB);
    const [endA, endB] = await Promise.all([inA.next<{ reason: string; status: string }>("session_ended"), inB.next<{ reason: string; status: string }>("session_ended")]);
    assert.equal(endA.reason, "error");
    assert.equal(endB.reason, "error");
    assert.equal(inA.all("new_prompt").length, 0, "nobody is told the session started");
    await eventually(async () => (await parley.store.sessions.get(m.sessionId))?.endReason === "error", "error end stored");
    assert.ok(["completed", "expired"].includes((await parley.store.sessions.get(m.sessionId))?.status ?? ""));
  });

  it("active → completed: end_session that cannot be stored still ends the session for everyone (reason error)", async () => {
    const { parley } = await testServer();
    const t = await talkingPair("es", "hobbies.music");
    open.push(t.roomA, t.roomB);
    restore = failWrites(parley.store, (w) => w.kind === "session.transition");
    t.roomA.send("end_session", {});
    const [endA, endB] = await Promise.all([t.inA.next<{ reason: string }>("session_ended"), t.inB.next<{ reason: string }>("session_ended")]);
    assert.deepEqual([endA.reason, endB.reason], ["error", "error"]);
    assert.equal((await parley.store.sessions.get(t.sessionId))?.status, "active", "the store still says active: the cleanup job ends it once the room is gone");
  });

  it("waiting → expired, active → aborted and active → completed (time limit): whoever is there gets session_ended {reason: error}", async () => {
    const { parley, config } = await testServer();
    restore = failWrites(parley.store, (w) => w.kind === "session.transition" && w.patch.endReason !== undefined && w.patch.endReason !== "error");
    // waiting → expired: one of the two joined, the join timeout passes.
    const m = await matchedPair("fr", "hobbies.music");
    const alone = await m.a.sdk.consumeSeatReservation(m.fa.reservation);
    const inAlone = new Inbox(alone);
    open.push(alone);
    await eventually(() => localConversation(m.sessionId)?.clients.length === 1, "one joined");
    localConversation(m.sessionId)?.tick(clock.now() + config.session.joinTimeoutSeconds * 1000 + 1000);
    assert.equal((await inAlone.next<{ reason: string }>("session_ended")).reason, "error");
    // active → aborted: a participant leaves within 60 s of the start.
    const t = await talkingPair("de", "daily_life.introductions");
    open.push(t.roomB);
    await t.roomA.leave();
    assert.equal((await t.inB.next<{ reason: string }>("session_ended")).reason, "error");
    // active → completed at the time limit.
    const u = await talkingPair("en", "hobbies.free_time");
    open.push(u.roomA, u.roomB);
    localConversation(u.sessionId)?.tick(clock.now() + config.session.maxDurationFreeSeconds * 1000 + 1000);
    const [endA, endB] = await Promise.all([u.inA.next<{ reason: string }>("session_ended"), u.inB.next<{ reason: string }>("session_ended")]);
    assert.deepEqual([endA.reason, endB.reason], ["error", "error"]);
    for (const id of [m.sessionId, t.sessionId, u.sessionId]) {
      await eventually(async () => (await parley.store.sessions.get(id))?.endReason === "error", `error end of ${id} stored`);
    }
  });

  it("rating: a rating that cannot be stored gets error INTERNAL_ERROR", async () => {
    const { parley } = await testServer();
    const t = await talkingPair("de", "hobbies.music");
    open.push(t.roomA, t.roomB);
    t.roomA.send("end_session", {});
    await t.inA.next("session_ended");
    const upsert = parley.store.sessions.upsertRating.bind(parley.store.sessions);
    parley.store.sessions.upsertRating = async () => Promise.reject(new Error("store unavailable (test)"));
    restore = () => (parley.store.sessions.upsertRating = upsert);
    t.roomA.send("rate", { rating: 5 });
    const error = await t.inA.next<{ code: string }>("error");
    assert.equal(error.code, "INTERNAL_ERROR");
    assert.equal(t.inA.all("rated").length, 0);
    assert.deepEqual((await parley.store.sessions.get(t.sessionId))?.ratings, []);
  });

  it("ticket expiry: match_expired is still sent; the stored ticket stays pending for the cleanup job", async () => {
    const { parley, config } = await testServer();
    const a = await newLearner("eve", { nativeLanguageCode: "it", levels: { es: "B1" } });
    const mm = await a.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("es", "daily_life.shopping"));
    const inbox = new Inbox(mm);
    open.push(mm);
    const { matchRequest } = await inbox.next<{ matchRequest: { id: string } }>("match_request");
    restore = failWrites(parley.store, (w) => w.kind === "matchRequest.transition");
    const room = matchMaker.getLocalRoomById(queueRoomId("es")) as unknown as QueueRoom;
    room.tick(clock.now() + config.matching.timeoutSeconds * 1000 + 1000);
    assert.equal((await inbox.next<{ matchRequestId: string }>("match_expired")).matchRequestId, matchRequest.id);
    assert.equal((await parley.store.matchRequests.get(matchRequest.id))?.status, "pending");
  });

  it("ticket cancel over REST: the room answers INTERNAL_ERROR when the cancel cannot be stored", async () => {
    const { parley } = await testServer();
    const a = await newLearner("fay", { nativeLanguageCode: "it", levels: { de: "B1" } });
    const room = await matchMaker.createRoom(ROOM_NAMES.queue, { queue: "de" });
    const local = matchMaker.getLocalRoomById(room.roomId) as unknown as QueueRoom;
    const principal = { userId: a.userId, displayName: "fay", nativeLanguageCode: "it", levels: { de: "B1" as const }, tier: "free" as const, skills: [], roles: [] };
    const view = await local.addRemoteTicket(principal, { targetLanguageCode: "de", topicCode: "daily_life.shopping" });
    assert.ok("matchRequest" in view);
    restore = failWrites(parley.store, (w) => w.kind === "matchRequest.transition");
    const answer = await local.cancelRemoteTicket(a.userId, view.matchRequest.id);
    assert.deepEqual(typeof answer === "object" && answer.error.code, "INTERNAL_ERROR");
    assert.equal((await parley.store.matchRequests.get(view.matchRequest.id))?.status, "pending", "REST cancels it in the store on the next try");
    assert.equal(localConversation(view.matchRequest.id), undefined);
  });
});

import { participantRecord } from "../support/sessionRecords.js";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import type { SessionRecord } from "../../src/store/records.js";
import { eventually, localConversation, matchedPair } from "../support/conversations.js";
import { Inbox } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";

/**
 * Known failure modes of Colyseus deployments (issue 3), on the embedded defaults. The
 * cross-process ones (Redis driver `insert`, reconnection through the other process) are in
 * test/integration; process exit and dead sockets need a process of their own and are there too.
 */

const TOPICS = ["daily_life.introductions", "hobbies.free_time", "hobbies.music", "daily_life.shopping"];
let seq = 0;

/** Two B1 learners of `lang` matched on the next topic of the cycle. */
function matched(lang: string) {
  return matchedPair(lang, TOPICS[seq++ % TOPICS.length] ?? "hobbies.music");
}

/** A waiting session stored directly (as the matchmaking room stores it before creating its room). */
async function storedWaitingSession(): Promise<SessionRecord> {
  const { parley } = await testServer();
  const now = new Date(clock.now());
  const record: SessionRecord = {
    id: randomUUID(),
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "daily_life.introductions",
    targetLevel: "B1",
    status: "waiting",
    participants: ["hana", "ivo"].map((name, i) => participantRecord(`${name}-${randomUUID()}`, i === 0 ? "learner" : "partner", { displayName: name })),
    prompts: [],
    matchRequestIds: [],
    createdAt: now,
    updatedAt: now,
    durationSeconds: 0,
    ratings: [],
  };
  await parley.store.sessions.create(record);
  return record;
}

describe("rooms: Colyseus failure modes", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    clock.offsetMs = 0;
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => undefined)));
  });

  it("creates one conversation room per session: concurrent and repeated creations answer with the same room", async () => {
    const session = await storedWaitingSession();
    const created = await Promise.all([1, 2, 3].map(() => matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: session.id })));
    const again = await matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: session.id });
    for (const listing of [...created, again]) {
      assert.equal(listing.roomId, session.id);
      assert.equal(listing.processId, matchMaker.processId);
    }
    assert.equal((await matchMaker.query({ name: ROOM_NAMES.conversation, roomId: session.id })).length, 1);
    const room = localConversation(session.id);
    assert.ok(room, "the first room is still the one running");
    await room.disconnect();
  });

  it("answers a creation for a session that already started with its running room, not an error or a second room", async () => {
    const m = await matched("en");
    const roomA = await m.a.sdk.consumeSeatReservation(m.fa.reservation);
    const inA = new Inbox(roomA);
    const roomB = await m.b.sdk.consumeSeatReservation(m.fb.reservation);
    open.push(roomA, roomB);
    await inA.next("new_prompt");
    const { parley } = await testServer();
    await eventually(async () => (await parley.store.sessions.get(m.sessionId))?.status === "active", "session active");
    const running = localConversation(m.sessionId);

    const again = await matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: m.sessionId });

    assert.equal(again.roomId, m.sessionId);
    assert.equal(localConversation(m.sessionId), running, "the running room was not replaced");
    assert.equal(running?.clients.length, 2);
    assert.equal((await matchMaker.query({ name: ROOM_NAMES.conversation, roomId: m.sessionId })).length, 1);
  });

  it("expires the session and disposes the room when nobody uses the reservations made for it", async () => {
    const m = await matched("de");
    const { parley, config } = await testServer();
    const room = localConversation(m.sessionId);
    assert.ok(room);
    room.tick(clock.now() + config.session.joinTimeoutSeconds * 1000 + 1000);
    await eventually(async () => (await parley.store.sessions.get(m.sessionId))?.status === "expired", "session expired");
    await eventually(() => localConversation(m.sessionId) === undefined, "room disposed");
    assert.equal((await matchMaker.query({ name: ROOM_NAMES.conversation, roomId: m.sessionId })).length, 0, "no listing left behind");
    const events = (await parley.store.outbox.pending(100_000)).filter((r) => r.event.metadata.correlationId === m.sessionId).map((r) => r.event.eventType);
    // The relay may have published them already; what is still pending must be the expiry.
    assert.ok(events.every((t) => t === "conversation.matched" || t === "conversation.expired"));
    await assert.rejects(m.a.sdk.consumeSeatReservation(m.fa.reservation), "the stale reservation cannot be used");
  });

  it("refuses a new reservation and a re-creation while the room is disposing, and disposes only after its writes", async () => {
    const session = await storedWaitingSession();
    const listing = await matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: session.id });
    const room = localConversation(session.id);
    assert.ok(room);
    const { parley } = await testServer();
    // Hold the room's expiry write in flight.
    const sessions = parley.store.sessions;
    const transition = sessions.transition.bind(sessions);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    sessions.transition = async (id, expected, patch, options) => {
      if (id === session.id) {
        held = true;
        await gate;
      }
      return transition(id, expected, patch, options);
    };
    try {
      room.tick(clock.now() + 61_000);
      await eventually(() => held, "expiry write in flight");
      const disposed = room.disconnect();

      const principal = { userId: session.participants[0]?.userId ?? "", displayName: "hana" };
      await assert.rejects(matchMaker.reserveSeatFor(listing, {}, principal), /full|not available|disposing/i);
      await assert.rejects(matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: session.id }), /closing/);
      assert.equal((await matchMaker.query({ name: ROOM_NAMES.conversation, roomId: session.id })).length, 0, "no room took its place");
      assert.equal((await sessions.get(session.id))?.status, "waiting", "its write is still in flight");

      release();
      await disposed;
      assert.equal((await sessions.get(session.id))?.status, "expired", "disposed only after its write");
      assert.equal(localConversation(session.id), undefined);
    } finally {
      sessions.transition = transition;
      release();
    }
  });
});

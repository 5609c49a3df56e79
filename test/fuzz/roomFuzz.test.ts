import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import fc from "fast-check";
import type { ConversationState } from "../../rooms/conversationState.js";
import { talkingPair } from "../support/conversations.js";
import { Inbox, newLearner, practiceOptions, waitForState } from "../support/learners.js";
import { leaveAll } from "../http/restSupport.js";
import { testServer } from "../support/testServer.js";
import { errorCollector, FUZZ_RUNS, fuzzFamily, hostileJson, hostileString } from "./fuzzSupport.js";

/** A payload that would be a valid message for a type whose valid form has a lasting effect. */
const isEmptyLike = (v: unknown) => v === null || v === undefined || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);

/** Payloads of one message family: anything, and near-valid shapes of that message. */
function payloads(type: string, partnerId: string): fc.Arbitrary<unknown> {
  const target = fc.oneof(fc.constant(partnerId), hostileString, fc.integer(), fc.constant(null));
  const near: Record<string, fc.Arbitrary<unknown>> = {
    offer: fc.record({ sdp: fc.oneof(hostileString, fc.constant("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"), hostileJson), targetUserId: target }, { requiredKeys: [] }),
    answer: fc.record({ sdp: fc.oneof(hostileString, fc.string({ maxLength: 12_000 }).map((s) => "v=0\r\n" + s)), targetUserId: target, extra: hostileJson }, { requiredKeys: [] }),
    ice_candidate: fc.record({ candidate: fc.oneof(hostileJson, fc.record({ candidate: hostileString, sdpMid: hostileJson, sdpMLineIndex: hostileJson })), targetUserId: target }, { requiredKeys: [] }),
    speaking: fc.record({ speaking: fc.oneof(fc.boolean(), hostileJson), extra: hostileJson }, { requiredKeys: [] }),
    rate: fc.record({ rating: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.double(), hostileJson), feedback: fc.oneof(hostileString, hostileJson) }, { requiredKeys: [] }),
  };
  return fc.oneof(hostileJson, near[type] ?? hostileJson);
}

describe("fuzz: room messages of DESIGN §5 get error with a code and leave the room working", function () {
  this.timeout(300_000);
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  after(async () => {
    await leaveAll(rooms);
    rooms = [];
  });

  it("conversation room: every message family, unknown types and bytes, then the session still works", async () => {
    const p = await talkingPair("es", "hobbies.music");
    rooms.push(p.roomA, p.roomB);
    const collector = errorCollector(p.roomA);
    const partner = p.b.userId;
    for (const type of ["offer", "answer", "ice_candidate", "request_next_prompt", "speaking", "heartbeat", "rate"]) {
      await fuzzFamily(p.roomA, collector, type, payloads(type, partner), (v: unknown) => p.roomA.send(type, v));
    }
    // Messages whose valid form ends the session or the connection: only invalid forms.
    for (const type of ["end_session", "leave_session"]) {
      const before = collector.errors.length;
      await fuzzFamily(p.roomA, collector, type, hostileJson.filter((v) => !isEmptyLike(v)), (v: unknown) => p.roomA.send(type, v));
      assert.equal(collector.errors.length - before, FUZZ_RUNS + 1, `${type}: every invalid message is answered (plus the sync)`);
    }
    await fuzzFamily(p.roomA, collector, "unknown", fc.tuple(fc.oneof(hostileString.filter((s) => s.length < 250), fc.integer()), hostileJson), ([type, v]: [string | number, unknown]) => p.roomA.send(type, v));
    await fuzzFamily(p.roomA, collector, "bytes", fc.tuple(fc.oneof(fc.constant("audio_chunk"), hostileString.filter((s) => s.length < 250)), fc.uint8Array({ maxLength: 512 })), ([type, bytes]: [string, Uint8Array]) => p.roomA.sendBytes(type, bytes));
    // The session is intact and a valid message still has its effect.
    const state = p.roomB.state as ConversationState;
    assert.equal(state.status, "active");
    assert.equal(state.participants.size, 2);
    p.roomA.send("speaking", { speaking: true });
    await waitForState(p.roomB as Room<unknown, ConversationState>, (s) => s.participants.get(p.a.userId)?.speaking === true);
    assert.ok(p.roomB.connection.isOpen);
  });

  it("matchmaking room: cancel, unknown types and bytes, then the ticket still waits and cancel works", async () => {
    const learner = await newLearner("fuzzq", { nativeLanguageCode: "fr", levels: { de: "C2" } });
    const room = await learner.sdk.joinOrCreate("matchmaking", practiceOptions("de", "daily_life.introductions"));
    rooms.push(room);
    const inbox = new Inbox(room);
    await inbox.next("match_request");
    const collector = errorCollector(room);
    await fuzzFamily(room, collector, "cancel", hostileJson.filter((v) => !isEmptyLike(v)), (v: unknown) => room.send("cancel", v));
    await fuzzFamily(room, collector, "unknown", fc.tuple(fc.oneof(hostileString.filter((s) => s.length < 250), fc.integer()), hostileJson), ([type, v]: [string | number, unknown]) => room.send(type, v));
    await fuzzFamily(room, collector, "bytes", fc.tuple(hostileString.filter((s) => s.length < 250), fc.uint8Array({ maxLength: 512 })), ([type, bytes]: [string, Uint8Array]) => room.sendBytes(type, bytes));
    assert.equal(inbox.all("match_expired").length, 0);
    room.send("cancel", {});
    await new Promise<void>((resolve) => room.onLeave(() => resolve()));
  });
});

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { Room } from "@colyseus/sdk";
import { talkingPair } from "../support/conversations.js";
import { Inbox, newLearner, practiceOptions } from "../support/learners.js";
import { api, assertError, leaveAll, premium, restUser, UNKNOWN_ID } from "../http/restSupport.js";
import { testServer } from "../support/testServer.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";

/** The `error` message of DESIGN §5. */
interface RoomError {
  code: string;
  message: string;
}

/** The join error a failed SDK call rejects with: `code` is the HTTP status, `message` "CODE: detail". */
async function joinError(attempt: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await attempt;
  } catch (err) {
    const e = err as { code?: number; message?: string };
    return { code: Number(e.code), message: String(e.message) };
  }
  assert.fail("the join succeeded");
}

/** Sends every kind of message no handler takes and checks each gets `error` INVALID_REQUEST with a bounded echo. */
async function sendUnknownMessages(room: Room, inbox: Inbox): Promise<void> {
  const longType = "y".repeat(87);
  room.send(longType, {});
  const first = await inbox.next<RoomError>("error");
  assert.equal(first.code, "INVALID_REQUEST");
  assert.ok(first.message.length < 80, `the echo is bounded: ${first.message}`);
  assert.ok(!first.message.includes(longType));
  room.send("y".repeat(200), { a: 1 });
  assert.equal((await inbox.next<RoomError>("error")).code, "INVALID_REQUEST");
  room.send(42, { a: 1 });
  assert.equal((await inbox.next<RoomError>("error")).code, "INVALID_REQUEST");
  room.sendBytes("audio_chunk", new Uint8Array([1, 2, 3]));
  assert.equal((await inbox.next<RoomError>("error")).code, "INVALID_REQUEST");
  room.sendBytes("z".repeat(200), new Uint8Array(10));
  assert.equal((await inbox.next<RoomError>("error")).code, "INVALID_REQUEST");
  assert.ok(room.connection.isOpen, "the connection stays open");
}

describe("hostile input: rooms and REST answer with an error and stay up", () => {
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await leaveAll(rooms);
    rooms = [];
  });

  it("a matchmaking room answers unknown string, numeric, long and bytes messages with INVALID_REQUEST and keeps the ticket", async () => {
    const learner = await newLearner("hostile", { nativeLanguageCode: "fr", levels: { en: "C2" } });
    const room = await learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("en", "daily_life.introductions"));
    rooms.push(room);
    const inbox = new Inbox(room);
    await inbox.next("match_request");
    await sendUnknownMessages(room, inbox);
    // The room still works: the ticket is there and a valid message is handled.
    const status = await api<{ matchRequest: { status: string } }>("GET", "/api/conversations/match-request/status", { token: learner.token });
    assert.equal(status.body.matchRequest.status, "pending");
    room.send("cancel", {});
    await new Promise<void>((resolve) => room.onLeave(() => resolve()));
  });

  it("a conversation room answers unknown messages with INVALID_REQUEST and still relays signaling", async () => {
    const p = await talkingPair("fr", "daily_life.introductions");
    rooms.push(p.roomA, p.roomB);
    await sendUnknownMessages(p.roomA, p.inA);
    p.roomA.send("ice_candidate", { candidate: { candidate: "candidate:1 1 udp 2122260223 192.0.2.10 54400 typ host", sdpMid: "0", sdpMLineIndex: 0 }, targetUserId: p.b.userId });
    assert.equal((await p.inB.next<{ from: string }>("ice_candidate")).from, p.a.userId);
  });

  it("join errors are ServerError(4xx, \"CODE: detail\"), also when thrown while creating the room", async () => {
    const learner = await newLearner("joiner", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const cases: [Promise<unknown>, number, string][] = [
      [learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, {}), 400, "INVALID_REQUEST"],
      [learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: 5 }), 400, "INVALID_REQUEST"],
      [learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue: "en" }), 400, "INVALID_REQUEST"],
      [learner.sdk.create(ROOM_NAMES.conversation, { sessionId: "not-a-uuid" }), 400, "INVALID_REQUEST"],
      [learner.sdk.create(ROOM_NAMES.conversation, {}), 400, "INVALID_REQUEST"],
      [learner.sdk.create(ROOM_NAMES.conversation, { sessionId: UNKNOWN_ID }), 404, "SESSION_NOT_FOUND"],
    ];
    for (const [attempt, status, code] of cases) {
      const err = await joinError(attempt);
      assert.equal(err.code, status, err.message);
      assert.match(err.message, new RegExp(`^${code}: `));
      assert.ok(!err.message.includes('"issues"') && !err.message.includes("ZodError"), `no raw validation output: ${err.message}`);
    }
  });

  it("a bad percent-escape in a path parameter is 400, not 500", async () => {
    const user = await restUser("pct", premium("en", "B1"));
    for (const path of ["/api/conversations/sessions/%ZZ/join", "/api/conversations/sessions/%E0%A4%A/end", "/api/conversations/match-request/%"]) {
      const method = path.endsWith("request/%") ? "DELETE" : "POST";
      assertError(await api(method, path, { token: user.token }), 400, "INVALID_REQUEST");
    }
  });

  it("a body that is not valid compressed data is 400, even without a token; unknown encodings are 415", async () => {
    for (const encoding of ["gzip", "deflate", "br"]) {
      const res = await fetch(`http://127.0.0.1:2568/healthz`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": encoding }, body: "not compressed at all" });
      assert.equal(res.status, 400, encoding);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "INVALID_REQUEST");
    }
    const unknown = await fetch(`http://127.0.0.1:2568/api/conversations/topics`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": "zstd-ish" }, body: "{}" });
    assert.equal(unknown.status, 415);
    // Valid gzip still works.
    const user = await restUser("gz", premium("en", "B1"));
    const res = await fetch(`http://127.0.0.1:2568/api/conversations/match-request`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json", "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ targetLanguageCode: "en", topicCode: "daily_life.introductions", unknownField: 1 })),
    });
    assert.equal(res.status, 400, "the decompressed body is validated");
  });

  it("the match request over the hourly budget is 429 with Retry-After (through the room's remote call)", async () => {
    const { parley } = await testServer();
    const user = await restUser("budget", premium("en", "B1"));
    await parley.rateLimits.matchRequests.penalty(user.userId, 10_000);
    const res = await api("POST", "/api/conversations/match-request", { token: user.token, body: { targetLanguageCode: "en", topicCode: "daily_life.introductions" } });
    assertError(res, 429, "RATE_LIMITED");
    const retryAfter = Number(res.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 3600, `Retry-After: ${res.headers.get("retry-after")}`);
  });
});

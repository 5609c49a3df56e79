import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { matchedPair, talkingPair } from "../support/conversations.js";
import { testServer } from "../support/testServer.js";

/**
 * Issue 7 §3: every message type of the conversation room counts against one budget per
 * connection, and session joins over the SDK count against the user's budget as over REST.
 */
describe("rooms: per-connection message budget and session joins", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => undefined)));
  });

  it("answers RATE_LIMITED past 600 messages a minute on one connection, of any type, and leaves the partner's budget alone", async () => {
    const t = await talkingPair("de", "daily_life.shopping");
    open.push(t.roomA, t.roomB);
    for (let i = 0; i < 590; i++) t.roomA.send("heartbeat", {});
    for (let i = 0; i < 10; i++) t.roomA.send("no_such_type", {});
    t.roomA.send("heartbeat", {});
    const errors = async () => {
      await t.inA.next("error", 10);
      return t.inA.all<{ code: string }>("error").map((e) => e.code);
    };
    const codes = await errors();
    assert.deepEqual(codes.slice(0, 10), Array(10).fill("INVALID_REQUEST"), "unknown types count and are answered");
    assert.equal(codes[10], "RATE_LIMITED");
    t.roomB.send("request_next_prompt", {});
    await t.inA.next("new_prompt", 1);
  });

  it("refuses a join over the SDK with 429 RATE_LIMITED once the user's session joins are spent", async () => {
    const { parley, config } = await testServer();
    const m = await matchedPair("fr", "daily_life.shopping");
    // Spend the user's joins of this minute (REST or SDK alike).
    await parley.rateLimits.sessionJoins.penalty(m.a.userId, config.quotas.sessionJoinsPerMinute);
    await assert.rejects(m.a.sdk.consumeSeatReservation(m.fa.reservation), /RATE_LIMITED/);
    const roomB = await m.b.sdk.consumeSeatReservation(m.fb.reservation);
    open.push(roomB);
  });
});

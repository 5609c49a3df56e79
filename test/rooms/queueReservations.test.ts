import assert from "node:assert/strict";
import { matchMaker } from "@colyseus/core";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import { Inbox, newLearner, practiceOptions } from "../support/learners.js";
import { testServer } from "../support/testServer.js";

/**
 * DESIGN §1 "a learner holding a seat reservation for a queue room must always be able to
 * consume it, at any arrival rate" (issue 8 §4): the queue empties after every pair, and
 * the room is disposed only by Colyseus' autoDispose, which waits for reserved seats.
 */
describe("rooms: a queue room never voids a seat reservation", () => {
  before(async () => {
    await testServer();
  });

  it("joins 60 learners arriving every 10 ms into a queue that empties after each match, its clock running every 2 ms: no join fails", async () => {
    const arrivals = 60;
    const failures: unknown[] = [];
    let matched = 0;
    // The room's matching round as often as arrivals happen: every empty moment is seen.
    const ticker = setInterval(() => (matchMaker.getLocalRoomById(queueRoomId("fr")) as unknown as QueueRoom | undefined)?.tick(), 2);
    await Promise.all(
      Array.from({ length: arrivals }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * 10));
        const learner = await newLearner(`burst${i}`, { nativeLanguageCode: "it", levels: { fr: "A2" } });
        try {
          const room = await learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("fr", "daily_life.introductions", { preferredPartnerLevel: "any" }));
          const inbox = new Inbox(room);
          await inbox.next("match_found", 0, 10_000);
          matched++;
          await room.leave();
        } catch (err) {
          failures.push(err);
        }
      }),
    ).finally(() => clearInterval(ticker));
    assert.deepEqual(failures.map(String), []);
    assert.equal(matched, arrivals);
  });
});

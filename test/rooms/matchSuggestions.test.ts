import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import assert from "node:assert/strict";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import type { MatchSuggestionMessage } from "../../src/protocol/index.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { Inbox, newLearner } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";

const BOUNDARY_MS = 120_000;

describe("room: match_suggestion at the any-level boundary (DESIGN §4, §10)", () => {
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    rooms = [];
  });

  it("points an A1 practice learner at the tandem queue where a native speaker of their target waits, and that tandem learner at the practice queue, on the tick both expire", async () => {
    // An A1 learner of de (native es) practises; a native de speaker learning es waits for a tandem.
    const beginner = await newLearner("beginner", { nativeLanguageCode: "es", levels: { de: "A1" } });
    const native = await newLearner("native", { nativeLanguageCode: "de", levels: { es: "B1" } });
    const practice = await beginner.sdk.joinOrCreate("matchmaking", { queue: "de", targetLanguageCode: "de", topicCode: "daily_life.introductions" });
    const practiceInbox = new Inbox(practice);
    const tandem = await native.sdk.joinOrCreate("matchmaking", { queue: "de+es", targetLanguageCode: "es", topicCode: "daily_life.introductions", sessionType: "tandem" });
    const tandemInbox = new Inbox(tandem);
    rooms.push(practice, tandem);
    const practiceTicket = (await practiceInbox.next<{ matchRequest: { id: string } }>("match_request")).matchRequest.id;
    const tandemTicket = (await tandemInbox.next<{ matchRequest: { id: string } }>("match_request")).matchRequest.id;

    // The tandem queue's metadata counts its waiting tickets by native language.
    const [tandemRoom] = await matchMaker.query({ name: "queue", queue: "de+es" } as Record<string, unknown>);
    assert.deepEqual((tandemRoom?.metadata as { waitingByNative?: Record<string, number> } | undefined)?.waitingByNative, { de: 1 });

    const at = clock.now() + BOUNDARY_MS; // the default boundary equals the default timeout
    (matchMaker.getLocalRoomById(queueRoomId("de")) as unknown as QueueRoom).tick(at);
    const toTandem = await practiceInbox.next<MatchSuggestionMessage>("match_suggestion");
    assert.deepEqual({ ...toTandem, estimatedWaitTimeSeconds: 0 }, { matchRequestId: practiceTicket, queue: "de+es", waitingCount: 1, estimatedWaitTimeSeconds: 0 });
    (matchMaker.getLocalRoomById(queueRoomId("de+es")) as unknown as QueueRoom).tick(at);
    const toPractice = await tandemInbox.next<MatchSuggestionMessage>("match_suggestion");
    assert.deepEqual([toPractice.matchRequestId, toPractice.queue], [tandemTicket, "es"]);
    assert.equal((await practiceInbox.next<{ matchRequestId: string }>("match_expired")).matchRequestId, practiceTicket, "and the ticket expired on that tick");
  });
});

import assert from "node:assert/strict";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { gatewayChannel } from "../../rooms/gatewayDelivery.js";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import { eventually } from "../support/conversations.js";
import { Inbox, newLearner, practiceOptions } from "../support/learners.js";
import { testServer } from "../support/testServer.js";

/**
 * The `matchmaking` gateway in one process (issue 11 §5): learners of a queue wait in this
 * process's gateway, whatever `gateway` option a client sends; their tickets wait in the
 * queue's `queue` actor, which no client can join; leaving the gateway takes the ticket out.
 */
describe("rooms: the matchmaking gateway and its queue actor", () => {
  const open: Room[] = [];

  before(async () => {
    await testServer();
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((room) => room.leave().catch(() => undefined)));
  });

  const waitingInActor = async (queue: string) => ((await matchMaker.query({ name: ROOM_NAMES.queue, queue } as Record<string, unknown>))[0]?.metadata as { waiting?: number } | undefined)?.waiting ?? 0;

  it("puts a queue's learners in this process's gateway, even one naming another gateway, and their tickets in the one actor", async () => {
    const before = await waitingInActor("de");
    const a = await newLearner("gwa", { nativeLanguageCode: "it", levels: { de: "A1" } });
    const b = await newLearner("gwb", { nativeLanguageCode: "it", levels: { de: "C2" }, tier: "premium" });
    const roomA = await a.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("de", "daily_life.introductions"));
    open.push(roomA);
    await new Inbox(roomA).next("match_request");
    const roomB = await b.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { ...practiceOptions("de", "daily_life.introductions"), gateway: "another-process" });
    open.push(roomB);
    await new Inbox(roomB).next("match_request");

    assert.equal(roomB.roomId, roomA.roomId, "one gateway of the queue in this process");
    const [gateway] = await matchMaker.query({ roomId: roomA.roomId });
    assert.deepEqual([gateway?.name, (gateway?.metadata as { gateway?: string } | undefined)?.gateway], [ROOM_NAMES.matchmaking, matchMaker.processId]);
    const actor = matchMaker.getLocalRoomById(queueRoomId("de"));
    assert.equal(actor?.roomName, ROOM_NAMES.queue);
    assert.equal(actor?.clients.length, 0, "learners never connect to the actor");
    await eventually(async () => (await waitingInActor("de")) === before + 2, "both tickets wait in the actor");

    roomA.leave().catch(() => undefined);
    open.splice(open.indexOf(roomA), 1);
    await eventually(async () => (await waitingInActor("de")) === before + 1, "leaving the gateway takes the ticket out of the actor");
  });

  it("gives a ticket back to the actor when it was admitted after its client had gone (the gateway's call timed out)", async () => {
    const { parley } = await testServer();
    const present = await newLearner("gwhere", { nativeLanguageCode: "it", levels: { de: "B2" }, tier: "premium" });
    const room = await present.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("de", "hobbies.music"));
    open.push(room);
    await new Inbox(room).next("match_request");
    const before = await waitingInActor("de");
    const gone = await newLearner("gwgone", { nativeLanguageCode: "it", levels: { de: "A1" } });
    const actor = matchMaker.getLocalRoomById(queueRoomId("de")) as unknown as QueueRoom;
    const principal = { userId: gone.userId, displayName: "gwgone", nativeLanguageCode: "it", levels: { de: "A1" as const }, tier: "free" as const, skills: [], roles: [] };
    const view = await actor.addRemoteTicket(principal, { targetLanguageCode: "de", topicCode: "daily_life.introductions" }, { channel: gatewayChannel(room.roomId), sessionId: "no-such-client" });
    assert.ok("matchRequest" in view);
    await eventually(async () => (await parley.store.matchRequests.get(view.matchRequest.id))?.status === "cancelled", "the orphan ticket is cancelled");
    await eventually(async () => (await waitingInActor("de")) === before, "and no longer waits");
  });

  it("refuses a join with a bad token before any room is created", async () => {
    const learner = await newLearner("gwbad", { nativeLanguageCode: "it", levels: { pt: "B1" } });
    learner.sdk.auth.token = "not-a-token";
    await assert.rejects(learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, practiceOptions("pt")), (err: { code?: number }) => err.code === 401);
    assert.deepEqual(await matchMaker.query({ name: ROOM_NAMES.matchmaking, queue: "pt" } as Record<string, unknown>), []);
  });
});

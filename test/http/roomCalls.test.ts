import assert from "node:assert/strict";
import pino from "pino";
import type { Principal } from "../../src/auth/principal.js";
import { createRoomCalls, type RemoteRoomCall, type RoomListing } from "../../src/http/roomCalls.js";
import type { MatchRequestBody } from "../../src/matchmaking/matchRequestOptions.js";

const logger = pino({ level: "silent" });
const principal = { userId: "u1", displayName: "u1", nativeLanguageCode: "fr", levels: { en: "B1" }, tier: "premium", skills: [], roles: [] } as unknown as Principal;
const body = { targetLanguageCode: "en", topicCode: "daily_life.introductions", sessionType: "practice" } as unknown as MatchRequestBody;
const view = { matchRequest: { id: "t1", status: "pending", estimatedWaitTimeSeconds: 10, expiresAt: new Date(0).toISOString() } };

/**
 * A room that is listed before it listens (Colyseus lists a new room, then subscribes it to its
 * call channel): the first `silentCalls` calls reach nobody and time out; after that it answers.
 */
function roomListeningAfter(silentCalls: number) {
  const received: string[] = [];
  let published = 0;
  const remote: RemoteRoomCall = async (_roomId, method) => {
    published += 1;
    if (published <= silentCalls) throw new Error("ipc_timeout");
    received.push(method);
    return method === "roomId" ? "queue-en" : view;
  };
  return { remote, received, published: () => published };
}

describe("RoomCalls: calls to a room listed before it listens", () => {
  it("delivers a ticket exactly once to a room that missed the first calls published to it", async () => {
    const room = roomListeningAfter(2);
    const calls = createRoomCalls(logger, { remoteRoomCall: room.remote, timeoutMs: 5000 });
    const answer = await calls.addTicket("queue-en", principal, body);
    assert.equal(answer.matchRequest.id, "t1");
    assert.deepEqual(room.received, ["roomId", "addRemoteTicket"], "probed until it answered, then the ticket once");
  });

  it("probes a room once: later calls go straight to it", async () => {
    const room = roomListeningAfter(0);
    const calls = createRoomCalls(logger, { remoteRoomCall: room.remote });
    await calls.addTicket("queue-en", principal, body);
    await calls.addTicket("queue-en", principal, body);
    assert.deepEqual(room.received, ["roomId", "addRemoteTicket", "addRemoteTicket"]);
  });

  it("answers MATCHING_UNAVAILABLE without sending the ticket when the room never answers", async () => {
    const sent: string[] = [];
    const remote: RemoteRoomCall = async (_roomId, method) => {
      sent.push(method);
      throw new Error("ipc_timeout");
    };
    const calls = createRoomCalls(logger, { remoteRoomCall: remote, timeoutMs: 20 });
    await assert.rejects(calls.addTicket("queue-en", principal, body), { code: "MATCHING_UNAVAILABLE" });
    assert.ok(sent.length > 0 && sent.every((m) => m === "roomId"), `only probes were sent: ${sent.join(",")}`);
  });

  it("probes again after a call to a remembered room failed", async () => {
    let failNext = false;
    const received: string[] = [];
    const remote: RemoteRoomCall = async (_roomId, method) => {
      received.push(method);
      if (method !== "roomId" && failNext) {
        failNext = false;
        throw new Error("ipc_timeout");
      }
      return method === "roomId" ? "s1" : { ok: true };
    };
    const calls = createRoomCalls(logger, { remoteRoomCall: remote });
    await calls.endSession("s1", "u1", false);
    failNext = true;
    await assert.rejects(calls.endSession("s1", "u1", false), { code: "NOT_READY" });
    await calls.endSession("s1", "u1", false);
    assert.deepEqual(received, ["roomId", "endByUser", "endByUser", "roomId", "endByUser"]);
  });

  it("hands a gateway's ticket with its holder's address, and its cancel or leave as a boolean answer", async () => {
    const received: { method: string; args: unknown[] | undefined }[] = [];
    let release: unknown = true;
    const remote: RemoteRoomCall = async (_roomId, method, args) => {
      received.push({ method, args });
      if (method === "roomId") return "queue-en";
      return method === "addRemoteTicket" ? view : release;
    };
    const calls = createRoomCalls(logger, { remoteRoomCall: remote });
    const holder = { channel: "matchmaking-gateway:g1", sessionId: "s1" };
    assert.equal((await calls.addTicket("queue-en", principal, body, holder)).matchRequest.id, "t1");
    assert.equal(await calls.releaseTicket("queue-en", "t1", "s1", "leave"), true);
    assert.deepEqual(received.slice(1), [
      { method: "addRemoteTicket", args: [principal, body, holder] },
      { method: "releaseHeldTicket", args: ["t1", "s1", "leave"] },
    ]);
    release = { something: "else" };
    await assert.rejects(calls.releaseTicket("queue-en", "t1", "s1", "cancel"), { code: "MATCHING_UNAVAILABLE" });
  });

  describe("admitToQueue: the actor replaced between being found and being called", () => {
    const listingAt = (createdAt: number) => ({ roomId: "queue-en", name: "queue", createdAt: new Date(createdAt) }) as unknown as RoomListing;

    it("sends the ticket once more to the actor listed now when the one it found is gone", async () => {
      let listed = listingAt(1000);
      const sent: string[] = [];
      const remote: RemoteRoomCall = async (_roomId, method) => {
        sent.push(method);
        if (method === "roomId") return "queue-en";
        if (listed.createdAt?.getTime() === 1000) {
          // The actor found disposed before the call reached it; a new one of the queue is listed.
          listed = listingAt(2000);
          throw new Error("ipc_timeout");
        }
        return view;
      };
      const calls = createRoomCalls(logger, { remoteRoomCall: remote, listQueueRoom: async () => listed });
      assert.equal((await calls.admitToQueue("en", principal, body)).matchRequest.id, "t1");
      assert.deepEqual(sent, ["roomId", "addRemoteTicket", "roomId", "addRemoteTicket"]);
    });

    it("answers MATCHING_UNAVAILABLE without a second try when the same actor is still listed (it is only slow)", async () => {
      const sent: string[] = [];
      const remote: RemoteRoomCall = async (_roomId, method) => {
        sent.push(method);
        if (method === "roomId") return "queue-en";
        throw new Error("ipc_timeout");
      };
      const calls = createRoomCalls(logger, { remoteRoomCall: remote, listQueueRoom: async () => listingAt(1000) });
      await assert.rejects(calls.admitToQueue("en", principal, body), { code: "MATCHING_UNAVAILABLE" });
      assert.deepEqual(sent, ["roomId", "addRemoteTicket"], "the ticket was sent once");
    });
  });
});

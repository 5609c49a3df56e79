import { matchMaker } from "@colyseus/core";
import assert from "node:assert/strict";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { reloadScheduledTickets } from "../../src/matchmaking/ticketAdmission.js";
import { slotOpensAt, SLOT_MS } from "../../src/matchmaking/scheduledSlots.js";
import { api, assertError, restUser } from "../http/restSupport.js";
import { eventually } from "../support/conversations.js";
import { Inbox, newLearner } from "../support/learners.js";
import { testServer } from "../support/testServer.js";
import { TopicCatalog } from "../../src/topics/topicCatalog.js";

const MATCH = "/api/conversations/match-request";
const DAY = 24 * 3600 * 1000;

/** The next slot at least two hours ahead (a quarter hour). */
function slotAhead(): number {
  return Math.ceil((Date.now() + 2 * 3600 * 1000) / SLOT_MS) * SLOT_MS;
}

describe("room: scheduled sessions (DESIGN §4 scheduled mode)", () => {
  before(async () => {
    await testServer();
  });

  it("refuses free learners (403 PREMIUM_REQUIRED) and scheduledFor off a slot or over 7 days ahead (400)", async () => {
    const free = await restUser("sched-free", { nativeLanguageCode: "fr", levels: { de: "B1" } });
    const premium = await restUser("sched-prem", { nativeLanguageCode: "fr", levels: { de: "B1" }, tier: "premium" });
    const body = (scheduledFor: number) => ({ targetLanguageCode: "de", topicCode: "hobbies.free_time", mode: "scheduled", scheduledFor: new Date(scheduledFor).toISOString() });
    assertError(await api("POST", MATCH, { token: free.token, body: body(slotAhead()) }), 403, "PREMIUM_REQUIRED");
    assertError(await api("POST", MATCH, { token: premium.token, body: body(slotAhead() + 60_000) }), 400, "INVALID_REQUEST");
    assertError(await api("POST", MATCH, { token: premium.token, body: body(slotAhead() + 8 * DAY) }), 400, "INVALID_REQUEST");
  });

  it("keeps scheduled tickets when their learners leave the queue room, matches them when the slot is 10 minutes away into a session waiting for the slot, and reloads them from the store", async () => {
    const slot = slotAhead();
    const options = { queue: "fr", targetLanguageCode: "fr", topicCode: "hobbies.free_time", mode: "scheduled", scheduledFor: new Date(slot).toISOString(), recordingConsent: true };
    const a = await newLearner("sched-a", { nativeLanguageCode: "es", levels: { fr: "B1" }, tier: "premium" });
    const b = await newLearner("sched-b", { nativeLanguageCode: "de", levels: { fr: "B1" }, tier: "premium" });
    const roomA = await a.sdk.joinOrCreate("matchmaking", options);
    const requestA = await new Inbox(roomA).next<{ matchRequest: { expiresAt: string } }>("match_request");
    assert.equal(requestA.matchRequest.expiresAt, new Date(slot).toISOString());
    const roomB = await b.sdk.joinOrCreate("matchmaking", options);
    await new Inbox(roomB).next("match_request");
    await Promise.all([roomA.leave(), roomB.leave()]);

    const { parley } = await testServer();
    const stored = await parley.store.matchRequests.pendingByUser(a.userId);
    assert.equal(stored?.mode, "scheduled", "the ticket still waits after its learner left");
    assert.equal(stored?.scheduledFor?.getTime(), slot);
    // What a restarted queue room takes back from the store.
    const reloaded = await reloadScheduledTickets({ store: parley.store, catalog: new TopicCatalog() }, "fr", Date.now());
    const mine = reloaded.filter((r) => [a.userId, b.userId].includes(r.holder.userId));
    assert.deepEqual(mine.map((r) => [r.holder.displayName, r.holder.tier, r.admitted.ticket.expiresAt]), [["sched-a", "premium", slot], ["sched-b", "premium", slot]]);

    const queueRoom = matchMaker.getLocalRoomById(queueRoomId("fr")) as unknown as QueueRoom;
    queueRoom.tick(slotOpensAt(slot) - 1000);
    assert.equal((await parley.store.sessions.liveByUser(a.userId)), undefined, "not matched before T−10 min");
    queueRoom.tick(slotOpensAt(slot));
    await eventually(async () => (await parley.store.sessions.liveByUser(a.userId)) !== undefined, "matched at T−10 min");
    const session = await parley.store.sessions.liveByUser(a.userId);
    assert.equal(session?.status, "waiting");
    assert.equal(session?.scheduledStartAt?.getTime(), slot);
    assert.deepEqual(session?.participants.map((p) => p.userId).sort(), [a.userId, b.userId].sort());
    assert.ok(session?.participants.every((p) => p.recordingConsent && p.tier === "premium"));
    // Both learners are told at match time (stored, and pushed to any socket they have).
    for (const learner of [a, b]) {
      await eventually(async () => (await parley.store.notifications.list(learner.userId, { limit: 10, now: new Date() })).items.some((n) => n.type === "session_reminder" && n.data.sessionId === session?.id), `${learner.userId} reminded`);
    }
  });
});

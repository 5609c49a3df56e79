import assert from "node:assert/strict";
import pino from "pino";
import { handleInboundRecord } from "../../../src/events/consumers/inboundHandling.js";
import { userEventsHandler } from "../../../src/events/consumers/userEvents.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import { ERASED_DISPLAY_NAME, type SessionRecord } from "../../../src/store/records.js";
import type { Store } from "../../../src/store/repositories.js";

const logger = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 12);

function userEvent(eventId: string, eventType: string, payload: Record<string, unknown>): string {
  return JSON.stringify({ eventId, eventType, version: "1.0", timestamp: new Date(T0).toISOString(), payload, metadata: { correlationId: eventId, source: "user-service" } });
}

function session(id: string, userIds: string[]): SessionRecord {
  return {
    id, sessionType: "practice", targetLanguageCode: "en", topicCode: "travel.airport", targetLevel: "B1", status: "completed",
    participants: userIds.map((userId) => ({
      userId, displayName: `name of ${userId}`, avatarUrl: `https://example.test/${userId}.png`, nativeLanguageCode: "fr", targetLanguageCode: "en",
      level: "B1", role: "learner", tier: "free", recordingConsent: true, spokenSeconds: 10, turnCount: 2,
    })),
    prompts: [], matchRequestIds: [], createdAt: new Date(T0), updatedAt: new Date(T0), durationSeconds: 60,
    ratings: userIds.map((userId) => ({ userId, rating: 4, feedback: `feedback of ${userId}`, ratedAt: new Date(T0) })),
  };
}

describe("user.events handler", () => {
  let store: Store;
  beforeEach(() => {
    store = createMemoryStore();
  });

  it("erases a deleted user's data and leaves their partner's", async () => {
    await store.sessions.create(session("s-1", ["gone", "partner"]));
    await store.moderation.block("gone", "partner");
    await store.moderation.createReport({ id: "r-1", sessionId: "s-1", reporterUserId: "gone", reportedUserId: "partner", reason: "rude", block: true, createdAt: new Date(T0) });
    await store.learnerSkills.add("gone", "restaurant_vocab.en");

    const result = await handleInboundRecord(userEventsHandler, userEvent("e-1", "user.deleted", { userId: "gone" }), { store, logger, now: T0 });
    assert.equal(result.outcome, "handled");

    const stored = await store.sessions.get("s-1");
    const [gone, partner] = stored?.participants ?? [];
    assert.equal(gone?.displayName, ERASED_DISPLAY_NAME);
    assert.equal(gone?.avatarUrl, undefined);
    assert.equal(partner?.displayName, "name of partner");
    assert.deepEqual(stored?.ratings.map((r) => r.feedback), [undefined, "feedback of partner"]);
    assert.deepEqual(await store.moderation.blockedPeers("partner"), []);
    assert.equal((await store.moderation.listReports(10, 0)).total, 0);
    assert.deepEqual(await store.learnerSkills.list("gone"), []);
  });

  it("handles a redelivered user.deleted once", async () => {
    await store.sessions.create(session("s-2", ["gone", "partner"]));
    const record = userEvent("e-2", "user.deleted", { userId: "gone" });
    assert.equal((await handleInboundRecord(userEventsHandler, record, { store, logger, now: T0 })).outcome, "handled");
    assert.equal((await handleInboundRecord(userEventsHandler, record, { store, logger, now: T0 + 1000 })).outcome, "duplicate");
  });

  it("only logs user.updated and tier.changed: nothing stored changes", async () => {
    const s = session("s-3", ["u", "partner"]);
    await store.sessions.create(s);
    for (const [eventId, eventType, payload] of [
      ["e-3", "user.updated", { userId: "u", displayName: "New Name" }],
      ["e-4", "tier.changed", { userId: "u", tier: "premium" }],
    ] as const) {
      assert.equal((await handleInboundRecord(userEventsHandler, userEvent(eventId, eventType, payload), { store, logger, now: T0 })).outcome, "handled");
    }
    assert.deepEqual(await store.sessions.get("s-3"), s);
  });

  it("skips user.registered and a user.deleted without userId", async () => {
    assert.equal((await handleInboundRecord(userEventsHandler, userEvent("e-5", "user.registered", { userId: "u" }), { store, logger, now: T0 })).outcome, "ignored");
    assert.equal((await handleInboundRecord(userEventsHandler, userEvent("e-6", "user.deleted", { id: "u" }), { store, logger, now: T0 })).outcome, "malformed");
  });
});

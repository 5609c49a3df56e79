import assert from "node:assert/strict";
import pino from "pino";
import { feedbackEventsHandler } from "../../../src/events/consumers/feedbackEvents.js";
import { handleInboundRecord } from "../../../src/events/consumers/inboundHandling.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { SessionRecord } from "../../../src/store/records.js";

const logger = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 12);

function transcriptReady(eventId: string, payload: Record<string, unknown>): string {
  return JSON.stringify({ eventId, eventType: "transcript.ready", payload });
}

const SESSION: SessionRecord = {
  id: "s-1", sessionType: "practice", targetLanguageCode: "en", topicCode: "travel.airport", targetLevel: "B1", status: "completed",
  participants: [], prompts: [], matchRequestIds: [], createdAt: new Date(T0), updatedAt: new Date(T0), durationSeconds: 60, ratings: [],
};

describe("feedback.events handler", () => {
  it("attaches the transcript to its session without writing an event", async () => {
    const store = createMemoryStore();
    await store.sessions.create(SESSION);
    const result = await handleInboundRecord(feedbackEventsHandler, transcriptReady("e-1", { sessionId: "s-1", transcriptId: "t-1" }), { store, logger, now: T0 });
    assert.equal(result.outcome, "handled");
    const stored = await store.sessions.get("s-1");
    assert.equal(stored?.transcriptId, "t-1");
    assert.equal(stored?.status, "completed");
    assert.equal(await store.outbox.pendingCount(), 0);
    await handleInboundRecord(feedbackEventsHandler, transcriptReady("e-9", { sessionId: "s-1", transcriptId: "t-9", url: "https://feedback.example/t-9" }), { store, logger, now: T0 });
    assert.deepEqual([(await store.sessions.get("s-1"))?.transcriptId, (await store.sessions.get("s-1"))?.transcriptUrl], ["t-9", "https://feedback.example/t-9"], "a later one replaces it, with its url");
    assert.equal((await handleInboundRecord(feedbackEventsHandler, transcriptReady("e-10", { sessionId: "s-1", transcriptId: "t-10", url: "javascript:alert(1)" }), { store, logger, now: T0 })).outcome, "malformed");
  });

  it("skips a transcript of an unknown session and one without transcriptId", async () => {
    const store = createMemoryStore();
    assert.equal((await handleInboundRecord(feedbackEventsHandler, transcriptReady("e-2", { sessionId: "nope", transcriptId: "t-2" }), { store, logger, now: T0 })).outcome, "handled");
    assert.equal(await store.sessions.get("nope"), undefined);
    await store.sessions.create(SESSION);
    assert.equal((await handleInboundRecord(feedbackEventsHandler, transcriptReady("e-3", { sessionId: "s-1" }), { store, logger, now: T0 })).outcome, "malformed");
    assert.equal((await store.sessions.get("s-1"))?.transcriptId, undefined);
  });
});

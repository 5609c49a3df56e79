import assert from "node:assert/strict";
import pino from "pino";
import { handleInboundRecord } from "../../../src/events/consumers/inboundHandling.js";
import { lessonEventsHandler } from "../../../src/events/consumers/lessonEvents.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";

const logger = pino({ level: "silent" });
const T0 = Date.UTC(2026, 10, 25, 12);

function skillAcquired(eventId: string, userId: string, skillCode: unknown): string {
  return JSON.stringify({ eventId, eventType: "skill.acquired", timestamp: new Date(T0).toISOString(), payload: { userId, skillId: `id-${String(skillCode)}`, skillCode } });
}

describe("lesson.events handler", () => {
  it("records each acquired skill of a learner, once", async () => {
    const store = createMemoryStore();
    const context = { store, logger, now: T0 };
    assert.equal((await handleInboundRecord(lessonEventsHandler, skillAcquired("e-1", "u", "restaurant_vocab.en"), context)).outcome, "handled");
    assert.equal((await handleInboundRecord(lessonEventsHandler, skillAcquired("e-2", "u", "airport_vocab.en"), context)).outcome, "handled");
    assert.equal((await handleInboundRecord(lessonEventsHandler, skillAcquired("e-1", "u", "restaurant_vocab.en"), context)).outcome, "duplicate");
    // Another event for a skill the learner has: handled, still one skill.
    assert.equal((await handleInboundRecord(lessonEventsHandler, skillAcquired("e-3", "u", "airport_vocab.en"), context)).outcome, "handled");
    assert.deepEqual(await store.learnerSkills.list("u"), ["airport_vocab.en", "restaurant_vocab.en"]);
    assert.deepEqual(await store.learnerSkills.list("someone-else"), []);
  });

  it("skips a skill.acquired without a skill code", async () => {
    const store = createMemoryStore();
    assert.equal((await handleInboundRecord(lessonEventsHandler, skillAcquired("e-4", "u", 42), { store, logger, now: T0 })).outcome, "malformed");
    assert.deepEqual(await store.learnerSkills.list("u"), []);
  });
});

import assert from "node:assert/strict";
import pino from "pino";
import { handleInboundRecord, type InboundTopicHandler } from "../../../src/events/consumers/inboundHandling.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { Store } from "../../../src/store/repositories.js";

const logger = pino({ level: "silent" });
const NOW = Date.UTC(2026, 10, 25, 12);

/** A handler that counts what it applied, and can be made to fail. */
function countingHandler(): InboundTopicHandler<"skill.acquired"> & { applied: string[]; failNext: boolean } {
  const handler = {
    consumer: "test-consumer",
    eventTypes: ["skill.acquired"] as const,
    applied: [] as string[],
    failNext: false,
    async handle(event: { eventId: string }) {
      if (handler.failNext) {
        handler.failNext = false;
        throw new Error("store down");
      }
      handler.applied.push(event.eventId);
    },
  };
  return handler;
}

function record(eventId: string, eventType = "skill.acquired"): string {
  return JSON.stringify({ eventId, eventType, payload: { userId: "u-1", skillCode: "a.en" } });
}

describe("handleInboundRecord", () => {
  let store: Store;
  beforeEach(() => {
    store = createMemoryStore();
  });

  it("applies an event once and skips its redeliveries as duplicates", async () => {
    const handler = countingHandler();
    const context = { store, logger, now: NOW };
    assert.deepEqual(await handleInboundRecord(handler, record("e-1"), context), { outcome: "handled", eventId: "e-1", eventType: "skill.acquired" });
    assert.deepEqual(await handleInboundRecord(handler, record("e-1"), context), { outcome: "duplicate", eventId: "e-1", eventType: "skill.acquired" });
    assert.deepEqual(handler.applied, ["e-1"]);
    assert.equal(await store.processedEvents.isProcessed("e-1", "test-consumer"), true);
  });

  it("skips malformed records and unhandled types without recording them", async () => {
    const handler = countingHandler();
    const context = { store, logger, now: NOW };
    const malformed = await handleInboundRecord(handler, "garbage", context);
    assert.equal(malformed.outcome, "malformed");
    assert.equal(typeof malformed.reason, "string");
    assert.deepEqual(await handleInboundRecord(handler, record("e-2", "user.registered"), context), { outcome: "ignored", eventId: "e-2", eventType: "user.registered" });
    assert.deepEqual(handler.applied, []);
    assert.equal(await store.processedEvents.isProcessed("e-2", "test-consumer"), false);
  });

  it("propagates a handler's failure without recording the event, so that the redelivery applies it", async () => {
    const handler = countingHandler();
    const context = { store, logger, now: NOW };
    handler.failNext = true;
    await assert.rejects(handleInboundRecord(handler, record("e-3"), context), /store down/);
    assert.equal(await store.processedEvents.isProcessed("e-3", "test-consumer"), false);
    assert.equal((await handleInboundRecord(handler, record("e-3"), context)).outcome, "handled");
    assert.deepEqual(handler.applied, ["e-3"]);
  });

  it("records the event at the handling time, under the handler's consumer name", async () => {
    const handler = countingHandler();
    await handleInboundRecord(handler, record("e-4"), { store, logger, now: NOW });
    assert.equal(await store.processedEvents.isProcessed("e-4", "other-consumer"), false);
    // Pruning just after NOW forgets it: it was recorded at NOW.
    assert.equal(await store.processedEvents.pruneBefore(new Date(NOW + 1)), 1);
  });
});

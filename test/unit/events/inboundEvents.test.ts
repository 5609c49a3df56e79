import assert from "node:assert/strict";
import { parseInboundEvent } from "../../../src/events/consumers/inboundEvents.js";

const HANDLED = ["skill.acquired", "user.deleted"] as const;

function envelope(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    eventId: "e-1",
    eventType: "skill.acquired",
    version: "1.0",
    timestamp: "2026-11-25T10:00:00.000Z",
    payload: { userId: "u-1", skillId: "s-1", skillCode: "restaurant_vocab.en" },
    metadata: { correlationId: "c-1", source: "lesson-service" },
    ...overrides,
  });
}

describe("parseInboundEvent", () => {
  it("decodes a valid envelope into a typed event with the producer's time", () => {
    const parsed = parseInboundEvent(Buffer.from(envelope()), HANDLED);
    assert.deepEqual(parsed, {
      kind: "event",
      event: { eventId: "e-1", eventType: "skill.acquired", occurredAt: Date.parse("2026-11-25T10:00:00.000Z"), payload: { userId: "u-1", skillId: "s-1", skillCode: "restaurant_vocab.en" } },
    });
  });

  it("ignores unknown payload fields and tolerates a missing or unparsable timestamp", () => {
    const parsed = parseInboundEvent(envelope({ timestamp: "yesterday", payload: { userId: "u-1", skillCode: "x.en", extra: true } }), HANDLED);
    assert.deepEqual(parsed, { kind: "event", event: { eventId: "e-1", eventType: "skill.acquired", payload: { userId: "u-1", skillCode: "x.en" } } });
    const noTime = parseInboundEvent(JSON.stringify({ eventId: "e-2", eventType: "user.deleted", payload: { userId: "u-2" } }), HANDLED);
    assert.equal(noTime.kind, "event");
  });

  it("calls an empty value, a non-JSON value and a non-envelope malformed", () => {
    for (const value of [null, undefined, Buffer.alloc(0), "not json {", "42", JSON.stringify({ eventType: "user.deleted", payload: {} }), envelope({ eventId: "" })]) {
      const parsed = parseInboundEvent(value, HANDLED);
      assert.equal(parsed.kind, "malformed", String(value));
    }
  });

  it("calls a handled type with an invalid payload malformed, naming the event", () => {
    const parsed = parseInboundEvent(envelope({ payload: { userId: "u-1" } }), HANDLED);
    assert.equal(parsed.kind, "malformed");
    assert.equal(parsed.kind === "malformed" && parsed.eventId, "e-1");
    assert.match(parsed.kind === "malformed" ? parsed.reason : "", /skillCode/);
  });

  it("ignores a well-formed event of a type the topic does not handle, whatever its payload", () => {
    assert.deepEqual(parseInboundEvent(envelope({ eventType: "user.registered", payload: "anything" }), HANDLED), { kind: "ignored", eventId: "e-1", eventType: "user.registered" });
    // A consumed type handled by another topic is not this topic's either.
    assert.equal(parseInboundEvent(envelope({ eventType: "transcript.ready" }), HANDLED).kind, "ignored");
  });
});

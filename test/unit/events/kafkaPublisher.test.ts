import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { logLevel } from "kafkajs";
import pino from "pino";
import { createEvent, type EventEnvelope } from "../../../src/events/envelope.js";
import { pinoLogCreator } from "../../../src/events/kafkaClient.js";
import { sendFailedBatchFirst, toKafkaMessage } from "../../../src/events/kafkaPublisher.js";

const T0 = Date.UTC(2026, 10, 25, 12);

function events(n: number, key = "user-1"): EventEnvelope[] {
  return Array.from({ length: n }, (_, i) => createEvent("conversation.started", key, { i }, `c-${i}`, T0 + i));
}

function ids(batch: readonly EventEnvelope[]): string[] {
  return batch.map((e) => e.eventId);
}

describe("toKafkaMessage", () => {
  it("keys the record by the envelope's key, with the envelope without key as JSON and eventType/eventId headers", () => {
    const [event] = events(1, "user-42") as [EventEnvelope];
    const message = toKafkaMessage(event);
    assert.equal(message.key, "user-42");
    const { key: _key, ...withoutKey } = event;
    assert.deepEqual(JSON.parse(String(message.value)), withoutKey);
    assert.ok(!("key" in JSON.parse(String(message.value))));
    assert.deepEqual(message.headers, { eventType: "conversation.started", eventId: event.eventId });
  });
});

describe("sendFailedBatchFirst", () => {
  it("sends each batch as given while sends succeed", async () => {
    const sent: string[][] = [];
    const sender = sendFailedBatchFirst(async (batch) => void sent.push(ids(batch)));
    const [a, b] = [events(2), events(3)];
    await sender.publish(a);
    await sender.publish([]);
    await sender.publish(b);
    assert.deepEqual(sent, [ids(a), ids(b)]);
  });

  it("re-sends exactly the failed batch first when the retry begins with it, then the rest", async () => {
    const sent: string[][] = [];
    let fail = true;
    const sender = sendFailedBatchFirst(async (batch) => {
      sent.push(ids(batch));
      if (fail) throw new Error("broker down");
    });
    const first = events(3);
    await assert.rejects(sender.publish(first), /broker down/);
    fail = false;
    const more = events(2);
    await sender.publish([...first, ...more]);
    assert.deepEqual(sent, [ids(first), ids(first), ids(more)]);
  });

  it("keeps the failed batch when its re-send fails again, and forgets it when a retry does not begin with it", async () => {
    const sent: string[][] = [];
    let failures = 2;
    const sender = sendFailedBatchFirst(async (batch) => {
      sent.push(ids(batch));
      if (failures-- > 0) throw new Error("broker down");
    });
    const first = events(2);
    const more = events(1);
    await assert.rejects(sender.publish(first));
    await assert.rejects(sender.publish([...first, ...more]));
    const other = events(2);
    await sender.publish(other);
    assert.deepEqual(sent, [ids(first), ids(first), ids(other)]);
  });

  it("skips on retry what Kafka acknowledged during a call that failed part-way", async () => {
    const sent: string[][] = [];
    const failing = new Set<string>();
    const sender = sendFailedBatchFirst(async (batch) => {
      sent.push(ids(batch));
      if (batch.some((e) => failing.has(e.eventId))) throw new Error("broker down");
    });
    const [f, r, s, t] = [events(2), events(2), events(1), events(1)];
    for (const e of [...f, ...r]) failing.add(e.eventId);
    await assert.rejects(sender.publish(f));
    // Retry: F goes through, R fails — F is in Kafka, though the call throws.
    for (const e of f) failing.delete(e.eventId);
    await assert.rejects(sender.publish([...f, ...r]));
    // Retry again, with newer events: F is skipped, R re-sent alone, then S.
    for (const e of r) failing.delete(e.eventId);
    await sender.publish([...f, ...r, ...s]);
    // Nothing is remembered after a success.
    await sender.publish([...t]);
    assert.deepEqual(sent, [ids(f), ids(f), ids(r), ids(r), ids(s), ids(t)]);
  });

  it("keeps what was acknowledged across several failed retries", async () => {
    const sent: string[][] = [];
    const failing = new Set<string>();
    const sender = sendFailedBatchFirst(async (batch) => {
      sent.push(ids(batch));
      if (batch.some((e) => failing.has(e.eventId))) throw new Error("broker down");
    });
    const [f, r, s] = [events(1), events(1), events(1)];
    const fail = (...batches: EventEnvelope[][]) => {
      failing.clear();
      for (const e of batches.flat()) failing.add(e.eventId);
    };
    fail(f);
    await assert.rejects(sender.publish(f));
    fail(r);
    await assert.rejects(sender.publish([...f, ...r])); // F acknowledged, R failed
    fail(s);
    await assert.rejects(sender.publish([...f, ...r, ...s])); // F skipped, R acknowledged, S failed
    fail();
    await sender.publish([...f, ...r, ...s]); // F and R skipped, S re-sent
    assert.deepEqual(sent, [ids(f), ids(f), ids(r), ids(r), ids(s), ids(s)]);
  });

  it("runs publishes one at a time, in call order", async () => {
    const log: string[] = [];
    const sender = sendFailedBatchFirst(async (batch) => {
      log.push(`start ${batch.length}`);
      await new Promise((resolve) => setImmediate(resolve));
      log.push(`end ${batch.length}`);
    });
    await Promise.all([sender.publish(events(1)), sender.publish(events(2)), sender.publish(events(3))]);
    await sender.idle();
    assert.deepEqual(log, ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]);
  });
});

describe("pinoLogCreator", () => {
  it("writes kafkajs's warnings and errors at warn, drops info, debug and the known-inapplicable warnings", () => {
    const lines: { level: number; msg: string; kafkajs?: string; broker?: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
        done();
      },
    });
    const log = pinoLogCreator(pino({ level: "debug" }, sink))(logLevel.WARN);
    const entry = (level: logLevel, message: string) => ({ namespace: "Connection", level, label: "X", log: { timestamp: "t", message, broker: "127.0.0.1:9093" } });
    log(entry(logLevel.ERROR, "Connection error"));
    log(entry(logLevel.WARN, "Slow"));
    log(entry(logLevel.INFO, "Connected"));
    log(entry(logLevel.DEBUG, "Request"));
    log(entry(logLevel.WARN, "Limiting retries for the idempotent producer may invalidate EoS guarantees"));
    assert.deepEqual(lines.map((l) => [l.level, l.msg, l.kafkajs, l.broker]), [
      [40, "Connection error", "Connection", "127.0.0.1:9093"],
      [40, "Slow", "Connection", "127.0.0.1:9093"],
    ]);
  });
});

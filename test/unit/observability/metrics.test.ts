import assert from "node:assert/strict";
import { createEvent } from "../../../src/events/envelope.js";
import { meterRecordingStorage } from "../../../src/observability/meteredRecordingStorage.js";
import { createMetrics, disconnectionKind, MATCH_SUCCESS_WINDOW_MS, RATING_WINDOW_MS } from "../../../src/observability/metrics.js";
import type { RecordingStorage, RecordingWriter } from "../../../src/storage/recordingStorage.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");

/** A settable clock for the metrics (epoch ms). */
function fakeClock() {
  const clock = { at: T0, now: () => clock.at };
  return clock;
}

/** The value of one sample of `name` with exactly `labels`, from the registry's JSON. */
async function sample(metrics: ReturnType<typeof createMetrics>, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  assert.ok(metric, `metric ${name} is registered`);
  const { values } = await metric.get();
  const found = values.find((v) => JSON.stringify(Object.entries(v.labels).sort()) === JSON.stringify(Object.entries(labels).sort()));
  return found?.value;
}

describe("observability: metrics (seed 002 §10.1)", () => {
  it("match_success_rate is matched / all outcomes of the last 15 minutes, NaN without any", async () => {
    const clock = fakeClock();
    const metrics = createMetrics({ now: clock.now });
    assert.ok(Number.isNaN(await sample(metrics, "match_success_rate")));
    for (let i = 0; i < 3; i++) metrics.matchOutcomes.inc({ outcome: "matched" });
    metrics.matchOutcomes.inc({ outcome: "expired" });
    assert.equal(await sample(metrics, "match_success_rate"), 0.75);
    assert.equal(await sample(metrics, "match_outcomes_total", { outcome: "matched" }), 3, "the counter still counts");

    clock.at += 10 * 60_000;
    metrics.matchOutcomes.inc({ outcome: "cancelled" }, 2);
    metrics.matchOutcomes.inc({ outcome: "expired" });
    assert.equal(await sample(metrics, "match_success_rate"), 3 / 7);

    clock.at += MATCH_SUCCESS_WINDOW_MS - 5 * 60_000;
    assert.equal(await sample(metrics, "match_success_rate"), 0, "the first outcomes left the window, the later ones stay");
    clock.at += MATCH_SUCCESS_WINDOW_MS;
    assert.ok(Number.isNaN(await sample(metrics, "match_success_rate")));
  });

  it("conversation_rating_avg averages each topic's ratings of the last 24 h from conversation.rated events; an edit replaces the rating", async () => {
    const clock = fakeClock();
    const metrics = createMetrics({ now: clock.now });
    const rated = (sessionId: string, userId: string, topicCode: string, rating: number) =>
      createEvent("conversation.rated", userId, { sessionId, userId, rating, topicCode }, sessionId, clock.at);
    metrics.observePublished([rated("s1", "ana", "hobbies.music", 5), rated("s1", "bo", "hobbies.music", 2), rated("s2", "cy", "travel.airport", 4)]);
    assert.equal(await sample(metrics, "conversation_rating_avg", { topic: "hobbies.music" }), 3.5);
    assert.equal(await sample(metrics, "conversation_ratings_window", { topic: "hobbies.music" }), 2);
    assert.equal(await sample(metrics, "conversation_rating_avg", { topic: "travel.airport" }), 4);

    clock.at += 60_000;
    metrics.observePublished([rated("s1", "bo", "hobbies.music", 4)]);
    assert.equal(await sample(metrics, "conversation_rating_avg", { topic: "hobbies.music" }), 4.5, "bo's edit replaced 2 by 4");
    assert.equal(await sample(metrics, "conversation_ratings_window", { topic: "hobbies.music" }), 2);

    clock.at = T0 + RATING_WINDOW_MS + 1;
    assert.equal(await sample(metrics, "conversation_rating_avg", { topic: "hobbies.music" }), 4, "ana's rating left the window; bo's edit is newer");
    assert.equal(await sample(metrics, "conversation_rating_avg", { topic: "travel.airport" }), undefined, "a topic without ratings in the window has no series");
    assert.equal(await sample(metrics, "events_published_total"), 4);
  });

  it("counts an ended conversation once per session although each participant gets an event", async () => {
    const metrics = createMetrics();
    const ended = (type: "conversation.completed" | "conversation.aborted", sessionId: string) => ["ana", "bo", "cy"].map((userId) => createEvent(type, userId, { sessionId }, sessionId, T0));
    metrics.observePublished([...ended("conversation.completed", "s1"), ...ended("conversation.aborted", "s2").slice(0, 2)]);
    metrics.observePublished(ended("conversation.aborted", "s2").slice(2));
    assert.equal(await sample(metrics, "conversations_ended_total", { status: "completed" }), 1);
    assert.equal(await sample(metrics, "conversations_ended_total", { status: "aborted" }), 1, "split over two batches, still one");
  });

  it("reads the outbox backlog and the age of its oldest event at scrape time, NaN when the store fails", async () => {
    const clock = fakeClock();
    const store = createMemoryStore();
    let failing = false;
    const outbox = {
      pending: (limit: number) => (failing ? Promise.reject(new Error("store down")) : store.outbox.pending(limit)),
      pendingCount: () => (failing ? Promise.reject(new Error("store down")) : store.outbox.pendingCount()),
    };
    const failures: string[] = [];
    const metrics = createMetrics({ now: clock.now, outbox, onCollectError: (metric) => failures.push(metric) });
    assert.equal(await sample(metrics, "outbox_pending"), 0);
    assert.equal(await sample(metrics, "outbox_oldest_pending_age_seconds"), 0, "nothing pending: age 0");

    const session = { id: "s-1", status: "waiting", participants: [], ratings: [] } as never;
    await store.sessions.create(session, { events: [createEvent("conversation.matched", "ana", {}, "s-1", T0 - 90_000), createEvent("conversation.matched", "bo", {}, "s-1", T0 - 30_000)] });
    assert.equal(await sample(metrics, "outbox_pending"), 2);
    assert.equal(await sample(metrics, "outbox_oldest_pending_age_seconds"), 90);

    failing = true;
    assert.ok(Number.isNaN(await sample(metrics, "outbox_pending")));
    assert.ok(Number.isNaN(await sample(metrics, "outbox_oldest_pending_age_seconds")));
    assert.deepEqual(failures.sort(), ["outbox_oldest_pending_age_seconds", "outbox_pending"]);
    const text = await metrics.registry.metrics();
    assert.match(text, /^outbox_pending nan$/im, "the scrape still answers");
  });

  it("reads Colyseus rooms and connected clients at scrape time", async () => {
    const stats = { roomCount: 3, ccu: 7 };
    const metrics = createMetrics({ roomStats: () => stats });
    assert.equal(await sample(metrics, "colyseus_rooms"), 3);
    assert.equal(await sample(metrics, "colyseus_ccu"), 7);
    stats.ccu = 5;
    assert.equal(await sample(metrics, "colyseus_ccu"), 5);
  });

  it("classifies WebSocket close codes: normal, going away, consented and shutdown are clean", () => {
    assert.deepEqual([1000, 1001, 4000, 4001].map(disconnectionKind), ["clean", "clean", "clean", "clean"]);
    assert.deepEqual([1005, 1006, 1009, 1011, 4002, 4003, 3000].map(disconnectionKind), Array(7).fill("abnormal"));
  });

  it("times a recording's finish and counts each upload once by outcome; an abort counts nothing", async () => {
    const clock = fakeClock();
    const metrics = createMetrics();
    let finishMs = 0;
    const behaviour = { failWrite: false, failFinish: false };
    const writer = (): RecordingWriter => ({
      write: async () => {
        if (behaviour.failWrite) throw new Error("backend failed");
      },
      finish: async () => {
        clock.at += finishMs;
        if (behaviour.failFinish) throw new Error("complete failed");
        return { ref: "file:///r.webm", bytes: 3 };
      },
      abort: async () => undefined,
    });
    const storage = { kind: "local", openWriter: writer, trackKey: (id: string, user: string) => `${id}/${user}.webm` } as unknown as RecordingStorage;
    const metered = meterRecordingStorage(storage, metrics, clock.now);
    assert.equal(metered.kind, "local");
    assert.equal(metered.trackKey("s1", "alice"), "s1/alice.webm", "everything else passes through");

    finishMs = 2500;
    const ok = metered.openWriter("s1", "alice", "audio/webm");
    await ok.write(new Uint8Array(3));
    await ok.finish();
    await ok.finish();
    behaviour.failFinish = true;
    await assert.rejects(metered.openWriter("s2", "alice", "audio/webm").finish(), /complete failed/);
    behaviour.failFinish = false;
    behaviour.failWrite = true;
    const broken = metered.openWriter("s3", "alice", "audio/webm");
    await assert.rejects(broken.write(new Uint8Array(1)), /backend failed/);
    await assert.rejects(broken.write(new Uint8Array(1)));
    await broken.abort();
    await metered.openWriter("s4", "alice", "audio/webm").abort();

    assert.equal(await sample(metrics, "recording_uploads_total", { outcome: "success" }), 1);
    assert.equal(await sample(metrics, "recording_uploads_total", { outcome: "failure" }), 2);
    const text = await metrics.registry.metrics();
    assert.match(text, /^recording_upload_duration_seconds_count 1$/m);
    assert.match(text, /^recording_upload_duration_seconds_sum 2.5$/m);
  });
});

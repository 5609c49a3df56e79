import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import pino from "pino";
import { createEvent } from "../../../src/events/envelope.js";
import { decideSessionCleanup, SessionCleanup, type CleanupLimits, type CleanupRooms } from "../../../src/jobs/sessionCleanup.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { MatchRequestRecord, SessionRecord } from "../../../src/store/records.js";
import type { Store } from "../../../src/store/repositories.js";

const LIMITS: CleanupLimits = { joinTimeoutSeconds: 60, maxDurationFreeSeconds: 900, maxDurationPremiumSeconds: 3600 };
const SLACK_MS = 60_000;
const T0 = Date.parse("2026-11-25T10:00:00Z");

function session(overrides: Partial<SessionRecord> = {}, tier: "free" | "premium" = "free"): SessionRecord {
  return {
    id: randomUUID(),
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "daily_life.introductions",
    targetLevel: "B1",
    status: "active",
    participants: ["ann", "ben"].map((name, i) => ({
      userId: `${name}-${randomUUID()}`,
      displayName: name,
      nativeLanguageCode: "fr",
      targetLanguageCode: "en",
      level: "B1" as const,
      role: i === 0 ? ("learner" as const) : ("partner" as const),
      tier,
      recordingConsent: false,
      spokenSeconds: 12,
      turnCount: 3,
    })),
    prompts: [],
    matchRequestIds: [],
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    startedAt: new Date(T0),
    durationSeconds: 0,
    ratings: [],
    ...overrides,
  };
}

function ticket(overrides: Partial<MatchRequestRecord> = {}): MatchRequestRecord {
  return {
    id: randomUUID(),
    userId: `solo-${randomUUID()}`,
    queue: "en",
    sessionType: "practice",
    targetLanguageCode: "en",
    nativeLanguageCode: "fr",
    currentLevel: "B1",
    preferredPartnerLevel: "same",
    topicCode: "daily_life.introductions",
    mode: "now",
    maxWaitTimeSeconds: 120,
    recordingConsent: false,
    status: "pending",
    createdAt: new Date(T0),
    expiresAt: new Date(T0 + 120_000),
    ...overrides,
  };
}

/** Rooms the test decides: `listed` are the live rooms; `nudge` answers `answering`. */
function stubRooms(listed: string[] = [], answering = true): CleanupRooms & { nudged: string[] } {
  const nudged: string[] = [];
  return {
    nudged,
    listedConversationIds: async () => new Set(listed),
    nudge: async (id) => {
      nudged.push(id);
      return answering;
    },
  };
}

function job(store: Store, rooms: CleanupRooms, at: number): SessionCleanup {
  return new SessionCleanup(
    { store, rooms, logger: pino({ level: "silent" }), limits: LIMITS, now: () => at, onEventsWritten: () => undefined },
    { intervalMs: 60_000, slackMs: SLACK_MS },
  );
}

async function eventsOf(store: Store): Promise<string[]> {
  return (await store.outbox.pending(1000)).map((r) => `${r.event.eventType}:${r.event.key}`).sort();
}

describe("jobs: session cleanup rule", () => {
  it("keeps a session whose room is listed and within its time, and nudges the room once past the deadline + slack", () => {
    const s = session();
    assert.deepEqual(decideSessionCleanup(s, true, T0 + 899_000, LIMITS, SLACK_MS), { action: "keep" });
    assert.deepEqual(decideSessionCleanup(s, true, T0 + 900_000 + SLACK_MS - 1, LIMITS, SLACK_MS), { action: "keep" });
    assert.deepEqual(decideSessionCleanup(s, true, T0 + 900_000 + SLACK_MS + 1, LIMITS, SLACK_MS), { action: "nudge_room", deadline: T0 + 900_000 });
  });

  it("uses the premium limit only when every participant is premium", () => {
    const premium = session({}, "premium");
    assert.deepEqual(decideSessionCleanup(premium, true, T0 + 1_000_000, LIMITS, SLACK_MS), { action: "keep" });
    assert.equal(decideSessionCleanup(premium, true, T0 + 3_600_000 + SLACK_MS + 1, LIMITS, SLACK_MS).action, "nudge_room");
  });

  it("ends an active session whose room is gone now with reason error, or at its deadline with reason timeout", () => {
    const s = session();
    assert.deepEqual(decideSessionCleanup(s, false, T0 + 300_000, LIMITS, SLACK_MS), { action: "end", reason: "error", at: T0 + 300_000, why: "room_gone" });
    assert.deepEqual(decideSessionCleanup(s, false, T0 + 5_000_000, LIMITS, SLACK_MS), { action: "end", reason: "timeout", at: T0 + 900_000, why: "over_time" });
  });

  it("leaves a young waiting session without room alone (its room is being created) and expires an older one", () => {
    const waiting = session({ status: "waiting", startedAt: undefined });
    assert.deepEqual(decideSessionCleanup(waiting, false, T0 + SLACK_MS, LIMITS, SLACK_MS), { action: "keep" });
    assert.equal(decideSessionCleanup(waiting, false, T0 + SLACK_MS + 1, LIMITS, SLACK_MS).action, "end");
  });

  it("keeps sessions that are not live", () => {
    for (const status of ["completed", "aborted", "expired"] as const) {
      assert.deepEqual(decideSessionCleanup(session({ status }), false, T0 + 10_000_000, LIMITS, SLACK_MS), { action: "keep" });
    }
  });
});

describe("jobs: session cleanup on the memory store", () => {
  it("ends live sessions whose room is gone, with their events, and leaves the ones with a room", async () => {
    const store = createMemoryStore();
    const crashed = session({ startedAt: new Date(T0 - 200_000) });
    const overTime = session({ startedAt: new Date(T0 - 2_000_000) });
    const waiting = session({ status: "waiting", startedAt: undefined, createdAt: new Date(T0 - 120_000) });
    const healthy = session();
    for (const s of [crashed, overTime, waiting, healthy]) await store.sessions.create(s);
    const rooms = stubRooms([healthy.id]);

    const report = await job(store, rooms, T0 + 10_000).run();

    assert.deepEqual(report.sessionsEnded.map((e) => e.sessionId).sort(), [crashed.id, overTime.id, waiting.id].sort());
    const [c, o, w, h] = await Promise.all([crashed, overTime, waiting, healthy].map((s) => store.sessions.get(s.id)));
    assert.deepEqual([c?.status, c?.endReason, c?.durationSeconds, c?.xpEligible], ["completed", "error", 210, true]);
    assert.deepEqual([o?.status, o?.endReason, o?.durationSeconds], ["completed", "timeout", 900], "a crashed session's duration stops at its limit");
    assert.equal(o?.endedAt?.getTime(), T0 - 2_000_000 + 900_000);
    assert.deepEqual([w?.status, w?.endReason], ["expired", "timeout"]);
    assert.equal(h?.status, "active");
    assert.deepEqual(rooms.nudged, []);
    const expected = [
      ...crashed.participants.map((p) => `conversation.completed:${p.userId}`),
      ...overTime.participants.map((p) => `conversation.completed:${p.userId}`),
      ...waiting.participants.map((p) => `conversation.expired:${p.userId}`),
    ].sort();
    assert.deepEqual(await eventsOf(store), expected);
  });

  it("asks a listed room past its deadline to end its session, and ends it in the store only when the room does not answer", async () => {
    const store = createMemoryStore();
    const stuck = session();
    await store.sessions.create(stuck);
    const answering = stubRooms([stuck.id], true);
    const first = await job(store, answering, T0 + 1_000_000).run();
    assert.deepEqual(answering.nudged, [stuck.id]);
    assert.deepEqual(first.sessionsEnded, []);
    assert.equal((await store.sessions.get(stuck.id))?.status, "active", "the room is the writer: the job only nudged it");

    const silent = stubRooms([stuck.id], false);
    const second = await job(store, silent, T0 + 1_000_000).run();
    assert.deepEqual(second.sessionsEnded, [{ sessionId: stuck.id, status: "completed", why: "over_time" }]);
    assert.equal((await store.sessions.get(stuck.id))?.endReason, "timeout");
  });

  it("expires pending tickets past expiresAt + slack with match.expired, and no others", async () => {
    const store = createMemoryStore();
    const stale = ticket({ expiresAt: new Date(T0 - SLACK_MS - 1) });
    const justExpired = ticket({ expiresAt: new Date(T0 - 1000) });
    const waiting = ticket({ expiresAt: new Date(T0 + 60_000) });
    for (const t of [stale, justExpired, waiting]) await store.matchRequests.create(t);

    const report = await job(store, stubRooms(), T0).run();

    assert.deepEqual(report.ticketsExpired, [stale.id]);
    assert.equal((await store.matchRequests.get(stale.id))?.status, "expired");
    assert.equal((await store.matchRequests.get(justExpired.id))?.status, "pending", "its room expires it itself");
    assert.equal((await store.matchRequests.get(waiting.id))?.status, "pending");
    const events = await store.outbox.pending(10);
    assert.deepEqual(events.map((e) => [e.event.eventType, e.event.key, e.event.payload.matchRequestId]), [["match.expired", stale.userId, stale.id]]);
  });

  it("ends each orphan once, with one set of events, when several processes run the job at the same time", async () => {
    const store = createMemoryStore();
    const orphans = [session(), session(), session({ status: "waiting", startedAt: undefined, createdAt: new Date(T0 - 300_000) })];
    for (const s of orphans) await store.sessions.create(s);
    const stale = ticket({ expiresAt: new Date(T0 - 300_000) });
    await store.matchRequests.create(stale);

    const reports = await Promise.all([1, 2, 3].map(() => job(store, stubRooms(), T0 + 30_000).run()));

    const ended = reports.flatMap((r) => r.sessionsEnded.map((e) => e.sessionId)).sort();
    assert.deepEqual(ended, orphans.map((s) => s.id).sort(), "each session ended by exactly one run");
    assert.deepEqual(reports.flatMap((r) => r.ticketsExpired), [stale.id]);
    const events = await eventsOf(store);
    assert.equal(events.length, 2 * orphans.length + 1);
    assert.equal(new Set(events).size, events.length, "no duplicate event");
  });

  it("coalesces overlapping runs of one job and stops cleanly", async () => {
    const store = createMemoryStore();
    const j = job(store, stubRooms(), T0);
    const [a, b] = [j.run(), j.run()];
    assert.equal(a, b);
    await a;
    j.start();
    await j.stop();
  });

  it("prunes published outbox rows and processed event ids past the retention: over repeated cycles the collections stop growing", async () => {
    const store = createMemoryStore();
    const HOUR = 3600_000;
    let now = T0;
    const j = new SessionCleanup(
      { store, rooms: stubRooms(), logger: pino({ level: "silent" }), limits: LIMITS, now: () => now, onEventsWritten: () => undefined },
      { intervalMs: 60_000, slackMs: SLACK_MS, retentionMs: 72 * HOUR },
    );
    const sizes: [number, number][] = [];
    const pruned: number[] = [];
    // Every 12 hours: 5 events written and published, 5 inbound events handled, then a run.
    for (let cycle = 0; cycle < 20; cycle++) {
      for (let i = 0; i < 5; i++) {
        const t = ticket();
        await store.matchRequests.create(t, { events: [createEvent("match.requested", t.userId, {}, t.id, now)] });
        await store.matchRequests.transition(t.id, "pending", { status: "cancelled" });
        await store.processedEvents.markProcessed(randomUUID(), "user-events", new Date(now));
      }
      const rows = await store.outbox.pending(1000);
      await store.outbox.markPublished(rows.map((r) => r.seq), new Date(now));
      const report = await j.run();
      pruned.push(report.outboxRowsPruned);
      sizes.push([await store.outbox.rowCount(), await store.processedEvents.count()]);
      now += 12 * HOUR;
    }
    // 72 h of 12-hour cycles: the rows of the last 6 cycles plus the current one (a row published
    // exactly 72 h ago is kept) — from the 7th cycle on, each run deletes what one cycle added.
    assert.deepEqual(sizes.slice(7), Array.from({ length: 13 }, () => [35, 35]), JSON.stringify(sizes));
    assert.deepEqual(pruned.slice(0, 7), [0, 0, 0, 0, 0, 0, 0]);
    assert.ok(pruned.slice(7).every((n) => n === 5), JSON.stringify(pruned));
    assert.equal(await store.outbox.pendingCount(), 0);
  });

  it("never prunes an unpublished outbox row, however old", async () => {
    const store = createMemoryStore();
    const t = ticket({ expiresAt: new Date(T0 + 400 * 24 * 3600_000) });
    await store.matchRequests.create(t, { events: [createEvent("match.requested", t.userId, {}, t.id, T0)] });
    const report = await job(store, stubRooms(), T0 + 365 * 24 * 3600_000).run();
    assert.equal(report.outboxRowsPruned, 0);
    assert.equal(await store.outbox.pendingCount(), 1);
  });

  it("deletes notifications past their 30-day expiry, and only those", async () => {
    const store = createMemoryStore();
    const at = (ms: number) => new Date(T0 + ms);
    const base = { userId: "u1", type: "mention" as const, titleKey: "t", bodyKey: "b", params: {}, data: {}, status: "pending" as const, channel: "in_app" as const, createdAt: at(0) };
    await store.notifications.create({ ...base, id: "old", expiresAt: at(1000) });
    await store.notifications.create({ ...base, id: "fresh", expiresAt: at(10_000_000) });
    const report = await job(store, stubRooms(), T0 + 2000).run();
    assert.equal(report.notificationsPruned, 1);
    assert.deepEqual((await store.notifications.list("u1", { limit: 10, now: at(0) })).items.map((n) => n.id), ["fresh"]);
  });
});

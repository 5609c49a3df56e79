import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Room } from "@colyseus/sdk";
import type { MatchRequestRecord } from "../../src/store/records.js";
import { eventually, localConversation, talkingPair as talking } from "../support/conversations.js";
import { clock, testServer } from "../support/testServer.js";

/**
 * The cleanup job of the composed server (`parley.cleanup`, real matchmaker, shared memory
 * store) against real rooms. It runs on demand here (`run()`); `listen()` would schedule it.
 * Assertions look only at this suite's own sessions: the store is shared with other suites.
 */

describe("rooms: session cleanup job", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    clock.offsetMs = 0;
    await Promise.all(open.splice(0).map((r) => r.leave().catch(() => undefined)));
  });

  it("leaves a live session with a running room alone", async () => {
    const t = await talking("es", "hobbies.music");
    open.push(t.roomA, t.roomB);
    const { parley } = await testServer();
    const report = await parley.cleanup.run();
    assert.ok(!report.sessionsEnded.some((e) => e.sessionId === t.sessionId));
    assert.ok(!report.roomsNudged.includes(t.sessionId));
    assert.equal((await parley.store.sessions.get(t.sessionId))?.status, "active");
  });

  it("asks a room whose session is past its time limit to end it: the room ends it itself and tells everyone", async () => {
    const t = await talking("fr", "daily_life.shopping");
    open.push(t.roomA, t.roomB);
    const room = localConversation(t.sessionId);
    assert.ok(room);
    // The room's own clock is stopped (a stuck timer): only the job can bring it to its deadline.
    room.clock.clear();
    clock.offsetMs = 15 * 60_000 + 61_000;
    const { parley } = await testServer();

    const report = await parley.cleanup.run();

    assert.ok(report.roomsNudged.includes(t.sessionId));
    const ended = await t.inA.next<{ reason: string; status: string; durationSeconds: number }>("session_ended");
    assert.deepEqual([ended.status, ended.reason, ended.durationSeconds], ["completed", "timeout", 900]);
    await eventually(async () => (await parley.store.sessions.get(t.sessionId))?.endReason === "timeout", "stored by the room");
    assert.ok(!report.sessionsEnded.some((e) => e.sessionId === t.sessionId), "the room wrote it, not the job");
  });

  it("ends an active session whose room is gone without ending it (a crashed process), with its events", async () => {
    const t = await talking("de", "daily_life.introductions");
    const room = localConversation(t.sessionId);
    assert.ok(room);
    // Gone the way a crash looks to the store: clients cut (4001, as at shutdown), no transition written.
    await room.disconnect(4001);
    const { parley } = await testServer();
    assert.equal((await parley.store.sessions.get(t.sessionId))?.status, "active");
    const seen: string[] = [];
    const outbox = parley.store.outbox;
    const pending = outbox.pending.bind(outbox);
    outbox.pending = async (limit) => {
      const rows = await pending(limit);
      for (const r of rows) if (r.event.metadata.correlationId === t.sessionId) seen.push(`${r.event.eventType}:${r.event.key}`);
      return rows;
    };
    try {
      const report = await parley.cleanup.run();
      assert.deepEqual(report.sessionsEnded.find((e) => e.sessionId === t.sessionId), { sessionId: t.sessionId, status: "completed", why: "room_gone" });
      const stored = await parley.store.sessions.get(t.sessionId);
      assert.deepEqual([stored?.status, stored?.endReason], ["completed", "error"]);
      await parley.relay.drain();
      assert.ok(seen.includes(`conversation.completed:${t.a.userId}`) && seen.includes(`conversation.completed:${t.b.userId}`), `events: ${seen.join(", ")}`);
      const again = await parley.cleanup.run();
      assert.ok(!again.sessionsEnded.some((e) => e.sessionId === t.sessionId), "ended once");
    } finally {
      outbox.pending = pending;
    }
  });

  it("expires a pending ticket no matchmaking room holds any more, past its expiry", async () => {
    const { parley } = await testServer();
    const now = clock.now();
    const ticket: MatchRequestRecord = {
      id: randomUUID(),
      userId: `lost-${randomUUID()}`,
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
      createdAt: new Date(now - 300_000),
      expiresAt: new Date(now - 180_000),
    };
    await parley.store.matchRequests.create(ticket);
    const report = await parley.cleanup.run();
    assert.ok(report.ticketsExpired.includes(ticket.id));
    assert.equal((await parley.store.matchRequests.get(ticket.id))?.status, "expired");
  });
});

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { events } from "../../src/events/eventBuilders.js";
import type { MatchRequestRecord, ParticipantRecord, SessionRecord } from "../../src/store/records.js";
import type { Store } from "../../src/store/repositories.js";

/**
 * The contract of `Store.writeBatch` (a room's group commit, DESIGN §1), registered by
 * `describeStoreContract` for both implementations. Fresh ids in every test.
 */

const T0 = Date.UTC(2026, 11, 7, 12, 0, 0);

function ticket(userId = `user-${randomUUID()}`): MatchRequestRecord {
  return {
    id: randomUUID(),
    userId,
    queue: "en",
    sessionType: "practice",
    targetLanguageCode: "en",
    nativeLanguageCode: "fr",
    currentLevel: "B1",
    preferredPartnerLevel: "same",
    topicCode: "travel.airport",
    mode: "now",
    maxWaitTimeSeconds: 120,
    recordingConsent: false,
    status: "pending",
    createdAt: new Date(T0),
    expiresAt: new Date(T0 + 365 * 86_400_000),
  };
}

function participant(userId: string): ParticipantRecord {
  return { userId, displayName: `name of ${userId}`, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1", role: "participant", tier: "free", recordingConsent: false, spokenSeconds: 0, turnCount: 0 };
}

function session(userIds: string[]): SessionRecord {
  return {
    id: randomUUID(),
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "travel.airport",
    targetLevel: "B1",
    status: "waiting",
    participants: userIds.map(participant),
    prompts: [],
    matchRequestIds: [],
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    durationSeconds: 0,
    ratings: [],
  };
}

/** Registers the batch-write tests on the store `current()` returns. */
export function describeBatchWrites(current: () => Store): void {
  describe("batch writes (group commit)", () => {
    const pendingIds = async () => new Set((await current().outbox.pending(1_000_000)).map((r) => r.event.eventId));

    it("applies every write in order per document, each with its events, and reports each outcome", async () => {
      const store = current();
      const t = ticket();
      const s = session([t.userId, `user-${randomUUID()}`]);
      const requested = events.matchRequested(t, T0);
      const cancelled = events.matchCancelled(t, "test", T0);
      const matched = events.conversationMatched(s, 3, T0);
      const outcomes = await store.writeBatch([
        { kind: "matchRequest.create", record: t, events: [requested] },
        { kind: "session.create", record: s, events: matched },
        { kind: "matchRequest.transition", id: t.id, expected: "pending", patch: { status: "cancelled" }, events: [cancelled] },
        { kind: "session.patch", id: s.id, patch: { prompts: [{ promptKey: "k", category: "icebreaker", displayedAt: new Date(T0) }] } },
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ["applied", "applied", "applied", "applied"]);
      assert.equal((await store.matchRequests.get(t.id))?.status, "cancelled");
      assert.equal((await store.sessions.get(s.id))?.prompts[0]?.promptKey, "k");
      const pending = await pendingIds();
      for (const e of [requested, cancelled, ...matched]) assert.ok(pending.has(e.eventId), `${e.eventType} in the outbox`);
    });

    it("refuses a write whose condition does not hold, without its events, and still applies the others", async () => {
      const store = current();
      const first = ticket();
      await store.matchRequests.create(first);
      const second = ticket(first.userId);
      const other = ticket();
      const refusedEvent = events.matchExpired({ ...other, createdAt: T0 }, T0, T0);
      const outcomes = await store.writeBatch([
        { kind: "matchRequest.create", record: second, events: [events.matchRequested(second, T0)] },
        { kind: "matchRequest.transition", id: other.id, expected: "pending", patch: { status: "expired" }, events: [refusedEvent] },
        { kind: "matchRequest.create", record: other },
      ]);
      assert.equal(outcomes[0]?.status, "refused");
      assert.equal(outcomes[0]?.status === "refused" && outcomes[0].error?.code, "ALREADY_MATCHED");
      assert.equal(outcomes[1]?.status, "refused", "the transition ran before the create of the same document");
      assert.equal(outcomes[2]?.status, "applied");
      assert.equal(await store.matchRequests.get(second.id), undefined);
      assert.ok(!(await pendingIds()).has(refusedEvent.eventId));
    });

    it("merges speaking stats into the stored participants of a transition, and adds a group newcomer once", async () => {
      const store = current();
      const s = { ...session(["a", "b"].map((n) => `${n}-${randomUUID()}`)), sessionType: "group" as const, type: "public" as const, minParticipants: 2, maxParticipants: 3 };
      await store.sessions.create(s);
      const [a, b] = s.participants.map((p) => p.userId) as [string, string];
      const newcomer = participant(`c-${randomUUID()}`);
      const outcomes = await store.writeBatch([
        { kind: "session.transition", id: s.id, expected: ["waiting"], patch: { status: "active", startedAt: new Date(T0) }, participantStats: { [a]: { spokenSeconds: 12.5, turnCount: 3 } } },
        { kind: "session.addParticipant", id: s.id, participant: newcomer },
        { kind: "session.addParticipant", id: s.id, participant: newcomer },
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ["applied", "applied", "applied"]);
      const stored = await store.sessions.get(s.id);
      assert.equal(stored?.status, "active");
      assert.deepEqual(stored?.participants.map((p) => [p.userId, p.displayName, p.spokenSeconds, p.turnCount]), [
        [a, `name of ${a}`, 12.5, 3],
        [b, `name of ${b}`, 0, 0],
        [newcomer.userId, newcomer.displayName, 0, 0],
      ]);
      const full = await store.writeBatch([{ kind: "session.addParticipant", id: s.id, participant: participant(`e-${randomUUID()}`) }]);
      assert.equal(full[0]?.status === "refused" && full[0].error?.code, "SESSION_FULL", "never beyond maxParticipants");
      const left = await store.writeBatch([{ kind: "session.participantLeft", id: s.id, userId: newcomer.userId, at: new Date(T0 + 1000) }]);
      assert.equal(left[0]?.status, "applied");
      assert.deepEqual((await store.sessions.get(s.id))?.participants.find((p) => p.userId === newcomer.userId)?.leftAt, new Date(T0 + 1000), "the seat is free again");
      await store.sessions.transition(s.id, ["active"], { status: "completed" });
      const late = await store.writeBatch([{ kind: "session.addParticipant", id: s.id, participant: participant(`d-${randomUUID()}`) }]);
      assert.equal(late[0]?.status, "refused", "no newcomer in an ended session");
    });

    it("stores the new tickets of one batch each on its own, and puts their events in the outbox in batch order", async () => {
      const store = current();
      const held = ticket();
      await store.matchRequests.create(held);
      const fresh = Array.from({ length: 5 }, () => ticket());
      const batch = [...fresh.slice(0, 2), ticket(held.userId), ...fresh.slice(2)];
      const requested = batch.map((t) => events.matchRequested(t, T0));
      const outcomes = await store.writeBatch(batch.map((t, i) => ({ kind: "matchRequest.create" as const, record: t, events: [requested[i] as (typeof requested)[number]] })));
      assert.deepEqual(outcomes.map((o) => o.status), ["applied", "applied", "refused", "applied", "applied", "applied"]);
      assert.equal(outcomes[2]?.status === "refused" && outcomes[2].error?.code, "ALREADY_MATCHED");
      for (const t of fresh) assert.equal((await store.matchRequests.get(t.id))?.status, "pending");
      const order = (await current().outbox.pending(1_000_000)).map((r) => r.event.eventId);
      const expected = requested.filter((_, i) => i !== 2).map((e) => e.eventId);
      assert.deepEqual(order.filter((id) => expected.includes(id)), expected, "published in the order of the batch");
      assert.ok(!order.includes(requested[2]?.eventId ?? ""), "no event of the refused write");
    });

    it("answers an empty batch with no outcomes", async () => {
      assert.deepEqual(await current().writeBatch([]), []);
    });
  });
}

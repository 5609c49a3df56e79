import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ParleyError } from "../../src/errors/errorCodes.js";
import { createEvent, type EventEnvelope, type EventType } from "../../src/events/envelope.js";
import { ERASED_DISPLAY_NAME, type MatchRequestRecord, type ParticipantRecord, type RatingRecord, type ReportRecord, type SessionRecord } from "../../src/store/records.js";
import type { AuditRecord, Store } from "../../src/store/repositories.js";
import { SEED_TOPICS } from "../../src/topics/seed/index.js";
import type { Topic } from "../../src/topics/topic.js";
import { describeChatStoreContract } from "./chatStoreContract.js";
import { describeBatchWrites } from "./batchWriteContract.js";
import { describeFileUploads } from "./fileUploadsContract.js";

/**
 * The one contract of the store port (DESIGN §1 "one contract test suite that runs against
 * both implementations"; STYLE §3). Every test uses fresh ids, so several runs may share a
 * database; lists that span the whole store are checked through the rows a test wrote itself,
 * and counts through deltas.
 */

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

/** Everything pending in the outbox (the suites keep it far below this). */
const ALL = 1_000_000;

function newId(): string {
  return randomUUID();
}

function ticket(overrides: Partial<MatchRequestRecord> = {}): MatchRequestRecord {
  return {
    id: newId(),
    userId: `user-${newId()}`,
    queue: "practice:en",
    sessionType: "practice",
    targetLanguageCode: "en",
    nativeLanguageCode: "fr",
    currentLevel: "B1",
    preferredPartnerLevel: "same",
    preferredPartnerNativeLanguageCode: "en",
    topicCode: "travel.airport",
    preferredAccent: "en-GB",
    mode: "now",
    maxWaitTimeSeconds: 120,
    recordingConsent: true,
    status: "pending",
    createdAt: new Date(T0),
    // Far ahead, so that only the expiry test's tickets are ever expired.
    expiresAt: new Date(T0 + 365 * DAY),
    ...overrides,
  };
}

function participant(userId: string, overrides: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return {
    userId,
    displayName: `name of ${userId}`,
    nativeLanguageCode: "fr",
    targetLanguageCode: "en",
    level: "B1",
    role: "learner",
    tier: "free",
    recordingConsent: true,
    spokenSeconds: 0,
    turnCount: 0,
    ...overrides,
  };
}

function session(userIds: readonly string[], overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: newId(),
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "travel.airport",
    targetLevel: "B1",
    status: "waiting",
    participants: userIds.map((u, i) => participant(u, { role: i === 0 ? "learner" : "partner" })),
    prompts: [],
    matchRequestIds: [newId(), newId()],
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    durationSeconds: 0,
    ratings: [],
    ...overrides,
  };
}

function report(overrides: Partial<ReportRecord> = {}): ReportRecord {
  return {
    id: newId(),
    sessionId: newId(),
    reporterUserId: `user-${newId()}`,
    reportedUserId: `user-${newId()}`,
    reason: "rude",
    details: "kept interrupting",
    block: false,
    createdAt: new Date(T0),
    ...overrides,
  };
}

function event(eventType: EventType, key = `user-${newId()}`): EventEnvelope {
  return createEvent(eventType, key, { correlation: key, nested: { list: [1, "two"], empty: {} } }, newId(), T0);
}

async function pendingEventIds(store: Store): Promise<string[]> {
  return (await store.outbox.pending(ALL)).map((r) => r.event.eventId);
}

/** A valid topic with a fresh code (topic codes have no digits: the hex digits become letters). */
function topic(overrides: Partial<Topic> = {}): Topic {
  const base = SEED_TOPICS[0];
  if (!base) throw new Error("no seed topic");
  const code = `contract.t${newId().replace(/-/g, "").replace(/[0-9]/g, (d) => "ghijklmnop"[Number(d)] ?? "x")}`;
  return { ...structuredClone(base), code, ...overrides };
}

function byKey(a: Topic, b: Topic): number {
  return `${a.targetLanguageCode}:${a.code}`.localeCompare(`${b.targetLanguageCode}:${b.code}`);
}

function isCode(code: ParleyError["code"]) {
  return (err: unknown): boolean => err instanceof ParleyError && err.code === code;
}

function byUser(a: { userId: string }, b: { userId: string }): number {
  return a.userId.localeCompare(b.userId);
}

/**
 * Registers the store contract suite.
 * @param makeStore builds the store under test (once for the suite)
 * @param cleanup runs after the store is closed (e.g. drops the test database)
 */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`${name}: store contract`, () => {
    let store: Store;

    before(async () => {
      store = await makeStore();
    });

    after(async () => {
      await store?.close();
      await cleanup?.();
    });

    it("answers ping", async () => {
      await store.ping();
    });

    describeBatchWrites(() => store);
    describeFileUploads(() => store);

    describe("match requests", () => {
      it("returns a created ticket as written, times as Dates", async () => {
        const t = ticket({ scheduledFor: new Date(T0 + 5 * MIN) });
        await store.matchRequests.create(t);
        const got = await store.matchRequests.get(t.id);
        assert.deepEqual(got, t);
        assert.ok(got?.createdAt instanceof Date && got.expiresAt instanceof Date && got.scheduledFor instanceof Date);
        assert.equal(await store.matchRequests.get(newId()), undefined);
      });

      it("keeps the explanation of a match on the matched ticket (DESIGN §10)", async () => {
        const t = ticket();
        await store.matchRequests.create(t);
        const matchExplanation = { compatibilityScore: 110, stage: "level_1" as const, levelDifference: -1, scoreBreakdown: { level: 30, tandem: 0, accent: 0, nativeLanguage: 0, notRecent: 30, premium: 50 } };
        assert.equal(await store.matchRequests.transition(t.id, "pending", { status: "matched", matchedSessionId: newId(), matchedAt: new Date(T0 + MIN), matchExplanation }), true);
        assert.deepEqual((await store.matchRequests.get(t.id))?.matchExplanation, matchExplanation);
      });

      it("refuses a second pending ticket of one user with ALREADY_MATCHED and writes none of its events", async () => {
        const first = ticket();
        await store.matchRequests.create(first);
        const refusedEvent = event("match.requested", first.userId);
        await assert.rejects(store.matchRequests.create(ticket({ userId: first.userId }), { events: [refusedEvent] }), isCode("ALREADY_MATCHED"));
        assert.ok(!(await pendingEventIds(store)).includes(refusedEvent.eventId));
        assert.equal((await store.matchRequests.pendingByUser(first.userId))?.id, first.id);
      });

      it("accepts a new ticket once the pending one is cancelled", async () => {
        const first = ticket();
        await store.matchRequests.create(first);
        assert.equal(await store.matchRequests.transition(first.id, "pending", { status: "cancelled" }), true);
        const second = ticket({ userId: first.userId, createdAt: new Date(T0 + MIN) });
        await store.matchRequests.create(second);
        assert.equal((await store.matchRequests.pendingByUser(first.userId))?.id, second.id);
        // and once it is matched or expired too
        assert.equal(await store.matchRequests.transition(second.id, "pending", { status: "matched", matchedSessionId: newId(), matchedAt: new Date(T0 + 2 * MIN) }), true);
        await store.matchRequests.create(ticket({ userId: first.userId, createdAt: new Date(T0 + 3 * MIN) }));
      });

      it("lets exactly one of two concurrent creates of one user succeed", async () => {
        const userId = `user-${newId()}`;
        const results = await Promise.allSettled([store.matchRequests.create(ticket({ userId })), store.matchRequests.create(ticket({ userId }))]);
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        const rejected = results.find((r) => r.status === "rejected");
        assert.ok(rejected && isCode("ALREADY_MATCHED")(rejected.reason));
      });

      it("finds the user's newest ticket of any status and their pending one", async () => {
        const userId = `user-${newId()}`;
        const old = ticket({ userId, createdAt: new Date(T0) });
        await store.matchRequests.create(old);
        await store.matchRequests.transition(old.id, "pending", { status: "expired" });
        assert.equal(await store.matchRequests.pendingByUser(userId), undefined);
        assert.equal((await store.matchRequests.latestByUser(userId))?.status, "expired");
        const current = ticket({ userId, createdAt: new Date(T0 + MIN) });
        await store.matchRequests.create(current);
        assert.equal((await store.matchRequests.latestByUser(userId))?.id, current.id);
        assert.equal((await store.matchRequests.pendingByUser(userId))?.id, current.id);
        assert.equal(await store.matchRequests.latestByUser(`user-${newId()}`), undefined);
      });

      it("applies a transition only from the expected status, with its events", async () => {
        const t = ticket();
        await store.matchRequests.create(t);
        const wrong = event("match.cancelled", t.userId);
        assert.equal(await store.matchRequests.transition(t.id, "matched", { status: "cancelled" }, { events: [wrong] }), false);
        assert.equal(await store.matchRequests.transition(newId(), "pending", { status: "cancelled" }, { events: [wrong] }), false);
        const sessionId = newId();
        const matched = event("conversation.matched", t.userId);
        assert.equal(await store.matchRequests.transition(t.id, "pending", { status: "matched", matchedSessionId: sessionId, matchedAt: new Date(T0 + MIN) }, { events: [matched] }), true);
        assert.deepEqual(await store.matchRequests.get(t.id), { ...t, status: "matched", matchedSessionId: sessionId, matchedAt: new Date(T0 + MIN) });
        const ids = await pendingEventIds(store);
        assert.ok(ids.includes(matched.eventId));
        assert.ok(!ids.includes(wrong.eventId));
      });

      it("lets exactly one of several concurrent transitions from pending win, and writes only the winner's events", async () => {
        const t = ticket();
        await store.matchRequests.create(t);
        const countBefore = await store.outbox.pendingCount();
        // Half of the racers carry events, half not (those reach the ticket soonest).
        const statuses = ["cancelled", "expired", "matched", "cancelled", "expired", "matched", "cancelled", "expired"] as const;
        const racers = statuses.map((status, i) => ({ status, events: i % 2 === 0 ? [event("match.cancelled", t.userId)] : [] }));
        const results = await Promise.all(racers.map((r) => store.matchRequests.transition(t.id, "pending", { status: r.status }, { events: r.events })));
        assert.equal(results.filter(Boolean).length, 1, "exactly one winner");
        const winner = racers[results.indexOf(true)];
        assert.ok(winner);
        assert.equal((await store.matchRequests.get(t.id))?.status, winner.status);
        const ids = await pendingEventIds(store);
        for (const r of racers) for (const e of r.events) assert.equal(ids.includes(e.eventId), r === winner, `event of the ${r === winner ? "winner" : "loser"}`);
        assert.equal(await store.outbox.pendingCount(), countBefore + winner.events.length);
      });

      it("lists pending tickets expired at a time, up to a limit", async () => {
        const now = new Date(Date.UTC(2001, 0, 1));
        const expiredA = ticket({ expiresAt: new Date(now.getTime() - 2000) });
        const expiredB = ticket({ expiresAt: new Date(now.getTime()) });
        const cancelled = ticket({ expiresAt: new Date(now.getTime() - 1000) });
        const later = ticket({ expiresAt: new Date(now.getTime() + 1000) });
        for (const t of [expiredA, expiredB, cancelled, later]) await store.matchRequests.create(t);
        await store.matchRequests.transition(cancelled.id, "pending", { status: "cancelled" });
        const listed = await store.matchRequests.listExpiredPending(now, ALL);
        const mine = new Set([expiredA.id, expiredB.id, cancelled.id, later.id]);
        assert.deepEqual(listed.filter((t) => mine.has(t.id)).map((t) => t.id).sort(), [expiredA.id, expiredB.id].sort());
        assert.ok(listed.every((t) => t.status === "pending" && t.expiresAt <= now));
        assert.equal((await store.matchRequests.listExpiredPending(now, 1)).length, 1);
      });

      it("lists a queue's pending scheduled tickets oldest first, with their holder", async () => {
        const queue = `q${newId().slice(0, 8)}`;
        const slot = new Date(Date.UTC(2030, 0, 1, 10, 30));
        const holder = { displayName: "Ana", avatarUrl: "https://example.invalid/a.png", tier: "premium" as const };
        const second = ticket({ queue, mode: "scheduled", scheduledFor: slot, expiresAt: slot, holder, createdAt: new Date(2000) });
        const first = ticket({ queue, mode: "scheduled", scheduledFor: slot, expiresAt: slot, holder: { displayName: "Bo", tier: "premium" }, createdAt: new Date(1000) });
        const now = ticket({ queue });
        const cancelled = ticket({ queue, mode: "scheduled", scheduledFor: slot, expiresAt: slot });
        const elsewhere = ticket({ queue: `${queue}x`, mode: "scheduled", scheduledFor: slot, expiresAt: slot });
        for (const t of [second, first, now, cancelled, elsewhere]) await store.matchRequests.create(t);
        await store.matchRequests.transition(cancelled.id, "pending", { status: "cancelled" });
        const listed = await store.matchRequests.listPendingScheduled(queue);
        assert.deepEqual(listed.map((t) => t.id), [first.id, second.id]);
        assert.deepEqual(listed[1], second, "as written, holder and times included");
        const everywhere = (await store.matchRequests.listPendingScheduled()).map((t) => t.id);
        assert.ok([first.id, second.id, elsewhere.id].every((id) => everywhere.includes(id)) && !everywhere.includes(now.id), "every queue when none is named");
      });
    });

    describe("sessions", () => {
      it("returns a created session as written, times as Dates, nested ones included", async () => {
        const [a, b] = [`user-${newId()}`, `user-${newId()}`];
        const s = session([a, b], {
          status: "completed",
          participants: [
            participant(a, { avatarUrl: "https://example.test/a.png", joinedAt: new Date(T0 + 1000), leftAt: new Date(T0 + 9 * MIN), spokenSeconds: 120.5, turnCount: 7, talkShare: 0.549, byLanguage: { en: { spokenSeconds: 100.5, turnCount: 5 }, fr: { spokenSeconds: 20, turnCount: 2 } } }),
            participant(b, { role: "partner", tier: "premium", joinedAt: new Date(T0 + 2000), spokenSeconds: 99, turnCount: 6 }),
          ],
          prompts: [
            { promptKey: "icebreaker.1", category: "icebreaker", displayedAt: new Date(T0 + 3000), languageCode: "en" },
            { promptKey: "main.1", category: "main_topic", displayedAt: new Date(T0 + 5 * MIN), languageCode: "fr" },
          ],
          compatibilityScore: 87.5,
          hostUserId: a,
          startedAt: new Date(T0 + 2000),
          endedAt: new Date(T0 + 10 * MIN),
          endReason: "completed",
          durationSeconds: 598,
          xpEligible: true,
          recordingUrl: "s3://bucket/key.webm",
          transcriptId: newId(),
          ratings: [{ userId: a, rating: 4, feedback: "nice", ratedAt: new Date(T0 + 11 * MIN) }],
        });
        await store.sessions.create(s);
        const got = await store.sessions.get(s.id);
        assert.deepEqual(got, s);
        assert.ok(got?.participants[0]?.joinedAt instanceof Date && got.prompts[0]?.displayedAt instanceof Date && got.ratings[0]?.ratedAt instanceof Date);
        assert.equal(await store.sessions.get(newId()), undefined);
      });

      it("refuses a second session with the same id", async () => {
        const s = session([`user-${newId()}`, `user-${newId()}`]);
        await store.sessions.create(s);
        await assert.rejects(store.sessions.create(s), isCode("INVALID_REQUEST"));
      });

      it("applies a transition only from an expected status, with its events, and touches updatedAt", async () => {
        const s = session([`user-${newId()}`, `user-${newId()}`]);
        const created = event("conversation.matched");
        await store.sessions.create(s, { events: [created] });
        const wrong = event("conversation.completed");
        assert.equal(await store.sessions.transition(s.id, ["active", "completed"], { status: "aborted" }, { events: [wrong] }), false);
        const started = event("conversation.started");
        const startedAt = new Date(T0 + MIN);
        assert.equal(await store.sessions.transition(s.id, ["waiting"], { status: "active", startedAt }, { events: [started] }), true);
        const got = await store.sessions.get(s.id);
        assert.equal(got?.status, "active");
        assert.deepEqual(got?.startedAt, startedAt);
        assert.ok(got && got.updatedAt.getTime() > s.updatedAt.getTime());
        const ids = await pendingEventIds(store);
        assert.ok(ids.includes(created.eventId) && ids.includes(started.eventId));
        assert.ok(!ids.includes(wrong.eventId));
      });

      it("lets exactly one of several concurrent transitions from waiting win, and writes only the winner's events", async () => {
        const s = session([`user-${newId()}`, `user-${newId()}`]);
        await store.sessions.create(s);
        const racers = Array.from({ length: 8 }, (_, i) => ({
          patch: i % 2 === 0 ? { status: "active" as const, startedAt: new Date(T0 + i * MIN) } : { status: "expired" as const, endedAt: new Date(T0 + i * MIN), endReason: "timeout" as const },
          // Some with two events, some with one, some with none (those reach the session soonest).
          events: Array.from({ length: i % 3 }, () => event(i % 2 === 0 ? "conversation.started" : "conversation.expired")),
        }));
        const results = await Promise.all(racers.map((r) => store.sessions.transition(s.id, ["waiting"], r.patch, { events: r.events })));
        assert.equal(results.filter(Boolean).length, 1, "exactly one winner");
        const winner = racers[results.indexOf(true)];
        assert.ok(winner);
        const stored = await store.sessions.get(s.id);
        assert.equal(stored?.status, winner.patch.status);
        assert.deepEqual(stored?.startedAt ?? stored?.endedAt, "startedAt" in winner.patch ? winner.patch.startedAt : winner.patch.endedAt);
        const ids = await pendingEventIds(store);
        for (const r of racers) for (const e of r.events) assert.equal(ids.includes(e.eventId), r === winner);
      });

      it("loses no change when several writers patch and transition one session at the same time", async () => {
        const s = session([`user-${newId()}`, `user-${newId()}`], { status: "active" });
        await store.sessions.create(s);
        const prompts = [{ promptKey: "main.1", category: "main_topic" as const, displayedAt: new Date(T0 + MIN) }];
        await Promise.all([
          store.sessions.patch(s.id, { prompts }),
          store.sessions.patch(s.id, { recordingUrl: "s3://bucket/rec.webm" }),
          store.sessions.patch(s.id, { transcriptId: "transcript-1" }),
          store.sessions.transition(s.id, ["active"], { status: "completed", endedAt: new Date(T0 + 9 * MIN), durationSeconds: 480 }),
        ]);
        const got = await store.sessions.get(s.id);
        assert.deepEqual(got?.prompts, prompts);
        assert.equal(got?.recordingUrl, "s3://bucket/rec.webm");
        assert.equal(got?.transcriptId, "transcript-1");
        assert.equal(got?.status, "completed");
        assert.equal(got?.durationSeconds, 480);
      });

      it("patches live fields without writing events", async () => {
        const s = session([`user-${newId()}`, `user-${newId()}`], { status: "active" });
        await store.sessions.create(s);
        const before = await store.outbox.pendingCount();
        const prompts = [{ promptKey: "main.2", category: "main_topic" as const, displayedAt: new Date(T0 + 4 * MIN) }];
        await store.sessions.patch(s.id, { prompts });
        const got = await store.sessions.get(s.id);
        assert.deepEqual(got?.prompts, prompts);
        assert.equal(got?.status, "active");
        assert.equal(await store.outbox.pendingCount(), before);
        await store.sessions.patch(newId(), { prompts }); // unknown id: nothing happens
      });

      it("lists a user's sessions newest first by end (else creation), with total, paging and filters", async () => {
        const u = `user-${newId()}`;
        const other = `user-${newId()}`;
        const endedLast = session([u, other], { status: "active", createdAt: new Date(T0) });
        const endedEarly = session([u, other], { status: "completed", createdAt: new Date(T0 + MIN), endedAt: new Date(T0 + 2 * MIN) });
        const waiting = session([u, other], { createdAt: new Date(T0 + 5 * MIN) });
        const spanish = session([u, other], { status: "aborted", targetLanguageCode: "es", createdAt: new Date(T0 + 3 * MIN), endedAt: new Date(T0 + 4 * MIN) });
        const notMine = session([other, `user-${newId()}`], { createdAt: new Date(T0 + 6 * MIN) });
        for (const s of [endedLast, endedEarly, waiting, spanish, notMine]) await store.sessions.create(s);
        // Ends last: its end time, set by a transition, orders it first.
        await store.sessions.transition(endedLast.id, ["active"], { status: "completed", endedAt: new Date(T0 + 10 * MIN) });

        const all = await store.sessions.listByUser({ userId: u, limit: 10, offset: 0 });
        assert.deepEqual(all.items.map((s) => s.id), [endedLast.id, waiting.id, spanish.id, endedEarly.id]);
        assert.equal(all.total, 4);
        const page = await store.sessions.listByUser({ userId: u, limit: 2, offset: 1 });
        assert.deepEqual(page.items.map((s) => s.id), [waiting.id, spanish.id]);
        assert.equal(page.total, 4);
        const completed = await store.sessions.listByUser({ userId: u, statuses: ["completed"], limit: 10, offset: 0 });
        assert.deepEqual(completed.items.map((s) => s.id), [endedLast.id, endedEarly.id]);
        assert.equal(completed.total, 2);
        const es = await store.sessions.listByUser({ userId: u, targetLanguageCode: "es", limit: 10, offset: 0 });
        assert.deepEqual(es.items.map((s) => s.id), [spanish.id]);
        assert.equal(es.total, 1);
        const beyond = await store.sessions.listByUser({ userId: u, limit: 10, offset: 10 });
        assert.deepEqual(beyond, { items: [], total: 4 });
      });

      it("finds the user's live session, not one they left or that ended", async () => {
        const u = `user-${newId()}`;
        await store.sessions.create(session([u, `user-${newId()}`], { status: "completed" }));
        const left = session([u, `user-${newId()}`], { status: "active" });
        left.participants[0] = participant(u, { leftAt: new Date(T0 + MIN) });
        await store.sessions.create(left);
        assert.equal(await store.sessions.liveByUser(u), undefined);
        const live = session([`user-${newId()}`, u], { status: "active" });
        await store.sessions.create(live);
        assert.equal((await store.sessions.liveByUser(u))?.id, live.id);
        const waiting = session([`user-${newId()}`, `user-${newId()}`]);
        await store.sessions.create(waiting);
        assert.equal((await store.sessions.liveByUser(waiting.participants[1]?.userId ?? ""))?.id, waiting.id);
      });

      it("counts the user's sessions created since a time, expired ones excluded", async () => {
        const u = `user-${newId()}`;
        const since = new Date(T0 - 7 * DAY);
        const sessions = [
          session([u, `user-${newId()}`], { status: "completed", createdAt: new Date(T0 - 8 * DAY) }), // too old
          session([u, `user-${newId()}`], { status: "completed", createdAt: new Date(T0 - DAY) }),
          session([u, `user-${newId()}`], { status: "expired", createdAt: new Date(T0 - DAY) }),
          session([`user-${newId()}`, u], { status: "aborted", createdAt: new Date(since.getTime()) }),
          session([u, `user-${newId()}`], { createdAt: new Date(T0) }),
          session([`user-${newId()}`, `user-${newId()}`], { createdAt: new Date(T0) }), // not theirs
        ];
        for (const s of sessions) await store.sessions.create(s);
        assert.equal(await store.sessions.countCountedSince(u, since), 3);
        // A session expiring later stops counting.
        await store.sessions.transition(sessions[4]?.id ?? "", ["waiting"], { status: "expired" });
        assert.equal(await store.sessions.countCountedSince(u, since), 2);
      });

      it("lists the partners of sessions started since a time, once each", async () => {
        const [u, a, b, c, d] = Array.from({ length: 5 }, () => `user-${newId()}`) as [string, string, string, string, string];
        const since = new Date(T0 - DAY);
        await store.sessions.create(session([u, a], { status: "completed", startedAt: new Date(T0 - 60 * MIN) }));
        await store.sessions.create(session([b, u], { status: "completed", startedAt: new Date(T0 - 30 * DAY) }));
        await store.sessions.create(session([u, c])); // never started
        await store.sessions.create(session([a, u, d], { sessionType: "group", status: "active", startedAt: new Date(since.getTime()) }));
        await store.sessions.create(session([b, c], { status: "active", startedAt: new Date(T0) })); // not theirs
        assert.deepEqual((await store.sessions.partnersSince(u, since)).sort(), [a, d].sort());
        assert.deepEqual(await store.sessions.partnersSince(`user-${newId()}`, since), []);
      });

      it("answers what admission needs of a user's sessions in one read, as liveByUser, countCountedSince and partnersSince do", async () => {
        const [u, a, b, c, d, e] = Array.from({ length: 6 }, () => `user-${newId()}`) as [string, string, string, string, string, string];
        const since = new Date(T0 - 7 * DAY);
        const sessions = [
          session([u, a], { status: "completed", createdAt: new Date(T0 - DAY), startedAt: new Date(T0 - DAY), endedAt: new Date(T0 - DAY + MIN) }),
          session([u, b], { status: "completed", createdAt: new Date(T0 - 30 * DAY), startedAt: new Date(T0 - 30 * DAY), endedAt: new Date(T0 - 30 * DAY + MIN) }), // too old
          session([c, u], { status: "expired", createdAt: new Date(T0 - DAY) }),
          // created before the window, started in it, still live (a scheduled group)
          session([u, d, e], { sessionType: "group", status: "active", createdAt: new Date(T0 - 9 * DAY), startedAt: new Date(T0 - DAY) }),
          session([b, c], { status: "active", createdAt: new Date(T0), startedAt: new Date(T0) }), // not theirs
        ];
        for (const s of sessions) await store.sessions.create(s);
        const activity = await store.sessions.activitySince(u, since);
        assert.equal(activity.inLiveSession, true);
        assert.equal(activity.countedSince, await store.sessions.countCountedSince(u, since));
        assert.equal(activity.countedSince, 1);
        assert.deepEqual([...activity.partnersSince].sort(), [a, d, e].sort());
        assert.deepEqual([...activity.partnersSince].sort(), (await store.sessions.partnersSince(u, since)).sort());
        await store.sessions.transition(sessions[3]?.id ?? "", ["active"], { status: "completed", endedAt: new Date(T0) });
        assert.equal((await store.sessions.activitySince(u, since)).inLiveSession, false, "the live session ended");
        assert.deepEqual(await store.sessions.activitySince(`user-${newId()}`, since), { inLiveSession: false, countedSince: 0, partnersSince: [] });
      });

      it("lists live sessions oldest first, up to a limit", async () => {
        const base = Date.UTC(1990, 0, 1);
        const done = session([`user-${newId()}`, `user-${newId()}`], { status: "completed", createdAt: new Date(base) });
        const active = session([`user-${newId()}`, `user-${newId()}`], { status: "active", createdAt: new Date(base + 1) });
        const waiting = session([`user-${newId()}`, `user-${newId()}`], { createdAt: new Date(base + 2) });
        for (const s of [waiting, done, active]) await store.sessions.create(s);
        const live = await store.sessions.listLive(ALL);
        const mine = new Set([done.id, active.id, waiting.id]);
        assert.deepEqual(live.filter((s) => mine.has(s.id)).map((s) => s.id), [active.id, waiting.id]);
        assert.ok(live.every((s) => s.status === "waiting" || s.status === "active"));
        for (let i = 1; i < live.length; i++) assert.ok((live[i - 1]?.createdAt.getTime() ?? 0) <= (live[i]?.createdAt.getTime() ?? 0));
        assert.equal((await store.sessions.listLive(1)).length, 1);
      });
    });

    describe("groups", () => {
      /** A language code of this test only, so lists over the whole store see only its rows. */
      const soloLanguage = () => `g${newId().slice(0, 8)}`;

      function group(host: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
        return session([host], {
          sessionType: "group",
          participants: [participant(host, { role: "host" })],
          matchRequestIds: [],
          hostUserId: host,
          type: "public",
          minParticipants: 2,
          maxParticipants: 6,
          ...overrides,
        });
      }

      it("returns a created group as written and finds a private one by its invite code", async () => {
        const code = `C${newId().slice(0, 7).toUpperCase()}`;
        const g = group(`user-${newId()}`, { type: "private", inviteCode: code, minParticipants: 3, maxParticipants: 4, scheduledStartAt: new Date(T0 + DAY) });
        await store.sessions.create(g);
        assert.deepEqual(await store.sessions.get(g.id), g);
        assert.deepEqual(await store.sessions.findByInviteCode(code), g);
        assert.equal(await store.sessions.findByInviteCode(`Z${newId().slice(0, 7)}`), undefined);
      });

      it("refuses a second session with a taken invite code with INVITE_CODE_TAKEN, and writes none of its events; sessions without a code coexist", async () => {
        const code = `D${newId().slice(0, 7).toUpperCase()}`;
        await store.sessions.create(group(`user-${newId()}`, { type: "private", inviteCode: code }));
        const clash = event("conversation.matched");
        await assert.rejects(store.sessions.create(group(`user-${newId()}`, { type: "private", inviteCode: code }), { events: [clash] }), isCode("INVITE_CODE_TAKEN"));
        assert.ok(!(await pendingEventIds(store)).includes(clash.eventId));
        await store.sessions.create(group(`user-${newId()}`));
        await store.sessions.create(group(`user-${newId()}`));
        await store.sessions.create(session([`user-${newId()}`, `user-${newId()}`]));
      });

      it("lists public groups of a status and language oldest first (then by id), one page after another", async () => {
        const lang = soloLanguage();
        const other = soloLanguage();
        const at = (ms: number) => new Date(T0 + ms);
        const listed = [
          group(`user-${newId()}`, { targetLanguageCode: lang, createdAt: at(3000) }),
          group(`user-${newId()}`, { targetLanguageCode: lang, createdAt: at(1000) }),
          group(`user-${newId()}`, { targetLanguageCode: lang, createdAt: at(2000) }),
          group(`user-${newId()}`, { targetLanguageCode: lang, createdAt: at(2000) }),
        ];
        const hidden = [
          group(`user-${newId()}`, { targetLanguageCode: lang, type: "private", inviteCode: `E${newId().slice(0, 7).toUpperCase()}` }),
          group(`user-${newId()}`, { targetLanguageCode: lang, status: "completed" }),
          group(`user-${newId()}`, { targetLanguageCode: other }),
          session([`user-${newId()}`, `user-${newId()}`], { targetLanguageCode: lang }),
        ];
        for (const s of [...hidden, ...listed]) await store.sessions.create(s);
        const expected = [...listed].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map((s) => s.id);
        const all = await store.sessions.listPublicGroups({ status: "waiting", targetLanguageCode: lang, limit: 10 });
        assert.deepEqual(all.map((s) => s.id), expected);
        assert.deepEqual(all[0], listed[1]);

        const pages: string[][] = [];
        let after: { createdAt: Date; id: string } | undefined;
        for (;;) {
          const items = await store.sessions.listPublicGroups({ status: "waiting", targetLanguageCode: lang, limit: 2, after });
          if (items.length === 0) break;
          pages.push(items.map((s) => s.id));
          const last = items[items.length - 1];
          after = last && { createdAt: last.createdAt, id: last.id };
        }
        assert.deepEqual(pages, [expected.slice(0, 2), expected.slice(2, 4)]);
        const completed = await store.sessions.listPublicGroups({ status: "active", targetLanguageCode: lang, limit: 10 });
        assert.deepEqual(completed, []);
      });

      it("seats participants up to maxParticipants, idempotently per user, then refuses with SESSION_FULL", async () => {
        const host = `user-${newId()}`;
        const g = group(host, { maxParticipants: 3 });
        await store.sessions.create(g);
        const [b, c, d] = [`user-${newId()}`, `user-${newId()}`, `user-${newId()}`];
        const afterB = await store.sessions.addGroupParticipant(g.id, participant(b, { role: "participant", joinedAt: new Date(T0 + 1000) }));
        assert.deepEqual(afterB.participants.map((p) => p.userId), [host, b]);
        assert.deepEqual(afterB.participants[1]?.joinedAt, new Date(T0 + 1000));
        const again = await store.sessions.addGroupParticipant(g.id, participant(b, { role: "participant" }));
        assert.deepEqual(again.participants.map((p) => p.userId), [host, b]);
        await store.sessions.addGroupParticipant(g.id, participant(c, { role: "participant" }));
        await assert.rejects(store.sessions.addGroupParticipant(g.id, participant(d, { role: "participant" })), isCode("SESSION_FULL"));
        // Someone already seated still gets the session back when it is full.
        assert.equal((await store.sessions.addGroupParticipant(g.id, participant(c, { role: "participant" }))).participants.length, 3);
        const stored = await store.sessions.get(g.id);
        assert.deepEqual(stored?.participants.map((p) => p.userId), [host, b, c]);
      });

      it("gives a seat freed by a participant who left to a newcomer, and seats a leaver again while one remains", async () => {
        const host = `user-${newId()}`;
        const left = `user-${newId()}`;
        const g = group(host, { maxParticipants: 2, status: "active", participants: [participant(host, { role: "host" }), participant(left, { role: "participant", leftAt: new Date(T0 + MIN) })] });
        await store.sessions.create(g);
        const newcomer = `user-${newId()}`;
        const seated = await store.sessions.addGroupParticipant(g.id, participant(newcomer, { role: "participant" }));
        assert.deepEqual(seated.participants.map((p) => [p.userId, p.leftAt !== undefined]), [[host, false], [left, true], [newcomer, false]]);
        await assert.rejects(store.sessions.addGroupParticipant(g.id, participant(left, { role: "participant" })), isCode("SESSION_FULL"));

        const h2 = `user-${newId()}`;
        const l2 = `user-${newId()}`;
        const g2 = group(h2, { maxParticipants: 2, participants: [participant(h2, { role: "host" }), participant(l2, { role: "participant", leftAt: new Date(T0 + MIN) })] });
        await store.sessions.create(g2);
        const back = await store.sessions.addGroupParticipant(g2.id, participant(l2, { role: "participant" }));
        assert.deepEqual(back.participants.map((p) => [p.userId, p.leftAt]), [[h2, undefined], [l2, undefined]]);
      });

      it("refuses a seat in an unknown session, a pair or an ended group", async () => {
        const p = participant(`user-${newId()}`, { role: "participant" });
        await assert.rejects(store.sessions.addGroupParticipant(newId(), p), isCode("SESSION_NOT_FOUND"));
        const pair = session([`user-${newId()}`, `user-${newId()}`]);
        await store.sessions.create(pair);
        await assert.rejects(store.sessions.addGroupParticipant(pair.id, p), isCode("SESSION_NOT_ACTIVE"));
        const ended = group(`user-${newId()}`, { status: "completed" });
        await store.sessions.create(ended);
        await assert.rejects(store.sessions.addGroupParticipant(ended.id, p), isCode("SESSION_NOT_ACTIVE"));
        assert.equal((await store.sessions.get(pair.id))?.participants.length, 2);
      });

      it("gives the last seats to exactly as many of several concurrent joiners, and loses none of them", async () => {
        const host = `user-${newId()}`;
        const g = group(host, { maxParticipants: 4 });
        await store.sessions.create(g);
        const joiners = Array.from({ length: 6 }, () => `user-${newId()}`);
        const results = await Promise.allSettled(joiners.map((u) => store.sessions.addGroupParticipant(g.id, participant(u, { role: "participant" }))));
        const seated = joiners.filter((_, i) => results[i]?.status === "fulfilled");
        assert.equal(seated.length, 3);
        for (const r of results) if (r.status === "rejected") assert.ok(isCode("SESSION_FULL")(r.reason), String(r.reason));
        const stored = await store.sessions.get(g.id);
        assert.deepEqual(stored?.participants.map((p) => p.userId).sort(), [host, ...seated].sort());
      });
    });

    describe("ratings", () => {
      async function endedSession(): Promise<{ id: string; a: string; b: string }> {
        const [a, b] = [`user-${newId()}`, `user-${newId()}`];
        const s = session([a, b], { status: "completed", startedAt: new Date(T0), endedAt: new Date(T0 + 10 * MIN) });
        await store.sessions.create(s);
        return { id: s.id, a, b };
      }

      function rating(userId: string, value: number, at = T0 + 11 * MIN): RatingRecord {
        return { userId, rating: value, feedback: `gave ${value}`, ratedAt: new Date(at) };
      }

      it("adds a rating per user and replaces the user's own, with its events", async () => {
        const { id, a, b } = await endedSession();
        const e1 = event("conversation.rated", a);
        assert.deepEqual(await store.sessions.upsertRating(id, rating(a, 4), { events: [e1] }), [rating(a, 4)]);
        const e2 = event("conversation.rated", a);
        assert.deepEqual(await store.sessions.upsertRating(id, rating(a, 2), { events: [e2] }), [rating(a, 2)]);
        const e3 = event("conversation.rated", b);
        // With the level feedback of DESIGN §10, kept per rating.
        const byB: RatingRecord = { ...rating(b, 5, T0 + 12 * MIN), partnerLevelFeedback: "higher" };
        const after = await store.sessions.upsertRating(id, byB, { events: [e3] });
        assert.deepEqual([...after].sort(byUser), [rating(a, 2), byB].sort(byUser));
        const stored = await store.sessions.get(id);
        assert.deepEqual([...(stored?.ratings ?? [])].sort(byUser), [rating(a, 2), byB].sort(byUser));
        assert.ok(stored?.ratings.every((r) => r.ratedAt instanceof Date));
        const ids = await pendingEventIds(store);
        for (const e of [e1, e2, e3]) assert.ok(ids.includes(e.eventId));
      });

      it("refuses to rate an unknown session with SESSION_NOT_FOUND and writes none of its events", async () => {
        const e = event("conversation.rated");
        await assert.rejects(store.sessions.upsertRating(newId(), rating(`user-${newId()}`, 3), { events: [e] }), isCode("SESSION_NOT_FOUND"));
        assert.ok(!(await pendingEventIds(store)).includes(e.eventId));
      });

      it("keeps every rating when several users rate at the same time", async () => {
        const users = Array.from({ length: 6 }, () => `user-${newId()}`);
        const s = session(users, { sessionType: "group", status: "completed", startedAt: new Date(T0), endedAt: new Date(T0 + 10 * MIN) });
        await store.sessions.create(s);
        await Promise.all(users.map((u, i) => store.sessions.upsertRating(s.id, rating(u, 1 + (i % 5)))));
        const stored = await store.sessions.get(s.id);
        assert.deepEqual([...(stored?.ratings ?? [])].sort(byUser), users.map((u, i) => rating(u, 1 + (i % 5))).sort(byUser));
      });

      it("keeps exactly one rating when one user rates several times at the same time", async () => {
        const { id, a } = await endedSession();
        await Promise.all([1, 2, 3, 4, 5].map((value) => store.sessions.upsertRating(id, rating(a, value))));
        const stored = await store.sessions.get(id);
        assert.equal(stored?.ratings.length, 1);
        assert.ok([1, 2, 3, 4, 5].includes(stored?.ratings[0]?.rating ?? 0));
      });
    });

    describe("moderation", () => {
      it("stores reports with their events, counts them per reported user and lists them newest first", async () => {
        const reported = `user-${newId()}`;
        const before = await store.moderation.listReports(ALL, 0);
        const older = report({ reportedUserId: reported, createdAt: new Date(T0 + 1000) });
        const newer = report({ reportedUserId: reported, createdAt: new Date(T0 + 2000), block: true });
        const elsewhere = report({ createdAt: new Date(T0 + 1500) });
        delete elsewhere.details;
        const events = [event("participant.reported"), event("participant.reported"), event("participant.reported")];
        await store.moderation.createReport(older, { events: [events[0] as EventEnvelope] });
        await store.moderation.createReport(newer, { events: [events[1] as EventEnvelope] });
        await store.moderation.createReport(elsewhere, { events: [events[2] as EventEnvelope] });
        assert.equal(await store.moderation.countReportsAgainst(reported), 2);
        assert.equal(await store.moderation.countReportsAgainst(`user-${newId()}`), 0);
        const all = await store.moderation.listReports(ALL, 0);
        assert.equal(all.total, before.total + 3);
        const mine = new Set([older.id, newer.id, elsewhere.id]);
        assert.deepEqual(all.items.filter((r) => mine.has(r.id)), [newer, elsewhere, older]);
        for (let i = 1; i < all.items.length; i++) assert.ok((all.items[i - 1]?.createdAt.getTime() ?? 0) >= (all.items[i]?.createdAt.getTime() ?? 0));
        const second = await store.moderation.listReports(1, 1);
        assert.deepEqual(second.items, all.items.slice(1, 2));
        const ids = await pendingEventIds(store);
        for (const e of events) assert.ok(ids.includes(e.eventId));
      });

      it("refuses a second report of one user by one reporter in one session with ALREADY_REPORTED, writing none of its events", async () => {
        const first = report();
        await store.moderation.createReport(first);
        const again = event("participant.reported");
        await assert.rejects(store.moderation.createReport(report({ sessionId: first.sessionId, reporterUserId: first.reporterUserId, reportedUserId: first.reportedUserId }), { events: [again] }), isCode("ALREADY_REPORTED"));
        assert.ok(!(await pendingEventIds(store)).includes(again.eventId));
        await assert.rejects(store.moderation.createReport(first), isCode("INVALID_REQUEST"), "the same report id twice");
        // Another session, or another reported user, is a new report.
        await store.moderation.createReport(report({ reporterUserId: first.reporterUserId, reportedUserId: first.reportedUserId }));
        await store.moderation.createReport(report({ sessionId: first.sessionId, reporterUserId: first.reporterUserId }));
        assert.equal(await store.moderation.countReportsAgainst(first.reportedUserId), 2);
      });

      it("keeps exactly one of several concurrent identical reports", async () => {
        const template = report();
        const results = await Promise.allSettled(Array.from({ length: 5 }, () => store.moderation.createReport({ ...template, id: newId() })));
        assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
        for (const r of results) if (r.status === "rejected") assert.ok(isCode("ALREADY_REPORTED")(r.reason));
        assert.equal(await store.moderation.countReportsAgainst(template.reportedUserId), 1);
      });

      it("counts distinct reporters of a user, since a time and but for one reporter", async () => {
        const reported = `user-${newId()}`;
        const [r1, r2, r3] = [`user-${newId()}`, `user-${newId()}`, `user-${newId()}`];
        await store.moderation.createReport(report({ reportedUserId: reported, reporterUserId: r1, createdAt: new Date(T0) }));
        await store.moderation.createReport(report({ reportedUserId: reported, reporterUserId: r1, createdAt: new Date(T0 + DAY) }));
        await store.moderation.createReport(report({ reportedUserId: reported, reporterUserId: r2, createdAt: new Date(T0 + DAY) }));
        await store.moderation.createReport(report({ reportedUserId: reported, reporterUserId: r3, createdAt: new Date(T0 + 2 * DAY) }));
        await store.moderation.createReport(report({ reporterUserId: r1 }));
        assert.equal(await store.moderation.countDistinctReporters(reported), 3);
        assert.equal(await store.moderation.countDistinctReporters(reported, new Date(T0 + DAY)), 3);
        assert.equal(await store.moderation.countDistinctReporters(reported, new Date(T0 + DAY + 1)), 1);
        assert.equal(await store.moderation.countDistinctReporters(reported, undefined, r1), 2);
        assert.equal(await store.moderation.countDistinctReporters(`user-${newId()}`), 0);
      });

      it("flags a user once, with its events, under concurrent flags", async () => {
        const u = `user-${newId()}`;
        assert.equal(await store.moderation.userState(u), undefined);
        const events = Array.from({ length: 6 }, () => event("participant.flagged", u));
        const results = await Promise.all(events.map((e) => store.moderation.flagForReview(u, new Date(T0), { events: [e] })));
        assert.equal(results.filter(Boolean).length, 1, "exactly one flag");
        const winner = events[results.indexOf(true)];
        const ids = await pendingEventIds(store);
        for (const e of events) assert.equal(ids.includes(e.eventId), e === winner);
        assert.deepEqual(await store.moderation.userState(u), { userId: u, flaggedForReview: true, flaggedAt: new Date(T0), warnings: 0 });
        assert.equal(await store.moderation.flagForReview(u, new Date(T0 + MIN)), false);
      });

      it("resolves: clears the flag, counts warnings, sets and replaces bans, keeps the last resolution", async () => {
        const u = `user-${newId()}`;
        await store.moderation.flagForReview(u, new Date(T0));
        const warn = { action: "warn" as const, moderatorUserId: "mod-1", at: new Date(T0 + MIN), note: "be kind" };
        assert.deepEqual(await store.moderation.resolve(u, warn), { userId: u, flaggedForReview: false, warnings: 1, lastResolution: warn });
        assert.deepEqual(await store.moderation.userState(u), { userId: u, flaggedForReview: false, warnings: 1, lastResolution: warn });
        const ban = { action: "ban" as const, moderatorUserId: "mod-2", at: new Date(T0 + 2 * MIN), bannedUntil: new Date(T0 + 7 * DAY) };
        await store.moderation.resolve(u, ban);
        const dismiss = { action: "dismiss" as const, moderatorUserId: "mod-1", at: new Date(T0 + 3 * MIN) };
        await store.moderation.flagForReview(u, new Date(T0 + 2 * MIN + 1));
        assert.deepEqual(await store.moderation.resolve(u, dismiss), { userId: u, flaggedForReview: false, warnings: 1, bannedUntil: new Date(T0 + 7 * DAY), lastResolution: dismiss });
        // A user never flagged can be resolved too (a first state is created).
        const fresh = `user-${newId()}`;
        assert.equal((await store.moderation.resolve(fresh, ban)).bannedUntil?.getTime(), T0 + 7 * DAY);
      });

      it("applies every one of several concurrent warnings", async () => {
        const u = `user-${newId()}`;
        await Promise.all(Array.from({ length: 5 }, (_, i) => store.moderation.resolve(u, { action: "warn", moderatorUserId: `mod-${i}`, at: new Date(T0 + i) })));
        assert.equal((await store.moderation.userState(u))?.warnings, 5);
      });

      it("reads several users' states and lists only the reports against flagged users on request", async () => {
        const [flagged, cleared, plain] = [`user-${newId()}`, `user-${newId()}`, `user-${newId()}`];
        const reports = [report({ reportedUserId: flagged }), report({ reportedUserId: cleared }), report({ reportedUserId: plain })];
        for (const r of reports) await store.moderation.createReport(r);
        await store.moderation.flagForReview(flagged, new Date(T0));
        await store.moderation.flagForReview(cleared, new Date(T0));
        await store.moderation.resolve(cleared, { action: "dismiss", moderatorUserId: "mod", at: new Date(T0 + MIN) });
        const states = await store.moderation.userStates([flagged, cleared, plain, flagged]);
        assert.deepEqual(states.map((st) => [st.userId, st.flaggedForReview]).sort(), [[cleared, false], [flagged, true]].sort());
        assert.deepEqual(await store.moderation.userStates([]), []);
        const listed = await store.moderation.listReports(ALL, 0, { flaggedOnly: true });
        const mine = new Set(reports.map((r) => r.id));
        assert.deepEqual(listed.items.filter((r) => mine.has(r.id)).map((r) => r.id), [reports[0]?.id]);
        assert.equal(listed.total, listed.items.length);
        const flaggedStates = await store.moderation.userStates(listed.items.map((r) => r.reportedUserId));
        assert.ok(flaggedStates.every((st) => st.flaggedForReview), "every listed report is against a flagged user");
      });

      it("reports blocks in both directions, once per pair", async () => {
        const [a, b, c] = [`user-${newId()}`, `user-${newId()}`, `user-${newId()}`];
        await store.moderation.block(a, b);
        await store.moderation.block(a, b);
        assert.deepEqual(await store.moderation.blockedPeers(a), [b]);
        assert.deepEqual(await store.moderation.blockedPeers(b), [a]);
        await store.moderation.block(c, a);
        assert.deepEqual((await store.moderation.blockedPeers(a)).sort(), [b, c].sort());
        assert.deepEqual(await store.moderation.blockedPeers(c), [a]);
        assert.deepEqual(await store.moderation.blockedPeers(`user-${newId()}`), []);
      });
    });

    describe("outbox", () => {
      it("hands out the events of every repository in write order, by increasing seq, as written", async () => {
        const t = ticket();
        const s = session([t.userId, `user-${newId()}`]);
        const written = [event("match.requested"), event("conversation.matched"), event("conversation.matched"), event("participant.reported"), event("conversation.started"), event("conversation.rated")];
        const [requested, matchedA, matchedB, reported, started, rated] = written as [EventEnvelope, EventEnvelope, EventEnvelope, EventEnvelope, EventEnvelope, EventEnvelope];
        await store.matchRequests.create(t, { events: [requested] });
        await store.sessions.create(s, { events: [matchedA, matchedB] });
        await store.moderation.createReport(report({ sessionId: s.id }), { events: [reported] });
        await store.sessions.transition(s.id, ["waiting"], { status: "active", startedAt: new Date(T0) }, { events: [started] });
        await store.sessions.upsertRating(s.id, { userId: t.userId, rating: 5, ratedAt: new Date(T0) }, { events: [rated] });

        const rows = await store.outbox.pending(ALL);
        const wanted = new Set(written.map((e) => e.eventId));
        const mine = rows.filter((r) => wanted.has(r.event.eventId));
        assert.deepEqual(mine.map((r) => r.event), written);
        for (let i = 1; i < rows.length; i++) assert.ok((rows[i - 1]?.seq ?? 0) < (rows[i]?.seq ?? 0), "seqs increase");
        for (const r of mine) {
          assert.equal(r.attempts, 0);
          assert.equal(r.publishedAt, undefined);
          assert.ok(r.createdAt instanceof Date);
        }
      });

      it("hands out the oldest pending rows first, up to a limit", async () => {
        await store.matchRequests.create(ticket(), { events: [event("match.requested"), event("match.requested")] });
        const all = await store.outbox.pending(ALL);
        const first = await store.outbox.pending(2);
        assert.deepEqual(first.map((r) => r.seq), all.slice(0, 2).map((r) => r.seq));
        assert.equal(await store.outbox.pendingCount(), all.length);
      });

      it("keeps failed rows pending with one more attempt, and drops published rows from pending", async () => {
        const events = [event("match.requested"), event("match.requested"), event("match.requested")];
        await store.matchRequests.create(ticket(), { events });
        const wanted = new Set(events.map((e) => e.eventId));
        const mine = (await store.outbox.pending(ALL)).filter((r) => wanted.has(r.event.eventId));
        const seqs = mine.map((r) => r.seq);
        assert.equal(seqs.length, 3);

        await store.outbox.markFailed(seqs.slice(0, 2));
        await store.outbox.markFailed(seqs.slice(0, 1));
        const afterFailure = (await store.outbox.pending(ALL)).filter((r) => wanted.has(r.event.eventId));
        assert.deepEqual(afterFailure.map((r) => r.attempts), [2, 1, 0]);

        const countBefore = await store.outbox.pendingCount();
        await store.outbox.markPublished(seqs.slice(0, 2), new Date(T0));
        await store.outbox.markPublished([], new Date(T0));
        assert.equal(await store.outbox.pendingCount(), countBefore - 2);
        const left = (await store.outbox.pending(ALL)).filter((r) => wanted.has(r.event.eventId));
        assert.deepEqual(left.map((r) => r.seq), seqs.slice(2));
      });
      it("prunes published rows before a time, never pending ones, and stays bounded over cycles of write, publish and prune", async () => {
        const WEEK = 7 * DAY;
        // Far in the future, so that the other tests' published rows (at T0) are pruned too.
        let now = Date.UTC(2100, 0, 1);
        const pendingBefore = await store.outbox.pendingCount();
        await store.outbox.prunePublished(new Date(now));
        const baseline = await store.outbox.rowCount();
        const kept = event("match.requested");
        await store.matchRequests.create(ticket(), { events: [kept] });
        const counts: number[] = [];
        for (let cycle = 0; cycle < 8; cycle++) {
          const events = [event("match.requested"), event("match.requested"), event("match.requested")];
          await store.matchRequests.create(ticket(), { events });
          const wanted = new Set(events.map((e) => e.eventId));
          const seqs = (await store.outbox.pending(ALL)).filter((r) => wanted.has(r.event.eventId)).map((r) => r.seq);
          await store.outbox.markPublished(seqs, new Date(now));
          now += DAY;
          // Retention of two days: the rows published two or more cycles ago go.
          await store.outbox.prunePublished(new Date(now - 2 * DAY + 1));
          counts.push(await store.outbox.rowCount());
        }
        // Each cycle adds 3 rows and prunes the previous cycle's: the count does not grow.
        assert.ok(counts.every((n) => n === counts[0]), `bounded: ${counts.join(",")}`);
        assert.ok((counts[0] ?? Infinity) <= baseline + 1 + 3, `${counts[0]} rows, baseline ${baseline}`);
        assert.equal(await store.outbox.pendingCount(), pendingBefore + 1, "pending rows are never pruned");
        assert.ok((await pendingEventIds(store)).includes(kept.eventId));
        assert.ok((await store.outbox.prunePublished(new Date(now + WEEK))) >= 1, "a later prune deletes the rest of the published rows");
        assert.ok((await store.outbox.rowCount()) <= pendingBefore + 2);
      });
    });

    describe("processed events", () => {
      it("records an event per consumer once: true the first time, false after", async () => {
        const eventId = newId();
        assert.equal(await store.processedEvents.isProcessed(eventId, "user-events"), false);
        assert.equal(await store.processedEvents.markProcessed(eventId, "user-events", new Date(T0)), true);
        assert.equal(await store.processedEvents.isProcessed(eventId, "user-events"), true);
        assert.equal(await store.processedEvents.markProcessed(eventId, "user-events", new Date(T0 + MIN)), false);
        // Another consumer handles the same event on its own.
        assert.equal(await store.processedEvents.isProcessed(eventId, "lesson-events"), false);
        assert.equal(await store.processedEvents.markProcessed(eventId, "lesson-events", new Date(T0)), true);
      });

      it("does not confuse pairs whose concatenation is the same", async () => {
        const id = newId();
        assert.equal(await store.processedEvents.markProcessed(`b:${id}`, "a", new Date(T0)), true);
        assert.equal(await store.processedEvents.isProcessed(id, "a:b"), false);
        assert.equal(await store.processedEvents.markProcessed(id, "a:b", new Date(T0)), true);
      });

      it("lets exactly one of several concurrent marks of one event win", async () => {
        const eventId = newId();
        const results = await Promise.all(Array.from({ length: 6 }, () => store.processedEvents.markProcessed(eventId, "feedback-events", new Date(T0))));
        assert.equal(results.filter(Boolean).length, 1);
      });

      it("forgets the records made before a time", async () => {
        const old = newId();
        const recent = newId();
        // Far in the past, so that only this test's old record (and older runs' ones) is pruned.
        const longAgo = Date.UTC(1980, 0, 1);
        await store.processedEvents.markProcessed(old, "user-events", new Date(longAgo));
        await store.processedEvents.markProcessed(recent, "user-events", new Date(longAgo + DAY));
        assert.ok((await store.processedEvents.pruneBefore(new Date(longAgo + 1000))) >= 1);
        assert.equal(await store.processedEvents.isProcessed(old, "user-events"), false);
        assert.equal(await store.processedEvents.isProcessed(recent, "user-events"), true);
        assert.equal(await store.processedEvents.markProcessed(old, "user-events", new Date(T0)), true, "a pruned event counts as new again");
      });

      it("stays bounded over cycles of marking and pruning", async () => {
        let now = Date.UTC(1970, 5, 1);
        await store.processedEvents.pruneBefore(new Date(now));
        const counts: number[] = [];
        for (let cycle = 0; cycle < 8; cycle++) {
          for (let i = 0; i < 4; i++) await store.processedEvents.markProcessed(newId(), "user-events", new Date(now));
          now += DAY;
          await store.processedEvents.pruneBefore(new Date(now - 2 * DAY + 1));
          counts.push(await store.processedEvents.count());
        }
        assert.ok(counts.every((n) => n === counts[0]), `bounded: ${counts.join(",")}`);
      });
    });

    describe("topics", () => {
      it("seeds only a store with no topic", async () => {
        const had = (await store.topics.list()).length;
        const seed = [topic(), topic({ targetLanguageCode: "fr" })];
        const inserted = await store.topics.seedIfEmpty(seed);
        if (had === 0) {
          assert.equal(inserted, 2);
          assert.deepEqual((await store.topics.list()).sort(byKey), [...seed].sort(byKey));
        } else {
          assert.equal(inserted, 0);
          assert.equal(await store.topics.get("en", seed[0]?.code ?? ""), undefined);
        }
        const late = topic();
        assert.equal(await store.topics.seedIfEmpty([late]), 0);
        assert.equal(await store.topics.get(late.targetLanguageCode, late.code), undefined);
      });

      it("creates, reads, replaces and removes a topic by language and code, as written", async () => {
        const t = topic({ requiredSkills: ["board_games.en"], imageUrl: "https://example.test/t.png" });
        await store.topics.create(t);
        assert.deepEqual(await store.topics.get("en", t.code), t);
        assert.equal(await store.topics.get("fr", t.code), undefined, "the key includes the language");
        await assert.rejects(store.topics.create(t), isCode("INVALID_REQUEST"));
        const sameCodeInFrench = { ...t, targetLanguageCode: "fr", name: "Jeux" };
        assert.equal(await store.topics.put(sameCodeInFrench), "created");
        const replaced: Topic = { ...t, isActive: false, prompts: t.prompts.slice(0, 2) };
        delete replaced.requiredSkills;
        assert.equal(await store.topics.put(replaced), "replaced");
        assert.deepEqual(await store.topics.get("en", t.code), replaced, "a replacement drops the fields it does not have");
        const listed = (await store.topics.list()).filter((x) => x.code === t.code).sort(byKey);
        assert.deepEqual(listed, [replaced, sameCodeInFrench].sort(byKey));
        assert.equal(await store.topics.remove("en", t.code), true);
        assert.equal(await store.topics.remove("en", t.code), false);
        assert.equal(await store.topics.get("en", t.code), undefined);
        assert.deepEqual(await store.topics.get("fr", t.code), sameCodeInFrench);
      });

      it("creates a topic once when it is put several times at once", async () => {
        const t = topic();
        const results = await Promise.all([1, 2, 3, 4].map((n) => store.topics.put({ ...t, popularityScore: n })));
        assert.equal(results.filter((r) => r === "created").length, 1, results.join(","));
        assert.ok([1, 2, 3, 4].includes((await store.topics.get(t.targetLanguageCode, t.code))?.popularityScore ?? 0));
        assert.equal((await store.topics.list()).filter((x) => x.code === t.code).length, 1);
      });
    });

    describe("learner skills", () => {
      it("adds each skill of a user once and lists them sorted", async () => {
        const u = `user-${newId()}`;
        assert.deepEqual(await store.learnerSkills.list(u), []);
        assert.equal(await store.learnerSkills.add(u, "restaurant_vocab.en", new Date(T0)), true);
        assert.equal(await store.learnerSkills.add(u, "airport_vocab.en"), true);
        assert.equal(await store.learnerSkills.add(u, "restaurant_vocab.en", new Date(T0 + DAY)), false);
        assert.deepEqual(await store.learnerSkills.list(u), ["airport_vocab.en", "restaurant_vocab.en"]);
        assert.deepEqual(await store.learnerSkills.list(`user-${newId()}`), []);
      });

      it("keeps one row when one skill is added several times at once", async () => {
        const u = `user-${newId()}`;
        const results = await Promise.all(Array.from({ length: 5 }, () => store.learnerSkills.add(u, "greetings.es")));
        assert.equal(results.filter(Boolean).length, 1);
        assert.deepEqual(await store.learnerSkills.list(u), ["greetings.es"]);
      });
    });

    describe("user erasure", () => {
      it("anonymizes the user in sessions and deletes their tickets, reports made, blocks and skills", async () => {
        const [gone, partner, third] = [`user-${newId()}`, `user-${newId()}`, `user-${newId()}`];
        const s = session([gone, partner], {
          status: "completed",
          participants: [
            participant(gone, { avatarUrl: "https://example.test/gone.png", displayName: "Gone Person" }),
            participant(partner, { role: "partner", avatarUrl: "https://example.test/p.png" }),
          ],
          ratings: [
            { userId: gone, rating: 4, feedback: "my words", ratedAt: new Date(T0) },
            { userId: partner, rating: 5, feedback: "partner's words", ratedAt: new Date(T0) },
          ],
        });
        const untouched = session([partner, third]);
        await store.sessions.create(s);
        await store.sessions.create(untouched);
        const pending = ticket({ userId: gone });
        const past = ticket({ userId: gone, status: "expired" });
        const othersTicket = ticket({ userId: partner });
        for (const t of [past, pending, othersTicket]) await store.matchRequests.create(t);
        const made = report({ reporterUserId: gone, reportedUserId: partner });
        const against = report({ reporterUserId: partner, reportedUserId: gone });
        await store.moderation.createReport(made);
        await store.moderation.createReport(against);
        await store.moderation.block(gone, partner);
        await store.moderation.block(third, gone);
        await store.moderation.block(partner, third);
        await store.learnerSkills.add(gone, "restaurant_vocab.en");
        await store.learnerSkills.add(partner, "restaurant_vocab.en");

        assert.deepEqual(await store.eraseUser(gone), { sessionsAnonymized: 1, matchRequestsDeleted: 2, reportsDeleted: 1, blocksDeleted: 2, skillsDeleted: 1 });

        const stored = await store.sessions.get(s.id);
        const erased = stored?.participants.find((p) => p.userId === gone);
        assert.equal(erased?.displayName, ERASED_DISPLAY_NAME);
        assert.equal(erased?.avatarUrl, undefined);
        assert.equal(erased?.nativeLanguageCode, "fr", "non-identifying fields stay");
        assert.deepEqual(stored?.participants.find((p) => p.userId === partner), s.participants[1]);
        assert.deepEqual([...(stored?.ratings ?? [])].sort(byUser), [
          { userId: gone, rating: 4, ratedAt: new Date(T0) },
          { userId: partner, rating: 5, feedback: "partner's words", ratedAt: new Date(T0) },
        ].sort(byUser));
        assert.deepEqual(await store.sessions.get(untouched.id), untouched);
        assert.equal(await store.matchRequests.get(pending.id), undefined);
        assert.equal(await store.matchRequests.get(past.id), undefined);
        assert.equal(await store.matchRequests.pendingByUser(gone), undefined);
        assert.equal((await store.matchRequests.get(othersTicket.id))?.status, "pending");
        const reports = (await store.moderation.listReports(ALL, 0)).items.map((r) => r.id);
        assert.ok(!reports.includes(made.id));
        assert.ok(reports.includes(against.id), "reports against the user stay");
        assert.deepEqual(await store.moderation.blockedPeers(gone), []);
        assert.deepEqual(await store.moderation.blockedPeers(partner), [third]);
        assert.deepEqual(await store.learnerSkills.list(gone), []);
        assert.deepEqual(await store.learnerSkills.list(partner), ["restaurant_vocab.en"]);
        // The user may queue again afterwards (their pending slot is free).
        await store.matchRequests.create(ticket({ userId: gone }));
      });

      it("is idempotent, and a no-op for an unknown user", async () => {
        const gone = `user-${newId()}`;
        await store.sessions.create(session([gone, `user-${newId()}`], { participants: [participant(gone, { avatarUrl: "https://example.test/a.png" })] }));
        await store.learnerSkills.add(gone, "x.en");
        const first = await store.eraseUser(gone);
        assert.equal(first.sessionsAnonymized, 1);
        const zero = { sessionsAnonymized: 0, matchRequestsDeleted: 0, reportsDeleted: 0, blocksDeleted: 0, skillsDeleted: 0 };
        assert.deepEqual(await store.eraseUser(gone), zero);
        assert.deepEqual(await store.eraseUser(`user-${newId()}`), zero);
      });

      it("writes no events", async () => {
        const gone = `user-${newId()}`;
        await store.sessions.create(session([gone, `user-${newId()}`]));
        const before = await store.outbox.pendingCount();
        await store.eraseUser(gone);
        assert.equal(await store.outbox.pendingCount(), before);
      });
    });

    describe("audit", () => {
      it("lists entries newest first, as written, with total and paging", async () => {
        const before = await store.audit.list(ALL, 0);
        const actor = `admin-${newId()}`;
        const entries: AuditRecord[] = [1, 2, 3].map((i) => ({
          id: newId(),
          actorUserId: actor,
          action: "session.end",
          target: `session:${newId()}`,
          ...(i === 2 ? {} : { details: { reason: `r${i}`, nested: { n: i }, empty: {} } }),
          at: new Date(T0 + i * 1000),
        }));
        for (const e of entries) await store.audit.append(e);
        const all = await store.audit.list(ALL, 0);
        assert.equal(all.total, before.total + 3);
        const mine = new Set(entries.map((e) => e.id));
        assert.deepEqual(all.items.filter((e) => mine.has(e.id)), [...entries].reverse());
        const page = await store.audit.list(2, 1);
        assert.deepEqual(page.items, all.items.slice(1, 3));
        assert.equal(page.total, all.total);
      });
    });

    describeChatStoreContract(() => store);
  });
}

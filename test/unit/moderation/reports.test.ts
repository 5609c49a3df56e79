import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { assertNotBanned, isBanned, resolutionBodySchema, resolveReports, submitReport } from "../../../src/moderation/reports.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { SessionRecord } from "../../../src/store/records.js";
import type { Store } from "../../../src/store/repositories.js";

const T0 = Date.UTC(2026, 11, 1, 12);
const DAY = 24 * 3600 * 1000;

function isCode(code: ParleyError["code"]) {
  return (err: unknown) => err instanceof ParleyError && err.code === code;
}

/** An ended pair session of `a` and `b`, stored. */
async function sessionOf(store: Store, a: string, b: string): Promise<string> {
  const id = randomUUID();
  const participant = (userId: string, role: "learner" | "partner") => ({
    userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role, tier: "free" as const,
    recordingConsent: false, spokenSeconds: 0, turnCount: 0,
  });
  const session: SessionRecord = {
    id, sessionType: "practice", targetLanguageCode: "en", topicCode: "hobbies.music", targetLevel: "B1", status: "completed",
    participants: [participant(a, "learner"), participant(b, "partner")], prompts: [], matchRequestIds: [],
    createdAt: new Date(T0 - DAY), updatedAt: new Date(T0 - DAY), durationSeconds: 300, ratings: [],
  };
  await store.sessions.create(session);
  return id;
}

async function eventsOf(store: Store, type: string) {
  return (await store.outbox.pending(1_000_000)).map((r) => r.event).filter((e) => e.eventType === type);
}

describe("moderation: reports, flags and resolutions", () => {
  let store: Store;
  beforeEach(() => {
    store = createMemoryStore();
  });

  it("files one report per reporter per reported user per session: a second is ALREADY_REPORTED", async () => {
    const s = await sessionOf(store, "ann", "bob");
    const first = await submitReport(store, s, "ann", { reportedUserId: "bob", reason: "spam", block: false }, T0);
    assert.equal(first.flaggedForReview, false);
    await assert.rejects(submitReport(store, s, "ann", { reportedUserId: "bob", reason: "harassment", block: true }, T0 + 1), isCode("ALREADY_REPORTED"));
    assert.deepEqual(await store.moderation.blockedPeers("ann"), [], "a refused report blocks nobody");
    await submitReport(store, s, "bob", { reportedUserId: "ann", reason: "spam", block: false }, T0 + 2);
    await submitReport(store, await sessionOf(store, "ann", "bob"), "ann", { reportedUserId: "bob", reason: "spam", block: false }, T0 + 3);
    assert.equal(await store.moderation.countReportsAgainst("bob"), 2);
    assert.deepEqual((await eventsOf(store, "participant.reported")).map((e) => e.payload.reportCount), [1, 1, 1], "the same reporter counts once");
  });

  it("flags a user after more than 3 distinct reporters, once, with one participant.flagged event", async () => {
    const flags: boolean[] = [];
    for (const reporter of ["r1", "r2", "r3"]) flags.push((await submitReport(store, await sessionOf(store, reporter, "target"), reporter, { reportedUserId: "target", reason: "spam", block: false }, T0)).flaggedForReview);
    // r1 again, in another session: still 3 distinct reporters
    flags.push((await submitReport(store, await sessionOf(store, "r1", "target"), "r1", { reportedUserId: "target", reason: "spam", block: false }, T0)).flaggedForReview);
    for (const reporter of ["r4", "r5"]) flags.push((await submitReport(store, await sessionOf(store, reporter, "target"), reporter, { reportedUserId: "target", reason: "spam", block: false }, T0 + 1000)).flaggedForReview);
    assert.deepEqual(flags, [false, false, false, false, true, true]);
    const flagged = await eventsOf(store, "participant.flagged");
    assert.equal(flagged.length, 1);
    assert.equal(flagged[0]?.key, "target");
    assert.deepEqual({ ...flagged[0]?.payload, lastReportId: undefined, sessionId: undefined }, { userId: "target", distinctReporters: 4, flaggedAt: new Date(T0 + 1000).toISOString(), lastReportId: undefined, sessionId: undefined });
    assert.deepEqual((await store.moderation.userState("target"))?.flaggedAt, new Date(T0 + 1000));
  });

  it("flags once when the fourth and fifth distinct reports arrive at the same time", async () => {
    for (const reporter of ["r1", "r2", "r3"]) await submitReport(store, await sessionOf(store, reporter, "target"), reporter, { reportedUserId: "target", reason: "spam", block: false }, T0);
    const [s4, s5] = [await sessionOf(store, "r4", "target"), await sessionOf(store, "r5", "target")];
    const results = await Promise.all([
      submitReport(store, s4, "r4", { reportedUserId: "target", reason: "spam", block: false }, T0),
      submitReport(store, s5, "r5", { reportedUserId: "target", reason: "spam", block: false }, T0),
    ]);
    assert.ok(results.every((r) => r.flaggedForReview));
    assert.equal((await eventsOf(store, "participant.flagged")).length, 1);
  });

  it("a resolution clears the flag, and only reports made after it count toward the next one", async () => {
    for (const reporter of ["r1", "r2", "r3", "r4"]) await submitReport(store, await sessionOf(store, reporter, "target"), reporter, { reportedUserId: "target", reason: "spam", block: false }, T0);
    const state = await resolveReports(store, "target", "mod", { action: "dismiss", note: "banter" }, T0 + DAY);
    assert.equal(state.flaggedForReview, false);
    assert.deepEqual(state.lastResolution, { action: "dismiss", moderatorUserId: "mod", at: new Date(T0 + DAY), note: "banter" });
    const after = [];
    for (const reporter of ["r1", "r2", "r3", "r4"]) after.push((await submitReport(store, await sessionOf(store, reporter, "target"), reporter, { reportedUserId: "target", reason: "spam", block: false }, T0 + 2 * DAY)).flaggedForReview);
    assert.deepEqual(after, [false, false, false, true]);
    assert.equal((await eventsOf(store, "participant.flagged")).length, 2);
  });

  it("bans for N days: matchmaking admission refuses with BANNED until the ban ends", async () => {
    await submitReport(store, await sessionOf(store, "r1", "target"), "r1", { reportedUserId: "target", reason: "harassment", block: false }, T0);
    await assertNotBanned(store.moderation, "target", T0);
    const state = await resolveReports(store, "target", "mod", { action: "ban", days: 3 }, T0);
    assert.deepEqual(state.bannedUntil, new Date(T0 + 3 * DAY));
    await assert.rejects(assertNotBanned(store.moderation, "target", T0 + 3 * DAY - 1), (err: unknown) => isCode("BANNED")(err) && /2026-12-04T12:00:00.000Z/.test((err as Error).message));
    await assertNotBanned(store.moderation, "target", T0 + 3 * DAY);
    assert.equal(isBanned(state, T0 + 3 * DAY), false);
    assert.equal(isBanned(undefined, T0), false);
    const warned = await resolveReports(store, "target", "mod", { action: "warn" }, T0 + 1);
    assert.equal(warned.warnings, 1);
    assert.deepEqual(warned.bannedUntil, new Date(T0 + 3 * DAY), "a warning leaves the ban running");
  });

  it("refuses to resolve a user nobody reported (NOT_FOUND) and validates resolution bodies", async () => {
    await assert.rejects(resolveReports(store, "nobody", "mod", { action: "dismiss" }, T0), isCode("NOT_FOUND"));
    const ok = [{ action: "dismiss" }, { action: "warn", note: "please" }, { action: "ban", days: 1 }, { action: "ban", days: 365, note: "x" }];
    for (const body of ok) assert.equal(resolutionBodySchema.safeParse(body).success, true, JSON.stringify(body));
    const bad = [{}, { action: "ban" }, { action: "ban", days: 0 }, { action: "ban", days: 366 }, { action: "ban", days: 1.5 }, { action: "warn", days: 2 }, { action: "delete" }, { action: "dismiss", extra: 1 }, { action: "warn", note: "" }];
    for (const body of bad) assert.equal(resolutionBodySchema.safeParse(body).success, false, JSON.stringify(body));
  });
});

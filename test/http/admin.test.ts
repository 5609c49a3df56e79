import assert from "node:assert/strict";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import { randomUUID } from "node:crypto";
import type { SessionRecord } from "../../src/store/records.js";
import { newLearner } from "../support/learners.js";
import { publishedEvents, testServer } from "../support/testServer.js";
import { activePair, api, assertError, leaveAll, pollFor, restMatch, restUser, UNKNOWN_ID, type RestUser } from "./restSupport.js";

const A = "/api/admin";

interface AuditBody {
  entries: { id: string; actorUserId: string; action: string; target: string; details?: Record<string, unknown>; at: string }[];
  total: number;
  hasMore: boolean;
}

/** A valid topic body for the admin API (code unique per call). */
function topicBody(code: string, overrides: Record<string, unknown> = {}) {
  return {
    code,
    targetLanguageCode: "en",
    nameKey: `topics.${code}.name`,
    descriptionKey: `topics.${code}.description`,
    name: "Board games",
    description: "Talk about the board games you like.",
    level: "A2",
    category: "hobbies",
    prompts: [
      { promptKey: `${code}.icebreaker.1`, type: "icebreaker", order: 1, text: "What game did you play last?" },
      { promptKey: `${code}.main.1`, type: "main", order: 1, text: "Describe the rules of your favourite game." },
    ],
    estimatedDurationMinutes: 10,
    isActive: true,
    popularityScore: 10,
    ...overrides,
  };
}

interface ReportsBody {
  reports: { id: string; reportedUserId: string; reporterUserId: string; reportedUser: { userId: string; flaggedForReview: boolean; bannedUntil?: string; warnings: number } }[];
  total: number;
  hasMore: boolean;
}

interface ModerationBody {
  moderation: { userId: string; flaggedForReview: boolean; bannedUntil?: string; warnings: number; lastResolution?: { action: string; moderatorUserId: string; at: string; note?: string } };
}

/** An ended pair session of `a` and `b`, written straight to the test server's store. */
async function storedSession(a: string, b: string): Promise<string> {
  const { parley } = await testServer();
  const id = randomUUID();
  const participant = (userId: string, role: "learner" | "partner") => ({
    userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role, tier: "free" as const,
    recordingConsent: false, spokenSeconds: 0, turnCount: 0,
  });
  const session: SessionRecord = {
    id, sessionType: "practice", targetLanguageCode: "en", topicCode: "hobbies.music", targetLevel: "B1", status: "completed",
    participants: [participant(a, "learner"), participant(b, "partner")], prompts: [], matchRequestIds: [],
    createdAt: new Date(), updatedAt: new Date(), durationSeconds: 300, ratings: [],
  };
  await parley.store.sessions.create(session);
  return id;
}

describe("http: admin API (/api/admin)", () => {
  let admin: RestUser;
  let moderator: RestUser;
  let learner: RestUser;
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
    admin = await restUser("admin", { nativeLanguageCode: "en", levels: {}, roles: ["admin"] });
    moderator = await restUser("moderator", { nativeLanguageCode: "en", levels: {}, roles: ["moderator"] });
    learner = await restUser("learner", { nativeLanguageCode: "fr", levels: { en: "A1" } });
  });
  afterEach(async () => {
    await leaveAll(rooms);
    rooms = [];
  });

  it("refuses learners with 403 FORBIDDEN everywhere and moderators everywhere but reports", async () => {
    const paths: [string, string][] = [
      ["GET", "/rooms"],
      ["POST", `/sessions/${UNKNOWN_ID}/end`],
      ["GET", "/reports"],
      ["GET", "/audit"],
      ["GET", "/topics"],
      ["GET", "/topics/en/daily_life.introductions"],
      ["POST", "/topics"],
      ["PUT", "/topics/en/daily_life.introductions"],
      ["DELETE", "/topics/en/daily_life.introductions"],
    ];
    for (const [method, path] of paths) {
      assertError(await api(method, `${A}${path}`, { token: learner.token }), 403, "FORBIDDEN");
      if (path !== "/reports") assertError(await api(method, `${A}${path}`, { token: moderator.token }), 403, "FORBIDDEN");
    }
    const reports = await api<{ reports: unknown[]; total: number; hasMore: boolean }>("GET", `${A}/reports`, { token: moderator.token });
    assert.equal(reports.status, 200);
    assert.ok(Array.isArray(reports.body.reports));
    assertError(await api("POST", `${A}/reports/someone/resolve`, { token: learner.token, body: { action: "dismiss" } }), 403, "FORBIDDEN");
  });

  it("flags a user reported by more than 3 distinct users, lists them under flagged=true, and lets a moderator resolve it, audited", async () => {
    const target = await restUser("target", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const reporters = await Promise.all([1, 2, 3, 4].map((i) => restUser(`reporter${i}`, { nativeLanguageCode: "fr", levels: { en: "B1" } })));
    const flags: boolean[] = [];
    for (const r of reporters) {
      const sessionId = await storedSession(r.userId, target.userId);
      const res = await api<{ flaggedForReview: boolean }>("POST", `/api/conversations/sessions/${sessionId}/report`, { token: r.token, body: { reportedUserId: target.userId, reason: "harassment" } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      flags.push(res.body.flaggedForReview);
    }
    assert.deepEqual(flags, [false, false, false, true]);

    const flagged = await api<ReportsBody>("GET", `${A}/reports?flagged=true&limit=100`, { token: moderator.token });
    assert.equal(flagged.status, 200, JSON.stringify(flagged.body));
    const against = flagged.body.reports.filter((r) => r.reportedUserId === target.userId);
    assert.deepEqual(against.map((r) => r.reporterUserId).sort(), reporters.map((r) => r.userId).sort());
    assert.ok(flagged.body.reports.every((r) => r.reportedUser.flaggedForReview), "only reports against flagged users");
    assertError(await api("GET", `${A}/reports?flagged=false`, { token: moderator.token }), 400, "INVALID_REQUEST");
    const published = await pollFor("participant.flagged event", async () => {
      const mine = (await publishedEvents()).filter((e) => e.eventType === "participant.flagged" && e.key === target.userId);
      return mine.length > 0 ? mine : undefined;
    });
    assert.equal(published.length, 1, "one participant.flagged event");
    assert.equal(published[0]?.payload.distinctReporters, 4);

    const resolved = await api<ModerationBody>("POST", `${A}/reports/${target.userId}/resolve`, { token: moderator.token, body: { action: "warn", note: "first warning" } });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.moderation.flaggedForReview, false);
    assert.equal(resolved.body.moderation.warnings, 1);
    const told = await api<{ notifications: { type: string; bodyKey: string }[] }>("GET", "/api/notifications", { token: target.token });
    assert.deepEqual(told.body.notifications.filter((n) => n.type === "report_outcome").map((n) => n.bodyKey), ["notifications.reportOutcome.warn.body"], "the warned user is told");
    assert.deepEqual(resolved.body.moderation.lastResolution, { action: "warn", moderatorUserId: moderator.userId, at: resolved.body.moderation.lastResolution?.at, note: "first warning" });
    const after = await api<ReportsBody>("GET", `${A}/reports?flagged=true&limit=100`, { token: moderator.token });
    assert.ok(!after.body.reports.some((r) => r.reportedUserId === target.userId), "no longer listed as flagged");
    const all = await api<ReportsBody>("GET", `${A}/reports?limit=100`, { token: admin.token });
    assert.equal(all.body.reports.find((r) => r.reportedUserId === target.userId)?.reportedUser.warnings, 1);

    const audit = await api<AuditBody>("GET", `${A}/audit?limit=100`, { token: admin.token });
    const entry = audit.body.entries.find((e) => e.target === `user:${target.userId}`);
    assert.deepEqual(entry && { action: entry.action, actorUserId: entry.actorUserId, details: entry.details }, { action: "reports.resolve", actorUserId: moderator.userId, details: { action: "warn", note: "first warning" } });

    for (const body of [{ action: "ban" }, { action: "ban", days: 366 }, { action: "warn", days: 2 }, { action: "erase" }, {}]) {
      assertError(await api("POST", `${A}/reports/${target.userId}/resolve`, { token: moderator.token, body }), 400, "INVALID_REQUEST");
    }
    assertError(await api("POST", `${A}/reports/nobody-${randomUUID()}/resolve`, { token: moderator.token, body: { action: "dismiss" } }), 404, "NOT_FOUND");
  });

  it("a banned user cannot join a queue: 403 BANNED over REST and on the SDK join of the matchmaking room", async () => {
    const target = await newLearner("banned", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const reporter = await restUser("reporter", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const sessionId = await storedSession(reporter.userId, target.userId);
    assert.equal((await api("POST", `/api/conversations/sessions/${sessionId}/report`, { token: reporter.token, body: { reportedUserId: target.userId, reason: "harassment" } })).status, 201);
    const banned = await api<ModerationBody>("POST", `${A}/reports/${target.userId}/resolve`, { token: admin.token, body: { action: "ban", days: 7, note: "insults" } });
    assert.equal(banned.status, 200, JSON.stringify(banned.body));
    const until = Date.parse(banned.body.moderation.bannedUntil ?? "");
    assert.ok(Math.abs(until - (Date.now() + 7 * 24 * 3600 * 1000)) < 60_000, `banned for 7 days: ${banned.body.moderation.bannedUntil}`);

    const rest = await api("POST", "/api/conversations/match-request", { token: target.token, body: { targetLanguageCode: "en", topicCode: "hobbies.music" } });
    assertError(rest, 403, "BANNED");
    await assert.rejects(target.sdk.joinOrCreate("matchmaking", { queue: "en", targetLanguageCode: "en", topicCode: "hobbies.music" }), (err: { code?: number; message?: string }) => {
      assert.equal(err.code, 403);
      assert.match(String(err.message), /^BANNED: /);
      return true;
    });
    const { parley } = await testServer();
    assert.equal(await parley.store.matchRequests.pendingByUser(target.userId), undefined, "no ticket was made");
  });

  it("lists the rooms of every process, filtered by name", async () => {
    const { sessionId } = await restMatch("en", "work.job_interview", "B1");
    const all = await api<{ rooms: { roomId: string; name: string; clients: number; processId: string; metadata: Record<string, unknown> }[] }>("GET", `${A}/rooms`, { token: admin.token });
    assert.equal(all.status, 200);
    const conv = all.body.rooms.find((r) => r.roomId === sessionId);
    assert.ok(conv, "the session's conversation room is listed");
    assert.equal(conv.name, "conversation");
    assert.equal(typeof conv.processId, "string");
    const onlyMatchmaking = await api<{ rooms: { name: string }[] }>("GET", `${A}/rooms?name=matchmaking`, { token: admin.token });
    assert.ok(onlyMatchmaking.body.rooms.every((r) => r.name === "matchmaking"));
    assertError(await api("GET", `${A}/rooms?name=lobby`, { token: admin.token }), 400, "INVALID_REQUEST");
  });

  it("ends a live session for an admin, audits it, and refuses ended or unknown sessions", async () => {
    const p = await activePair("fr", "work.job_interview", "B1");
    rooms.push(...p.rooms);
    const ended = await api("POST", `${A}/sessions/${p.sessionId}/end`, { token: admin.token });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    const notice = await p.ja.inbox.next<{ status: string }>("session_ended");
    assert.equal(notice.status, "completed");
    assertError(await api("POST", `${A}/sessions/${p.sessionId}/end`, { token: admin.token }), 409, "SESSION_NOT_ACTIVE");
    assertError(await api("POST", `${A}/sessions/${UNKNOWN_ID}/end`, { token: admin.token }), 404, "SESSION_NOT_FOUND");
    assertError(await api("POST", `${A}/sessions/bad/end`, { token: admin.token }), 400, "INVALID_REQUEST");
    assertError(await api("POST", `${A}/sessions/${p.sessionId}/end`, { token: admin.token, body: { force: true } }), 400, "INVALID_REQUEST");

    const audit = await api<AuditBody>("GET", `${A}/audit?limit=100`, { token: admin.token });
    const entry = audit.body.entries.find((e) => e.target === `session:${p.sessionId}`);
    assert.ok(entry, "the end is in the audit log");
    assert.equal(entry.action, "session.end");
    assert.equal(entry.actorUserId, admin.userId);
  });

  it("ends a waiting session whose room is not running in the store (reason error)", async () => {
    const { parley } = await testServer();
    const { a, sessionId } = await restMatch("de", "work.job_interview", "B1");
    // Simulate a crashed process: the room is gone, the store still says waiting.
    const room = await api<{ rooms: { roomId: string }[] }>("GET", `${A}/rooms?name=conversation`, { token: admin.token });
    assert.ok(room.body.rooms.some((r) => r.roomId === sessionId));
    await matchMaker.getLocalRoomById(sessionId)?.disconnect();
    const stored = await parley.store.sessions.get(sessionId);
    assert.equal(stored?.status, "waiting");
    const ended = await api("POST", `${A}/sessions/${sessionId}/end`, { token: admin.token });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    const after = await api<{ session: { status: string; endReason: string } }>("GET", `/api/conversations/sessions/${sessionId}`, { token: a.token });
    assert.equal(after.body.session.status, "expired");
    assert.equal(after.body.session.endReason, "error");
  });

  it("pages reports and the audit log, validating limit and offset", async () => {
    for (const path of ["/reports", "/audit"]) {
      const res = await api<{ total: number; hasMore: boolean }>("GET", `${A}${path}?limit=1&offset=0`, { token: admin.token });
      assert.equal(res.status, 200);
      assert.equal(typeof res.body.total, "number");
      for (const query of ["limit=0", "limit=500", "limit=x", "offset=-1", "extra=1"]) {
        assertError(await api("GET", `${A}${path}?${query}`, { token: admin.token }), 400, "INVALID_REQUEST");
      }
    }
  });

  it("creates, reads, replaces and deletes topics, each change audited; learners see the result", async () => {
    const code = "hobbies.board_games";
    const created = await api<{ topic: { code: string } }>("POST", `${A}/topics`, { token: admin.token, body: topicBody(code) });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assertError(await api("POST", `${A}/topics`, { token: admin.token, body: topicBody(code) }), 400, "INVALID_REQUEST");
    const listed = await api<{ topics: { code: string; isUnlocked: boolean }[] }>("GET", "/api/conversations/topics?targetLanguageCode=en&category=hobbies", { token: learner.token });
    assert.equal(listed.body.topics.find((t) => t.code === code)?.isUnlocked, true);

    const read = await api<{ topic: { name: string; prompts: { text: string }[] } }>("GET", `${A}/topics/en/${code}`, { token: admin.token });
    assert.equal(read.body.topic.name, "Board games");
    assert.ok(read.body.topic.prompts[0]?.text, "admins see prompt texts");

    const replaced = await api<{ topic: { isActive: boolean } }>("PUT", `${A}/topics/en/${code}`, { token: admin.token, body: topicBody(code, { isActive: false }) });
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assertError(await api("GET", `/api/conversations/topics/${code}?targetLanguageCode=en`, { token: learner.token }), 404, "TOPIC_NOT_FOUND");
    const inactiveListed = await api<{ topics: { code: string }[] }>("GET", `${A}/topics?targetLanguageCode=en`, { token: admin.token });
    assert.ok(inactiveListed.body.topics.some((t) => t.code === code));
    const activeOnly = await api<{ topics: { code: string }[] }>("GET", `${A}/topics?targetLanguageCode=en&includeInactive=false`, { token: admin.token });
    assert.ok(!activeOnly.body.topics.some((t) => t.code === code));

    assertError(await api("PUT", `${A}/topics/fr/${code}`, { token: admin.token, body: topicBody(code) }), 400, "INVALID_REQUEST");
    const upserted = await api("PUT", `${A}/topics/en/hobbies.chess`, { token: admin.token, body: topicBody("hobbies.chess") });
    assert.equal(upserted.status, 201);

    assert.equal((await api("DELETE", `${A}/topics/en/${code}`, { token: admin.token })).status, 200);
    assert.equal((await api("DELETE", `${A}/topics/en/hobbies.chess`, { token: admin.token })).status, 200);
    assertError(await api("DELETE", `${A}/topics/en/${code}`, { token: admin.token }), 404, "TOPIC_NOT_FOUND");
    assertError(await api("GET", `${A}/topics/en/${code}`, { token: admin.token }), 404, "TOPIC_NOT_FOUND");

    const audit = await api<AuditBody>("GET", `${A}/audit?limit=100`, { token: admin.token });
    const actions = audit.body.entries.filter((e) => e.target === `topic:en:${code}`).map((e) => e.action);
    assert.deepEqual(actions, ["topic.delete", "topic.replace", "topic.create"], "newest first");
  });

  it("validates topic bodies and paths with 400 INVALID_REQUEST", async () => {
    const bad: unknown[] = [
      {},
      topicBody("hobbies.bad", { extra: true }),
      topicBody("hobbies.bad", { level: "D1" }),
      topicBody("hobbies.bad", { prompts: [] }),
      topicBody("hobbies.bad", { isActive: "yes" }),
      topicBody("Hobbies Bad"),
      topicBody("hobbies.bad", { imageUrl: "javascript:alert(1)" }),
    ];
    for (const body of bad) {
      assertError(await api("POST", `${A}/topics`, { token: admin.token, body }), 400, "INVALID_REQUEST");
    }
    assertError(await api("POST", `${A}/topics`, { token: admin.token, raw: "{nope" }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${A}/topics/EN/daily_life.introductions`, { token: admin.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${A}/topics?targetLanguageCode=en&includeInactive=maybe`, { token: admin.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${A}/topics/en/hobbies.nothing`, { token: admin.token }), 404, "TOPIC_NOT_FOUND");
  });
});

import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { publishedEvents, testServer } from "../support/testServer.js";
import { activePair, api, assertError, joinAndConnect, leaveAll, pollFor, restMatch, restUser, UNKNOWN_ID, type JoinBody } from "./restSupport.js";

const S = "/api/conversations/sessions";

interface SessionBody {
  session: {
    id: string;
    status: string;
    topicCode: string;
    participants: { userId: string; displayName: string; nativeLanguageCode: string; targetLanguageCode: string; spokenSeconds: number; turnCount: number }[];
    durationSeconds: number;
    startedAt?: string;
    endedAt?: string;
    endReason?: string;
    transcriptAvailable: boolean;
    averageRating?: number;
  };
}

interface HistoryBody {
  conversations: { sessionId: string; topicCode: string; topicNameKey: string; partnerDisplayName: string; durationSeconds: number; completedAt: string; myRating?: number; transcriptAvailable: boolean }[];
  total: number;
  hasMore: boolean;
}

describe("http: sessions (join, leave, details, end, rate, history, transcript, report)", () => {
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await leaveAll(rooms);
    rooms = [];
  });

  it("joins both participants with seat reservations and ICE servers; the session becomes active", async () => {
    const { a, b, sessionId } = await restMatch("en", "culture.cinema", "B2");
    const ja = await joinAndConnect(a, sessionId);
    rooms.push(ja.room);
    const body: JoinBody = ja.join;
    assert.equal(body.session.id, sessionId);
    assert.equal(body.session.status, "waiting");
    assert.deepEqual(body.session.participants.map((p) => p.userId).sort(), [a.userId, b.userId].sort());
    assert.ok(body.session.participants.every((p) => p.displayName && p.nativeLanguageCode && p.targetLanguageCode === "en"));
    assert.equal(body.session.topic.code, "culture.cinema");
    assert.equal(body.session.topic.nameKey, "topics.culture.cinema.name");
    assert.equal(body.session.topic.firstPromptKey, "culture.cinema.icebreaker.1");
    assert.ok(Array.isArray(body.session.webrtcConfig.iceServers));
    assert.equal(ja.room.roomId, sessionId);

    const jb = await joinAndConnect(b, sessionId);
    rooms.push(jb.room);
    await ja.inbox.next("new_prompt");
    const details = await api<SessionBody>("GET", `${S}/${sessionId}`, { token: a.token });
    assert.equal(details.status, 200);
    assert.equal(details.body.session.status, "active");
    assert.ok(details.body.session.startedAt);
    assert.equal(details.body.session.endedAt, undefined);
    assert.equal(details.body.session.transcriptAvailable, false);
  });

  it("refuses join to strangers (403), unknown sessions (404), bad ids and bodies (400)", async () => {
    const { a, sessionId } = await restMatch("en", "culture.traditions", "B1");
    const stranger = await restUser("stranger", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    assertError(await api("POST", `${S}/${sessionId}/join`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("POST", `${S}/${UNKNOWN_ID}/join`, { token: a.token }), 404, "SESSION_NOT_FOUND");
    assertError(await api("POST", `${S}/not-a-uuid/join`, { token: a.token }), 400, "INVALID_REQUEST");
    assertError(await api("POST", `${S}/${sessionId}/join`, { token: a.token, body: { options: 1 } }), 400, "INVALID_REQUEST");
    assertError(await api("POST", `${S}/${sessionId}/join?x=1`, { token: a.token }), 400, "INVALID_REQUEST");
    assertError(await api("POST", `${S}/${sessionId}/join`, { token: a.token, raw: "{oops" }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${S}/${sessionId}`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("GET", `${S}/${UNKNOWN_ID}`, { token: a.token }), 404, "SESSION_NOT_FOUND");
  });

  it("ends a session over REST, then rates it (422 out of range, 400 wrong type, 200 with the average)", async () => {
    const p = await activePair("fr", "culture.cinema", "B2");
    rooms.push(...p.rooms);
    await p.ja.inbox.next("new_prompt");
    const stranger = await restUser("stranger", { nativeLanguageCode: "de", levels: { fr: "B2" } });
    assertError(await api("POST", `${S}/${p.sessionId}/end`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("POST", `${S}/${p.sessionId}/rate`, { token: p.a.token, body: { rating: 5 } }), 409, "SESSION_NOT_ACTIVE");
    assertError(await api("POST", `${S}/${p.sessionId}/end`, { token: p.a.token, body: { now: true } }), 400, "INVALID_REQUEST");

    const ended = await api("POST", `${S}/${p.sessionId}/end`, { token: p.a.token });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    assert.deepEqual(ended.body, { success: true });
    const notice = await p.jb.inbox.next<{ reason: string; status: string }>("session_ended");
    assert.equal(notice.status, "completed");

    const details = await api<SessionBody>("GET", `${S}/${p.sessionId}`, { token: p.b.token });
    assert.equal(details.body.session.status, "completed");
    assert.equal(details.body.session.endReason, "completed");
    assert.ok(details.body.session.endedAt);
    assertError(await api("POST", `${S}/${p.sessionId}/end`, { token: p.a.token }), 409, "SESSION_NOT_ACTIVE");
    assertError(await api("POST", `${S}/${p.sessionId}/join`, { token: p.a.token }), 409, "SESSION_NOT_ACTIVE");

    for (const rating of [0, 6, 2.5, -1]) {
      assertError(await api("POST", `${S}/${p.sessionId}/rate`, { token: p.a.token, body: { rating } }), 422, "INVALID_RATING");
    }
    for (const body of [{}, { rating: "5" }, { rating: 5, extra: true }, { rating: 5, feedback: 3 }, { rating: 5, feedback: "x".repeat(501) }]) {
      assertError(await api("POST", `${S}/${p.sessionId}/rate`, { token: p.a.token, body }), 400, "INVALID_REQUEST");
    }
    assertError(await api("POST", `${S}/${p.sessionId}/rate`, { token: stranger.token, body: { rating: 5 } }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("POST", `${S}/${UNKNOWN_ID}/rate`, { token: p.a.token, body: { rating: 5 } }), 404, "SESSION_NOT_FOUND");

    const first = await api<{ success: boolean; averageRating: number }>("POST", `${S}/${p.sessionId}/rate`, { token: p.a.token, body: { rating: 5, feedback: "great" } });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body, { success: true, averageRating: 5 });
    const second = await api<{ averageRating: number }>("POST", `${S}/${p.sessionId}/rate`, { token: p.b.token, body: { rating: 4 } });
    assert.equal(second.body.averageRating, 4.5);
    const edited = await api<{ averageRating: number }>("POST", `${S}/${p.sessionId}/rate`, { token: p.a.token, body: { rating: 3 } });
    assert.equal(edited.body.averageRating, 3.5);
    const rated = await api<SessionBody>("GET", `${S}/${p.sessionId}`, { token: p.a.token });
    assert.equal(rated.body.session.averageRating, 3.5);
  });

  it("lists ended conversations in /history, newest first, with my rating and the partner's name", async () => {
    const first = await activePair("de", "culture.cinema", "B2");
    rooms.push(...first.rooms);
    assert.equal((await api("POST", `${S}/${first.sessionId}/end`, { token: first.a.token })).status, 200);
    await first.ja.inbox.next("session_ended");
    assert.equal((await api("POST", `${S}/${first.sessionId}/rate`, { token: first.a.token, body: { rating: 4 } })).status, 200);

    const history = await api<HistoryBody>("GET", "/api/conversations/history", { token: first.a.token });
    assert.equal(history.status, 200, JSON.stringify(history.body));
    assert.equal(history.body.total, 1);
    assert.equal(history.body.hasMore, false);
    const [entry] = history.body.conversations;
    assert.ok(entry);
    assert.equal(entry.sessionId, first.sessionId);
    assert.equal(entry.topicCode, "culture.cinema");
    assert.equal(entry.topicNameKey, "topics.culture.cinema.name");
    assert.equal(entry.partnerDisplayName, "ben");
    assert.equal(entry.myRating, 4);
    assert.equal(entry.transcriptAvailable, false);
    assert.ok(Date.parse(entry.completedAt) > 0);

    const partner = await api<HistoryBody>("GET", "/api/conversations/history?limit=1&offset=0", { token: first.b.token });
    assert.equal(partner.body.conversations[0]?.myRating, undefined);
    assert.equal(partner.body.conversations[0]?.partnerDisplayName, "ana");
    const otherLanguage = await api<HistoryBody>("GET", "/api/conversations/history?targetLanguageCode=en", { token: first.a.token });
    assert.equal(otherLanguage.body.total, 0);
    const paged = await api<HistoryBody>("GET", "/api/conversations/history?limit=1&offset=1", { token: first.a.token });
    assert.deepEqual(paged.body, { conversations: [], total: 1, hasMore: false });

    assertError(await api("GET", `/api/conversations/history?userId=${first.b.userId}`, { token: first.a.token }), 403, "FORBIDDEN");
    const mine = await api<HistoryBody>("GET", `/api/conversations/history?userId=${first.a.userId}`, { token: first.a.token });
    assert.equal(mine.status, 200);
    const admin = await restUser("admin", { nativeLanguageCode: "en", levels: {}, roles: ["admin"] });
    const asAdmin = await api<HistoryBody>("GET", `/api/conversations/history?userId=${first.a.userId}`, { token: admin.token });
    assert.equal(asAdmin.body.total, 1);
    const adminDetails = await api<SessionBody>("GET", `${S}/${first.sessionId}`, { token: admin.token });
    assert.equal(adminDetails.status, 200);

    for (const query of ["limit=0", "limit=101", "limit=abc", "limit=-1", "limit=1.5", "limit=1e2", "offset=-3", "offset=x", "limit=1&limit=2", "sort=asc", "targetLanguageCode=EN", "userId="]) {
      assertError(await api("GET", `/api/conversations/history?${query}`, { token: first.a.token }), 400, "INVALID_REQUEST");
    }
  });

  it("answers the transcript status: unavailable without recording, ready once transcript.ready arrived", async () => {
    const { a, sessionId } = await restMatch("es", "culture.cinema", "B2");
    assert.deepEqual((await api("GET", `${S}/${sessionId}/transcript`, { token: a.token })).body, { status: "unavailable" }, "no consent: nothing recorded");
    await (await testServer()).parley.store.sessions.patch(sessionId, { transcriptId: "t-1", transcriptUrl: "https://feedback.example/t-1" });
    assert.deepEqual((await api("GET", `${S}/${sessionId}/transcript`, { token: a.token })).body, { status: "ready", transcriptId: "t-1", url: "https://feedback.example/t-1" });
    const stranger = await restUser("stranger", { nativeLanguageCode: "fr", levels: {} });
    assertError(await api("GET", `${S}/${sessionId}/transcript`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("GET", `${S}/${UNKNOWN_ID}/transcript`, { token: a.token }), 404, "SESSION_NOT_FOUND");
  });

  it("lets a participant leave for good: the partner is told and the early session is aborted", async () => {
    const p = await activePair("es", "work.remote_work", "B2");
    rooms.push(...p.rooms);
    await p.jb.inbox.next("new_prompt");
    const stranger = await restUser("stranger", { nativeLanguageCode: "fr", levels: {} });
    assertError(await api("POST", `${S}/${p.sessionId}/leave`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("POST", `${S}/${UNKNOWN_ID}/leave`, { token: p.a.token }), 404, "SESSION_NOT_FOUND");
    assertError(await api("POST", `${S}/${p.sessionId}/leave`, { token: p.a.token, body: { reason: "bye" } }), 400, "INVALID_REQUEST");

    const left = await api("POST", `${S}/${p.sessionId}/leave`, { token: p.a.token });
    assert.equal(left.status, 200, JSON.stringify(left.body));
    assert.deepEqual(left.body, { success: true });
    const gone = await p.jb.inbox.next<{ partnerId: string; reason: string }>("partner_left");
    assert.equal(gone.partnerId, p.a.userId);
    const ended = await p.jb.inbox.next<{ status: string; reason: string }>("session_ended");
    assert.equal(ended.status, "aborted");
    assert.equal(ended.reason, "partner_left");
    const details = await api<SessionBody>("GET", `${S}/${p.sessionId}`, { token: p.b.token });
    assert.equal(details.body.session.status, "aborted");
    assert.equal((await api("POST", `${S}/${p.sessionId}/leave`, { token: p.b.token })).status, 200, "leaving an ended session is a no-op");
  });

  it("leaves a waiting session before anyone joined: the session expires", async () => {
    const { a, b, sessionId } = await restMatch("de", "work.remote_work", "B2");
    assert.equal((await api("POST", `${S}/${sessionId}/leave`, { token: b.token })).status, 200);
    const deadline = Date.now() + 3000;
    let status = "waiting";
    while (status === "waiting" && Date.now() < deadline) {
      status = (await api<SessionBody>("GET", `${S}/${sessionId}`, { token: a.token })).body.session.status;
      if (status === "waiting") await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(status, "expired");
    assertError(await api("POST", `${S}/${sessionId}/join`, { token: a.token }), 409, "SESSION_NOT_ACTIVE");
  });

  it("files reports: 201, one per reporter per reported user per session (409 ALREADY_REPORTED), blocks on request, refuses bad targets", async () => {
    const { a, b, sessionId } = await restMatch("fr", "work.remote_work", "B2");
    const report = (token: string, body: unknown) => api<{ success: boolean; flaggedForReview: boolean; reportId: string }>("POST", `${S}/${sessionId}/report`, { token, body });

    const firstReport = await report(a.token, { reportedUserId: b.userId, reason: "spam", details: "kept sending links", block: true });
    assert.equal(firstReport.status, 201, JSON.stringify(firstReport.body));
    assert.equal(firstReport.body.success, true);
    assert.equal(firstReport.body.flaggedForReview, false);
    assert.equal(typeof firstReport.body.reportId, "string");
    assertError(await report(a.token, { reportedUserId: b.userId, reason: "harassment" }), 409, "ALREADY_REPORTED");
    const back = await report(b.token, { reportedUserId: a.userId, reason: "other" });
    assert.equal(back.status, 201, "the other participant may report too");

    assertError(await report(a.token, { reportedUserId: a.userId, reason: "spam" }), 400, "INVALID_REQUEST");
    assertError(await report(a.token, { reportedUserId: "someone-else", reason: "spam" }), 400, "INVALID_REQUEST");
    assertError(await report(a.token, { reportedUserId: b.userId, reason: "rude" }), 400, "INVALID_REQUEST");
    assertError(await report(a.token, { reportedUserId: b.userId, reason: "spam", block: "yes" }), 400, "INVALID_REQUEST");
    assertError(await report(a.token, { reportedUserId: b.userId, reason: "spam", details: "x".repeat(1001) }), 400, "INVALID_REQUEST");
    assertError(await report(a.token, { reportedUserId: b.userId }), 400, "INVALID_REQUEST");
    const stranger = await restUser("stranger", { nativeLanguageCode: "fr", levels: {} });
    assertError(await report(stranger.token, { reportedUserId: b.userId, reason: "spam" }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("POST", `${S}/${UNKNOWN_ID}/report`, { token: a.token, body: { reportedUserId: b.userId, reason: "spam" } }), 404, "SESSION_NOT_FOUND");

    const { parley } = await testServer();
    assert.deepEqual(await parley.store.moderation.blockedPeers(a.userId), [b.userId]);
    const reported = (await parley.store.moderation.listReports(100_000, 0)).items.filter((r) => r.sessionId === sessionId);
    assert.equal(reported.length, 2);
    const published = await pollFor("participant.reported events", async () => {
      const mine = (await publishedEvents()).filter((e) => e.eventType === "participant.reported" && e.payload.sessionId === sessionId);
      return mine.length === 2 ? mine : undefined;
    });
    assert.deepEqual(published.map((e) => [e.key, e.payload.reporterUserId, e.payload.reportCount, e.payload.flaggedForReview]), [
      [b.userId, a.userId, 1, false],
      [a.userId, b.userId, 1, false],
    ]);
  });
});

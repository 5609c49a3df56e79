import assert from "node:assert/strict";
import { clock, testServer } from "../support/testServer.js";
import { api, assertError, pollFor, premium, restMatch, restUser, sessionIdOf, UNKNOWN_ID, type MatchStatus } from "./restSupport.js";

const MATCH = "/api/conversations/match-request";

interface Created {
  matchRequest: { id: string; status: string; estimatedWaitTimeSeconds: number; expiresAt: string };
}

describe("http: match requests (POST/DELETE /match-request, GET /match-request/status)", () => {
  before(async () => {
    await testServer();
  });
  afterEach(() => {
    clock.offsetMs = 0;
  });

  it("creates a pending ticket (201) and reports it in /status until it is cancelled", async () => {
    const u = await restUser("solo", premium("de", "C2"));
    const created = await api<Created>("POST", MATCH, { token: u.token, body: { targetLanguageCode: "de", topicCode: "hobbies.art", maxWaitTimeSeconds: 300 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id, status, estimatedWaitTimeSeconds, expiresAt } = created.body.matchRequest;
    assert.equal(status, "pending");
    assert.equal(typeof estimatedWaitTimeSeconds, "number");
    assert.ok(Date.parse(expiresAt) > Date.now() + 290_000);

    const pending = await api<MatchStatus>("GET", `${MATCH}/status`, { token: u.token });
    assert.equal(pending.status, 200);
    assert.equal(pending.body.matchRequest.id, id);
    assert.equal(pending.body.matchRequest.status, "pending");
    assert.equal(pending.body.matchRequest.sessionId, undefined);
    assert.equal(pending.body.matchRequest.stage, undefined, "no explanation before a match");
    assert.ok(pending.body.matchRequest.waitedSeconds >= 0);

    const again = await api("POST", MATCH, { token: u.token, body: { targetLanguageCode: "de", topicCode: "hobbies.art" } });
    assertError(again, 409, "ALREADY_MATCHED");

    const cancelled = await api("DELETE", `${MATCH}/${id}`, { token: u.token });
    assert.equal(cancelled.status, 200);
    assert.deepEqual(cancelled.body, { success: true });
    const after = await api<MatchStatus>("GET", `${MATCH}/status`, { token: u.token });
    assert.equal(after.body.matchRequest.status, "cancelled");
    const twice = await api("DELETE", `${MATCH}/${id}`, { token: u.token });
    assert.equal(twice.status, 200, "DELETE is idempotent");
  });

  it("matches two learners of the same queue, topic and level; status then gives the session", async () => {
    const { a, b, sessionId } = await restMatch("fr", "culture.media", "C1");
    const status = await api<MatchStatus>("GET", `${MATCH}/status`, { token: a.token });
    assert.equal(status.body.matchRequest.status, "matched");
    assert.equal(status.body.matchRequest.sessionId, sessionId);
    // Explainable match (DESIGN §10): same level and topic at once, never talked before, premium.
    const { stage, levelDifference, scoreBreakdown, compatibilityScore } = status.body.matchRequest;
    assert.equal(stage, "strict");
    assert.equal(levelDifference, 0);
    assert.deepEqual(scoreBreakdown, { level: 50, tandem: 0, accent: 0, nativeLanguage: 0, notRecent: 30, premium: 50 });
    assert.equal(compatibilityScore, 130);
    const session = await api<{ session: { status: string; participants: { userId: string }[] } }>("GET", `/api/conversations/sessions/${sessionId}`, { token: b.token });
    assert.equal(session.status, 200);
    assert.deepEqual(session.body.session.participants.map((p) => p.userId).sort(), [a.userId, b.userId].sort());

    const del = await api("DELETE", `${MATCH}/${status.body.matchRequest.id}`, { token: a.token });
    assertError(del, 409, "ALREADY_MATCHED");
    const inSession = await api("POST", MATCH, { token: a.token, body: { targetLanguageCode: "fr", topicCode: "culture.media" } });
    assertError(inSession, 409, "ALREADY_IN_SESSION");
    // Neither learner was connected: each finds a match_found notification (issue 9).
    for (const learner of [a, b]) {
      const found = await pollFor(`${learner.userId}'s match_found notification`, async () => {
        const res = await api<{ notifications: { type: string; data: { sessionId?: string } }[] }>("GET", "/api/notifications", { token: learner.token });
        return res.body.notifications?.find((n) => n.type === "match_found");
      });
      assert.equal(found.data.sessionId, sessionId);
    }
  });

  it("answers 404 MATCH_REQUEST_NOT_FOUND for no ticket, an unknown one and someone else's", async () => {
    const u = await restUser("nobody", premium("es", "C2"));
    assertError(await api("GET", `${MATCH}/status`, { token: u.token }), 404, "MATCH_REQUEST_NOT_FOUND");
    assertError(await api("DELETE", `${MATCH}/${UNKNOWN_ID}`, { token: u.token }), 404, "MATCH_REQUEST_NOT_FOUND");

    const owner = await restUser("owner", premium("es", "C2"));
    const created = await api<Created>("POST", MATCH, { token: owner.token, body: { targetLanguageCode: "es", topicCode: "culture.language_identity" } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assertError(await api("DELETE", `${MATCH}/${created.body.matchRequest.id}`, { token: u.token }), 404, "MATCH_REQUEST_NOT_FOUND");
    assert.equal((await api("DELETE", `${MATCH}/${created.body.matchRequest.id}`, { token: owner.token })).status, 200);
  });

  it("answers 410 MATCH_EXPIRED when cancelling a ticket past its expiry", async () => {
    const u = await restUser("late", premium("en", "C2"));
    const created = await api<Created>("POST", MATCH, { token: u.token, body: { targetLanguageCode: "en", topicCode: "hobbies.art", maxWaitTimeSeconds: 30 } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    clock.offsetMs = 31_000;
    assertError(await api("DELETE", `${MATCH}/${created.body.matchRequest.id}`, { token: u.token }), 410, "MATCH_EXPIRED");
    const status = await api<MatchStatus>("GET", `${MATCH}/status`, { token: u.token });
    assert.ok(status.body.matchRequest.waitedSeconds <= 31);
  });

  it("refuses bad bodies with 400 INVALID_REQUEST and never reaches a room", async () => {
    const u = await restUser("bad", premium("en", "B1"));
    const bad: unknown[] = [
      {},
      { targetLanguageCode: "en" },
      { topicCode: "daily_life.introductions" },
      { targetLanguageCode: "en", topicCode: "daily_life.introductions", extra: 1 },
      { targetLanguageCode: 7, topicCode: "daily_life.introductions" },
      { targetLanguageCode: "english", topicCode: "daily_life.introductions" },
      { targetLanguageCode: "en", topicCode: "Not A Code" },
      { targetLanguageCode: "en", topicCode: "daily_life.introductions", mode: "later" },
      { targetLanguageCode: "en", topicCode: "daily_life.introductions", maxWaitTimeSeconds: 5 },
      { targetLanguageCode: "en", topicCode: "daily_life.introductions", maxWaitTimeSeconds: "60" },
      { targetLanguageCode: "en", topicCode: "daily_life.introductions", recordingConsent: "yes" },
      [],
      "en",
    ];
    for (const body of bad) {
      assertError(await api("POST", MATCH, { token: u.token, body }), 400, "INVALID_REQUEST");
    }
    assertError(await api("POST", MATCH, { token: u.token }), 400, "INVALID_REQUEST");
    assertError(await api("POST", MATCH, { token: u.token, raw: "{\"targetLanguageCode\": " }), 400, "INVALID_REQUEST");
    assertError(await api("POST", `${MATCH}?x=1`, { token: u.token, body: { targetLanguageCode: "en", topicCode: "daily_life.introductions" } }), 400, "INVALID_REQUEST");
    assertError(await api("DELETE", `${MATCH}/not-a-uuid`, { token: u.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${MATCH}/status?verbose=1`, { token: u.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${MATCH}/status`, { token: u.token }), 404, "MATCH_REQUEST_NOT_FOUND");
  });

  it("applies the admission rules: unknown topic, locked topic, tandem in one's own language", async () => {
    const free = await restUser("free", { nativeLanguageCode: "fr", levels: { en: "A1" } });
    assertError(await api("POST", MATCH, { token: free.token, body: { targetLanguageCode: "en", topicCode: "nothing.here" } }), 404, "TOPIC_NOT_FOUND");
    assertError(await api("POST", MATCH, { token: free.token, body: { targetLanguageCode: "en", topicCode: "restaurant.ordering" } }), 403, "TOPIC_LOCKED");
    assertError(await api("POST", MATCH, { token: free.token, body: { targetLanguageCode: "en", topicCode: "work.leadership" } }), 403, "TOPIC_LOCKED");
    assertError(await api("POST", MATCH, { token: free.token, body: { targetLanguageCode: "fr", topicCode: "hobbies.free_time", sessionType: "tandem", currentLevel: "A1" } }), 400, "INVALID_REQUEST");
    assertError(await api("POST", MATCH, { token: free.token, body: { targetLanguageCode: "de", topicCode: "hobbies.free_time" } }), 400, "INVALID_REQUEST");
    assertError(await api("POST", MATCH, { token: free.token, body: { targetLanguageCode: "en", topicCode: "hobbies.free_time", mode: "scheduled", scheduledFor: new Date(Date.now() + 3600_000).toISOString() } }), 403, "PREMIUM_REQUIRED");
    assertError(await api("GET", `${MATCH}/status`, { token: free.token }), 404, "MATCH_REQUEST_NOT_FOUND");

    const skilled = await restUser("skilled", { nativeLanguageCode: "fr", levels: { en: "A1" }, skills: ["restaurant_vocab.en"] });
    const ok = await api<Created>("POST", MATCH, { token: skilled.token, body: { targetLanguageCode: "en", topicCode: "restaurant.ordering" } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal((await api("DELETE", `${MATCH}/${ok.body.matchRequest.id}`, { token: skilled.token })).status, 200);
  });

  it("puts tandem tickets in the language-pair queue and matches reciprocal learners", async () => {
    const a = await restUser("tan-a", { nativeLanguageCode: "fr", levels: { en: "B2" }, tier: "premium" });
    const b = await restUser("tan-b", { nativeLanguageCode: "en", levels: { fr: "B2" }, tier: "premium" });
    const ra = await api("POST", MATCH, { token: a.token, body: { targetLanguageCode: "en", topicCode: "work.remote_work", sessionType: "tandem" } });
    assert.equal(ra.status, 201, JSON.stringify(ra.body));
    const rb = await api("POST", MATCH, { token: b.token, body: { targetLanguageCode: "fr", topicCode: "work.remote_work", sessionType: "tandem" } });
    assert.equal(rb.status, 201, JSON.stringify(rb.body));
    assert.equal(await sessionIdOf(a), await sessionIdOf(b));
  });
});

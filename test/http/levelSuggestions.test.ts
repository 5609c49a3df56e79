import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { EventEnvelope } from "../../src/events/envelope.js";
import type { RatingRecord, SessionRecord } from "../../src/store/records.js";
import { publishedEvents, testServer } from "../support/testServer.js";
import { api, assertError, pollFor, restUser, type RestUser } from "./restSupport.js";

const SUGGESTIONS = "/api/conversations/level-suggestions";

interface SuggestionsBody {
  suggestions: { languageCode: string; currentLevel: string; suggestedLevel: string; evidence: { sessions: number; higher: number; right: number; lower: number } }[];
}

/** An ended pair session of `me` (B1 learner of en) and `partner`, written straight to the store. */
async function storedSession(me: string, partner: string, ratings: RatingRecord[] = []): Promise<string> {
  const { parley } = await testServer();
  const id = randomUUID();
  const participant = (userId: string, role: "learner" | "partner") => ({
    userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role, tier: "free" as const,
    recordingConsent: false, spokenSeconds: 0, turnCount: 0,
  });
  const session: SessionRecord = {
    id, sessionType: "practice", targetLanguageCode: "en", topicCode: "hobbies.music", targetLevel: "B1", status: "completed",
    participants: [participant(me, "learner"), participant(partner, "partner")], prompts: [], matchRequestIds: [],
    createdAt: new Date(), updatedAt: new Date(), endedAt: new Date(), durationSeconds: 300, ratings,
  };
  await parley.store.sessions.create(session);
  return id;
}

/** The published events of `type` about `userId` (the file publisher of the test server). */
async function publishedEventsOf(type: string, userId: string): Promise<EventEnvelope[]> {
  return (await publishedEvents()).filter((e) => e.eventType === type && e.payload.userId === userId);
}

describe("http: level drift (partnerLevelFeedback, GET /level-suggestions, level.suggested)", () => {
  let me: RestUser;
  let partners: RestUser[];
  before(async () => {
    await testServer();
    me = await restUser("drifter", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    partners = await Promise.all([1, 2, 3, 4, 5].map((i) => restUser(`partner${i}`, { nativeLanguageCode: "de", levels: { en: "B1" } })));
  });

  it("suggests the next level after the fifth session where partners felt the level higher, and publishes level.suggested once", async () => {
    for (const p of partners.slice(0, 4)) await storedSession(me.userId, p.userId, [{ userId: p.userId, rating: 5, partnerLevelFeedback: "higher", ratedAt: new Date() }]);
    const four = await api<SuggestionsBody>("GET", SUGGESTIONS, { token: me.token });
    assert.equal(four.status, 200, JSON.stringify(four.body));
    assert.deepEqual(four.body, { suggestions: [] }, "4 sessions are not enough");

    const fifth = partners[4] as RestUser;
    const sessionId = await storedSession(me.userId, fifth.userId);
    const rated = await api("POST", `/api/conversations/sessions/${sessionId}/rate`, { token: fifth.token, body: { rating: 4, partnerLevelFeedback: "higher" } });
    assert.equal(rated.status, 200, JSON.stringify(rated.body));
    const five = await api<SuggestionsBody>("GET", SUGGESTIONS, { token: me.token });
    assert.deepEqual(five.body, { suggestions: [{ languageCode: "en", currentLevel: "B1", suggestedLevel: "B2", evidence: { sessions: 5, higher: 5, right: 0, lower: 0 } }] });
    assert.deepEqual((await api<SuggestionsBody>("GET", `${SUGGESTIONS}?languageCode=de`, { token: me.token })).body, { suggestions: [] });
    const { parley } = await testServer();
    assert.equal((await parley.store.sessions.get(sessionId))?.ratings[0]?.partnerLevelFeedback, "higher", "stored with the rating");

    const suggested = await pollFor("level.suggested", async () => {
      const found = await publishedEventsOf("level.suggested", me.userId);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(suggested.map((e) => [e.key, e.payload.languageCode, e.payload.suggestedLevel, e.payload.sessionId]), [[me.userId, "en", "B2", sessionId]]);

    // An edit that changes nothing of the suggestion publishes no second one.
    const edited = await api("POST", `/api/conversations/sessions/${sessionId}/rate`, { token: fifth.token, body: { rating: 5, partnerLevelFeedback: "higher" } });
    assert.equal(edited.status, 200);
    await pollFor("the edit's conversation.rated", async () => ((await publishedEventsOf("conversation.rated", fifth.userId)).some((e) => e.payload.rating === 5) ? true : undefined));
    assert.equal((await publishedEventsOf("level.suggested", me.userId)).length, 1);
  });

  it("refuses bad feedback and bad query parameters with 400, never 500", async () => {
    const other = await restUser("rater", { nativeLanguageCode: "de", levels: { en: "B1" } });
    const sessionId = await storedSession(me.userId, other.userId);
    for (const partnerLevelFeedback of ["much", 3, null, true, ["higher"]]) {
      assertError(await api("POST", `/api/conversations/sessions/${sessionId}/rate`, { token: other.token, body: { rating: 4, partnerLevelFeedback } }), 400, "INVALID_REQUEST");
    }
    for (const query of ["languageCode=1", "languageCode=en&languageCode=fr", "foo=1", "languageCode="]) {
      assertError(await api("GET", `${SUGGESTIONS}?${query}`, { token: me.token }), 400, "INVALID_REQUEST");
    }
    assertError(await api("GET", SUGGESTIONS), 401, "UNAUTHORIZED");
  });
});

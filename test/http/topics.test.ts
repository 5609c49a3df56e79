import assert from "node:assert/strict";
import { testServer } from "../support/testServer.js";
import { api, assertError, restUser, type RestUser } from "./restSupport.js";

const T = "/api/conversations/topics";

interface TopicSummary {
  code: string;
  nameKey: string;
  descriptionKey: string;
  name: string;
  description: string;
  level: string;
  category: string;
  estimatedDurationMinutes: number;
  popularityScore: number;
  isUnlocked: boolean;
  lockReason?: string;
  requiredSkills?: string[];
}

describe("http: topics (GET /topics, GET /topics/:code)", () => {
  let free: RestUser;
  let skilled: RestUser;
  let premium: RestUser;
  before(async () => {
    await testServer();
    free = await restUser("free", { nativeLanguageCode: "fr", levels: { en: "A1" } });
    skilled = await restUser("skilled", { nativeLanguageCode: "fr", levels: { en: "A1" }, skills: ["restaurant_vocab.en"] });
    premium = await restUser("premium", { nativeLanguageCode: "fr", levels: { en: "C1" }, tier: "premium" });
  });

  it("lists a language's topics with texts and isUnlocked for a free learner (A1–A2, skills)", async () => {
    const res = await api<{ topics: TopicSummary[] }>("GET", `${T}?targetLanguageCode=en`, { token: free.token });
    assert.equal(res.status, 200);
    const byCode = new Map(res.body.topics.map((t) => [t.code, t]));
    assert.equal(res.body.topics.length, 15);
    const intro = byCode.get("daily_life.introductions");
    assert.ok(intro);
    assert.equal(intro.isUnlocked, true);
    assert.equal(intro.nameKey, "topics.daily_life.introductions.name");
    assert.equal(intro.descriptionKey, "topics.daily_life.introductions.description");
    assert.ok(intro.name.length > 0 && intro.description.length > 0);
    assert.equal(intro.level, "A1");
    assert.equal(intro.category, "daily_life");
    assert.equal(typeof intro.estimatedDurationMinutes, "number");
    assert.equal(typeof intro.popularityScore, "number");
    assert.equal(byCode.get("restaurant.ordering")?.isUnlocked, false);
    assert.equal(byCode.get("restaurant.ordering")?.lockReason, "SKILLS");
    assert.deepEqual(byCode.get("restaurant.ordering")?.requiredSkills, ["restaurant_vocab.en"]);
    assert.equal(byCode.get("work.leadership")?.isUnlocked, false);
    assert.equal(byCode.get("work.leadership")?.lockReason, "LEVEL");
    assert.deepEqual(res.body.topics.map((t) => t.level), [...res.body.topics.map((t) => t.level)].sort(), "A1 first");
  });

  it("unlocks skill topics with the skill and every topic for premium", async () => {
    const withSkill = await api<{ topics: TopicSummary[] }>("GET", `${T}?targetLanguageCode=en&level=A1`, { token: skilled.token });
    assert.ok(withSkill.body.topics.every((t) => t.level === "A1" && t.isUnlocked));
    const all = await api<{ topics: TopicSummary[] }>("GET", `${T}?targetLanguageCode=en`, { token: premium.token });
    assert.ok(all.body.topics.every((t) => t.isUnlocked && t.lockReason === undefined));
  });

  it("filters by level and category, and answers an unknown language with no topics", async () => {
    const culture = await api<{ topics: TopicSummary[] }>("GET", `${T}?targetLanguageCode=fr&category=culture`, { token: free.token });
    assert.ok(culture.body.topics.length > 0);
    assert.ok(culture.body.topics.every((t) => t.category === "culture"));
    const b1Travel = await api<{ topics: TopicSummary[] }>("GET", `${T}?targetLanguageCode=de&level=B1&category=travel`, { token: free.token });
    assert.deepEqual(b1Travel.body.topics.map((t) => t.code), ["travel.holidays"]);
    const none = await api<{ topics: TopicSummary[] }>("GET", `${T}?targetLanguageCode=ja`, { token: free.token });
    assert.deepEqual(none.body, { topics: [] });
  });

  it("refuses a missing language, a bad level or category, unknown and repeated parameters with 400", async () => {
    for (const query of ["", "?level=A1", "?targetLanguageCode=EN", "?targetLanguageCode=en&level=Z9", "?targetLanguageCode=en&category=sports", "?targetLanguageCode=en&page=2", "?targetLanguageCode=en&targetLanguageCode=fr"]) {
      assertError(await api("GET", `${T}${query}`, { token: free.token }), 400, "INVALID_REQUEST");
    }
  });

  it("gives a topic's details with its prompt keys but not their texts; 404 TOPIC_NOT_FOUND otherwise", async () => {
    const res = await api<{ topic: TopicSummary & { prompts: { promptKey: string; type: string; order: number; text?: string }[] } }>("GET", `${T}/restaurant.ordering?targetLanguageCode=es`, { token: free.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.topic.code, "restaurant.ordering");
    assert.equal(res.body.topic.isUnlocked, false);
    assert.ok(res.body.topic.prompts.length > 0);
    assert.equal(res.body.topic.prompts[0]?.type, "icebreaker");
    assert.equal(res.body.topic.prompts[0]?.promptKey, "restaurant.ordering.icebreaker.1");
    assert.ok(res.body.topic.prompts.every((p) => p.text === undefined));

    assertError(await api("GET", `${T}/travel.mars?targetLanguageCode=es`, { token: free.token }), 404, "TOPIC_NOT_FOUND");
    assertError(await api("GET", `${T}/restaurant.ordering?targetLanguageCode=ja`, { token: free.token }), 404, "TOPIC_NOT_FOUND");
    assertError(await api("GET", `${T}/restaurant.ordering`, { token: free.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${T}/Restaurant!?targetLanguageCode=es`, { token: free.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${T}/restaurant.ordering?targetLanguageCode=es&x=1`, { token: free.token }), 400, "INVALID_REQUEST");
  });

  it("unlocks a topic once its skill is acquired through lesson.events, before the token is renewed", async () => {
    const learner = await restUser("learning", { nativeLanguageCode: "fr", levels: { en: "A1" } });
    const before = await api<{ topic: TopicSummary }>("GET", `${T}/restaurant.ordering?targetLanguageCode=en`, { token: learner.token });
    assert.equal(before.body.topic.isUnlocked, false);
    const { parley } = await testServer();
    await parley.store.learnerSkills.add(learner.userId, "restaurant_vocab.en");
    const after = await api<{ topic: TopicSummary }>("GET", `${T}/restaurant.ordering?targetLanguageCode=en`, { token: learner.token });
    assert.equal(after.body.topic.isUnlocked, true);
  });
});

import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import type { CefrLevel } from "../../../src/topics/cefr.js";
import type { Topic } from "../../../src/topics/topic.js";
import { TopicCatalog } from "../../../src/topics/topicCatalog.js";
import { assertTopicAccessible, topicAccess, type TopicLearner } from "../../../src/topics/topicAccess.js";

function topic(level: CefrLevel, requiredSkills?: string[]): Topic {
  return {
    code: "travel.train_station",
    targetLanguageCode: "en",
    nameKey: "topics.travel.train_station.name",
    descriptionKey: "topics.travel.train_station.description",
    name: "At the train station",
    description: "Buy a ticket and find your platform.",
    level,
    category: "travel",
    prompts: [{ promptKey: "travel.train_station.icebreaker.1", type: "icebreaker", order: 1, text: "Do you take the train?" }],
    estimatedDurationMinutes: 10,
    isActive: true,
    popularityScore: 10,
    ...(requiredSkills ? { requiredSkills } : {}),
  };
}

const free: TopicLearner = { tier: "free", skills: [] };
const premium: TopicLearner = { tier: "premium", skills: [] };

function assertLocked(fn: () => unknown, mentions: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isParleyError(err), `not a ParleyError: ${String(err)}`);
    assert.equal(err.code, "TOPIC_LOCKED");
    assert.equal(err.status, 403);
    assert.match(err.message, mentions);
    return true;
  });
}

describe("topicAccess", () => {
  it("unlocks A1 and A2 topics without required skills for the free tier", () => {
    assert.deepEqual(topicAccess(topic("A1"), free), { unlocked: true });
    assert.deepEqual(topicAccess(topic("A2"), free), { unlocked: true });
  });

  for (const level of ["B1", "B2", "C1", "C2"] as const) {
    it(`locks ${level} topics for the free tier with reason LEVEL`, () => {
      assert.deepEqual(topicAccess(topic(level), free), { unlocked: false, reason: "LEVEL" });
    });
  }

  it("locks a free A1–A2 topic until every required skill is acquired", () => {
    const gated = topic("A2", ["travel_vocab.en", "numbers.en"]);
    assert.deepEqual(topicAccess(gated, free), { unlocked: false, reason: "SKILLS" });
    assert.deepEqual(topicAccess(gated, { tier: "free", skills: ["travel_vocab.en"] }), {
      unlocked: false,
      reason: "SKILLS",
    });
    assert.deepEqual(topicAccess(gated, { tier: "free", skills: ["numbers.en", "travel_vocab.en", "x.en"] }), {
      unlocked: true,
    });
  });

  it("does not accept a skill of another language", () => {
    assert.deepEqual(topicAccess(topic("A1", ["restaurant_vocab.en"]), { tier: "free", skills: ["restaurant_vocab.fr"] }), {
      unlocked: false,
      reason: "SKILLS",
    });
  });

  it("reports LEVEL when a free learner lacks both level and skills", () => {
    assert.deepEqual(topicAccess(topic("C1", ["debate.en"]), free), { unlocked: false, reason: "LEVEL" });
  });

  it("unlocks every topic for premium, skills or not", () => {
    for (const level of ["A1", "A2", "B1", "B2", "C1", "C2"] as const) {
      assert.deepEqual(topicAccess(topic(level, ["rare_skill.en"]), premium), { unlocked: true });
    }
  });

  it("applies to the seed: a new free learner gets only ungated A1–A2 topics", () => {
    const catalog = new TopicCatalog();
    const unlocked = catalog
      .list({ targetLanguageCode: "en" })
      .filter((t) => topicAccess(t, free).unlocked)
      .map((t) => t.code);
    assert.ok(unlocked.length > 0);
    assert.ok(!unlocked.includes("restaurant.ordering"));
    assert.ok(!unlocked.includes("work.leadership"));
    const ordering = catalog.get("en", "restaurant.ordering");
    assert.ok(ordering);
    assert.equal(topicAccess(ordering, { tier: "free", skills: ["restaurant_vocab.en"] }).unlocked, true);
  });
});

describe("assertTopicAccessible", () => {
  it("returns quietly when the topic is unlocked", () => {
    assert.equal(assertTopicAccessible(topic("A1"), free), undefined);
    assert.equal(assertTopicAccessible(topic("C2", ["x.en"]), premium), undefined);
  });

  it("throws TOPIC_LOCKED naming the level for a free learner on a B1+ topic", () => {
    assertLocked(() => assertTopicAccessible(topic("B2"), free), /travel\.train_station.*B2.*A1–A2.*premium/);
  });

  it("throws TOPIC_LOCKED listing only the missing skills", () => {
    const gated = topic("A1", ["travel_vocab.en", "numbers.en"]);
    assertLocked(
      () => assertTopicAccessible(gated, { tier: "free", skills: ["numbers.en"] }),
      /skills not acquired yet: travel_vocab\.en$/,
    );
  });
});

import assert from "node:assert/strict";
import { CEFR_LEVELS, cefrIndex } from "../../../src/topics/cefr.js";
import { SEED_LANGUAGES, SEED_TOPICS } from "../../../src/topics/seed/index.js";
import { TOPIC_CATEGORIES, type Topic } from "../../../src/topics/topic.js";
import { TopicCatalog, topicSchema } from "../../../src/topics/topicCatalog.js";

const catalog = new TopicCatalog();

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word.length > 0).length;
}

function averagePromptWords(topics: readonly Topic[]): number {
  const prompts = topics.flatMap((topic) => topic.prompts);
  return prompts.reduce((sum, prompt) => sum + wordCount(prompt.text), 0) / prompts.length;
}

describe("seed topics", () => {
  it("are all valid according to topicSchema", () => {
    for (const topic of SEED_TOPICS) {
      const result = topicSchema.safeParse(topic);
      assert.ok(result.success, `${topic.targetLanguageCode}:${topic.code} → ${result.error?.message ?? ""}`);
    }
  });

  it("have a unique (language, code) pair and load into the default catalog", () => {
    const keys = SEED_TOPICS.map((topic) => `${topic.targetLanguageCode}:${topic.code}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.deepEqual(catalog.languages(), [...SEED_LANGUAGES].sort());
  });

  for (const lang of SEED_LANGUAGES) {
    describe(`in ${lang}`, () => {
      const topics = catalog.list({ targetLanguageCode: lang, includeInactive: true });

      it("has at least 12 active topics", () => {
        assert.ok(topics.length >= 12, `${topics.length} topics`);
        assert.ok(topics.every((topic) => topic.isActive));
      });

      it("has at least two topics at every CEFR level A1–C2", () => {
        for (const level of CEFR_LEVELS) {
          const count = topics.filter((topic) => topic.level === level).length;
          assert.ok(count >= 2, `${level}: ${count} topics`);
        }
      });

      it("covers all five categories", () => {
        for (const category of TOPIC_CATEGORIES) {
          assert.ok(
            topics.some((topic) => topic.category === category),
            `no ${category} topic`,
          );
        }
      });

      it("gives every topic ≥ 6 prompts: ≥ 1 icebreaker, ≥ 3 main, ≥ 2 follow_up", () => {
        for (const topic of topics) {
          const count = (type: string) => topic.prompts.filter((prompt) => prompt.type === type).length;
          assert.ok(topic.prompts.length >= 6, `${topic.code}: ${topic.prompts.length} prompts`);
          assert.ok(count("icebreaker") >= 1, `${topic.code}: no icebreaker`);
          assert.ok(count("main") >= 3, `${topic.code}: ${count("main")} main`);
          assert.ok(count("follow_up") >= 2, `${topic.code}: ${count("follow_up")} follow_up`);
        }
      });

      it("uses unique prompt keys of the form <code>.<type>.<order> and non-empty texts", () => {
        const allKeys = topics.flatMap((topic) => topic.prompts.map((prompt) => prompt.promptKey));
        assert.equal(new Set(allKeys).size, allKeys.length, "prompt keys repeat within the language");
        for (const topic of topics) {
          for (const prompt of topic.prompts) {
            assert.equal(prompt.promptKey, `${topic.code}.${prompt.type}.${prompt.order}`);
            assert.ok(prompt.text.trim().length > 0, `${prompt.promptKey} has no text`);
          }
        }
      });

      it("uses codes like area.subject and i18n keys topics.<code>.name / .description", () => {
        for (const topic of topics) {
          assert.match(topic.code, /^[a-z_]+\.[a-z_]+$/);
          assert.equal(topic.nameKey, `topics.${topic.code}.name`);
          assert.equal(topic.descriptionKey, `topics.${topic.code}.description`);
          assert.ok(topic.name.trim().length > 0 && topic.description.trim().length > 0);
        }
      });

      it("keeps durations within 10–20 minutes and popularity within 0–100", () => {
        for (const topic of topics) {
          assert.ok(topic.estimatedDurationMinutes >= 10 && topic.estimatedDurationMinutes <= 20, topic.code);
          assert.ok(topic.popularityScore >= 0 && topic.popularityScore <= 100, topic.code);
        }
      });

      it("has at least two skill-gated topics, one of them at A1–A2, with skills of this language", () => {
        const gated = topics.filter((topic) => (topic.requiredSkills ?? []).length > 0);
        assert.ok(gated.length >= 2, `${gated.length} gated topics`);
        assert.ok(gated.some((topic) => cefrIndex(topic.level) <= cefrIndex("A2")));
        for (const skill of gated.flatMap((topic) => topic.requiredSkills ?? [])) {
          assert.ok(skill.endsWith(`.${lang}`), `${skill} is not a ${lang} skill`);
        }
      });

      it("asks longer questions at C2 than at A1", () => {
        const a1 = averagePromptWords(topics.filter((topic) => topic.level === "A1"));
        const c2 = averagePromptWords(topics.filter((topic) => topic.level === "C2"));
        assert.ok(a1 < 10, `A1 prompts average ${a1.toFixed(1)} words`);
        assert.ok(c2 > 1.5 * a1, `A1 ${a1.toFixed(1)} vs C2 ${c2.toFixed(1)} words`);
      });
    });
  }

  it("offers the same codes with the same level and category in every language", () => {
    const reference = new Map(SEED_TOPICS.filter((t) => t.targetLanguageCode === "en").map((t) => [t.code, t]));
    for (const lang of SEED_LANGUAGES) {
      const topics = catalog.list({ targetLanguageCode: lang });
      assert.deepEqual(topics.map((t) => t.code).sort(), [...reference.keys()].sort(), `${lang} codes`);
      for (const topic of topics) {
        const en = reference.get(topic.code);
        assert.equal(topic.level, en?.level, `${lang}:${topic.code} level`);
        assert.equal(topic.category, en?.category, `${lang}:${topic.code} category`);
      }
    }
  });

  it("is written in each language rather than copied from another", () => {
    for (const topic of SEED_TOPICS) {
      for (const other of SEED_TOPICS) {
        if (other.code !== topic.code || other.targetLanguageCode === topic.targetLanguageCode) continue;
        assert.notEqual(topic.name, other.name, `${topic.code}: same name in ${topic.targetLanguageCode} and ${other.targetLanguageCode}`);
        const shared = topic.prompts.filter((p) => other.prompts.some((q) => q.text === p.text));
        assert.deepEqual(shared, [], `${topic.code}: prompts shared by ${topic.targetLanguageCode} and ${other.targetLanguageCode}`);
      }
    }
  });
});

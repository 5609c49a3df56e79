import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import { cefrIndex } from "../../../src/topics/cefr.js";
import type { Topic } from "../../../src/topics/topic.js";
import { TopicCatalog, parseTopic, topicSchema } from "../../../src/topics/topicCatalog.js";

function topic(overrides: Partial<Topic> = {}): Topic {
  const code = overrides.code ?? "hobbies.gardening";
  return {
    code,
    targetLanguageCode: "en",
    nameKey: `topics.${code}.name`,
    descriptionKey: `topics.${code}.description`,
    name: "Gardening",
    description: "Talk about plants and gardens.",
    level: "A2",
    category: "hobbies",
    prompts: [
      { promptKey: `${code}.icebreaker.1`, type: "icebreaker", order: 1, text: "Do you have a garden?" },
      { promptKey: `${code}.main.1`, type: "main", order: 1, text: "What do you grow?" },
      { promptKey: `${code}.follow_up.1`, type: "follow_up", order: 1, text: "Why?" },
    ],
    estimatedDurationMinutes: 15,
    isActive: true,
    popularityScore: 50,
    ...overrides,
  };
}

/** Feeds an untyped value to upsert, as the admin REST would with a body. */
function upsertRaw(catalog: TopicCatalog, value: unknown): Topic {
  return catalog.upsert(value as Topic);
}

function assertInvalid(fn: () => unknown, mentions?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isParleyError(err), `not a ParleyError: ${String(err)}`);
    assert.equal(err.code, "INVALID_REQUEST");
    assert.equal(err.status, 400);
    if (mentions) assert.match(err.message, mentions);
    return true;
  });
}

describe("TopicCatalog", () => {
  describe("reading the seed catalog", () => {
    const catalog = new TopicCatalog();

    it("finds a topic by language and code, and nothing for an unknown pair", () => {
      const fr = catalog.get("fr", "restaurant.ordering");
      assert.equal(fr?.name, "Commander au restaurant");
      assert.equal(fr?.targetLanguageCode, "fr");
      assert.equal(catalog.get("it", "restaurant.ordering"), undefined);
      assert.equal(catalog.get("fr", "restaurant.nope"), undefined);
    });

    it("lists one language sorted by level, then code", () => {
      const list = catalog.list({ targetLanguageCode: "de" });
      assert.ok(list.length >= 12);
      assert.ok(list.every((t) => t.targetLanguageCode === "de"));
      for (let i = 1; i < list.length; i++) {
        const [prev, next] = [list[i - 1]!, list[i]!];
        const byLevel = cefrIndex(prev.level) - cefrIndex(next.level);
        assert.ok(byLevel < 0 || (byLevel === 0 && prev.code < next.code), `${prev.code} before ${next.code}`);
      }
      assert.equal(list[0]?.level, "A1");
      assert.equal(list.at(-1)?.level, "C2");
    });

    it("filters by level and by category, alone and together", () => {
      const b1 = catalog.list({ targetLanguageCode: "es", level: "B1" });
      assert.ok(b1.length >= 2 && b1.every((t) => t.level === "B1"));
      const work = catalog.list({ targetLanguageCode: "es", category: "work" });
      assert.ok(work.length >= 2 && work.every((t) => t.category === "work"));
      const both = catalog.list({ targetLanguageCode: "es", level: "B1", category: "work" });
      assert.deepEqual(
        both.map((t) => t.code),
        ["work.job_interview"],
      );
      assert.deepEqual(catalog.list({ targetLanguageCode: "xx" }), []);
    });

    it("reports a topic's category, or undefined when missing", () => {
      assert.equal(catalog.categoryOf("en", "travel.airport"), "travel");
      assert.equal(catalog.categoryOf("en", "travel.moon"), undefined);
    });

    it("returns frozen topics that callers cannot corrupt", () => {
      const found = catalog.get("en", "hobbies.music");
      assert.ok(found);
      assert.throws(() => {
        found.prompts[0]!.text = "hacked";
      }, TypeError);
      assert.notEqual(catalog.get("en", "hobbies.music")?.prompts[0]?.text, "hacked");
    });
  });

  describe("upsert and remove", () => {
    it("adds a new topic and replaces it on a second upsert", () => {
      const catalog = new TopicCatalog([]);
      assert.deepEqual(catalog.languages(), []);
      catalog.upsert(topic());
      assert.equal(catalog.get("en", "hobbies.gardening")?.name, "Gardening");
      catalog.upsert(topic({ name: "Gardens" }));
      assert.equal(catalog.get("en", "hobbies.gardening")?.name, "Gardens");
      assert.equal(catalog.list({ targetLanguageCode: "en" }).length, 1);
      assert.deepEqual(catalog.languages(), ["en"]);
    });

    it("keeps the same code apart in two languages", () => {
      const catalog = new TopicCatalog([topic(), topic({ targetLanguageCode: "fr", name: "Le jardinage" })]);
      assert.equal(catalog.get("fr", "hobbies.gardening")?.name, "Le jardinage");
      assert.equal(catalog.get("en", "hobbies.gardening")?.name, "Gardening");
      assert.deepEqual(catalog.languages(), ["en", "fr"]);
    });

    it("stores a copy: later changes to the caller's object do not leak in", () => {
      const catalog = new TopicCatalog([]);
      const input = topic();
      const stored = catalog.upsert(input);
      input.name = "Changed";
      input.prompts[0]!.text = "Changed";
      assert.equal(stored.name, "Gardening");
      assert.equal(catalog.get("en", "hobbies.gardening")?.prompts[0]?.text, "Do you have a garden?");
    });

    it("hides inactive topics unless includeInactive, but get still finds them", () => {
      const catalog = new TopicCatalog([topic({ isActive: false }), topic({ code: "hobbies.chess" })]);
      assert.deepEqual(
        catalog.list({ targetLanguageCode: "en" }).map((t) => t.code),
        ["hobbies.chess"],
      );
      assert.deepEqual(
        catalog.list({ targetLanguageCode: "en", includeInactive: true }).map((t) => t.code),
        ["hobbies.chess", "hobbies.gardening"],
      );
      assert.equal(catalog.get("en", "hobbies.gardening")?.isActive, false);
    });

    it("removes a topic once and reports whether it existed", () => {
      const catalog = new TopicCatalog();
      assert.equal(catalog.remove("en", "hobbies.music"), true);
      assert.equal(catalog.get("en", "hobbies.music"), undefined);
      assert.equal(catalog.get("fr", "hobbies.music")?.code, "hobbies.music");
      assert.equal(catalog.remove("en", "hobbies.music"), false);
    });

    it("refuses a duplicate (language, code) in the initial list", () => {
      assertInvalid(() => new TopicCatalog([topic(), topic({ name: "Again" })]), /duplicate topic en:hobbies\.gardening/);
    });
  });

  describe("validation", () => {
    const catalog = new TopicCatalog([]);

    it("accepts a valid topic with optional fields and trims its strings", () => {
      const stored = catalog.upsert(
        topic({ name: "  Gardening  ", requiredSkills: ["garden_vocab.en"], imageUrl: "https://cdn.example.com/g.webp" }),
      );
      assert.equal(stored.name, "Gardening");
      assert.deepEqual(stored.requiredSkills, ["garden_vocab.en"]);
    });

    const garbage: Array<[string, unknown, RegExp]> = [
      ["a non-object", "restaurant.ordering", /expected object/],
      ["null", null, /expected object/],
      ["an unknown top-level field", { ...topic(), id: "abc" }, /Unrecognized key/],
      ["an unknown prompt field", topic({ prompts: [...topic().prompts.map((p) => ({ ...p, audio: "x" }))] }), /prompts\.0.*Unrecognized key/],
      ["a numeric code", { ...topic(), code: 42 }, /code/],
      ["a code without a dot", topic({ code: "gardening" }), /code/],
      ["an upper-case code", topic({ code: "Hobbies.Garden" }), /code/],
      ["an unknown level", { ...topic(), level: "D1" }, /level/],
      ["an unknown category", { ...topic(), category: "other" }, /category/],
      ["isActive as a string", { ...topic(), isActive: "true" }, /isActive/],
      ["popularityScore above 100", topic({ popularityScore: 101 }), /popularityScore/],
      ["a fractional duration", topic({ estimatedDurationMinutes: 12.5 }), /estimatedDurationMinutes/],
      ["an empty name", topic({ name: "   " }), /name/],
      ["a language code that is not ISO", topic({ targetLanguageCode: "English" }), /targetLanguageCode/],
      ["no prompts", topic({ prompts: [] }), /prompts/],
      ["a prompt with empty text", topic({ prompts: [{ ...topic().prompts[0]!, text: "" }, topic().prompts[1]!] }), /prompts\.0\.text/],
      ["an unknown prompt type", { ...topic(), prompts: [{ promptKey: "a.b", type: "question", order: 1, text: "Hi?" }] }, /type/],
      [
        "duplicate prompt keys",
        topic({ prompts: [...topic().prompts, { ...topic().prompts[1]!, order: 2 }] }),
        /duplicate promptKey/,
      ],
      ["no icebreaker", topic({ prompts: topic().prompts.filter((p) => p.type !== "icebreaker") }), /icebreaker/],
      ["no main prompt", topic({ prompts: topic().prompts.filter((p) => p.type !== "main") }), /main/],
      ["requiredSkills as a string", { ...topic(), requiredSkills: "restaurant_vocab.en" }, /requiredSkills/],
      ["repeated requiredSkills", topic({ requiredSkills: ["a.en", "a.en"] }), /unique/],
      ["a javascript: imageUrl", topic({ imageUrl: "javascript:alert(1)" }), /imageUrl/],
    ];

    for (const [label, value, mentions] of garbage) {
      it(`rejects ${label} with INVALID_REQUEST and stores nothing`, () => {
        const empty = new TopicCatalog([]);
        assertInvalid(() => upsertRaw(empty, value), mentions);
        assert.deepEqual(empty.languages(), []);
      });
    }

    it("leaves the previous version in place when a replacement is invalid", () => {
      const own = new TopicCatalog([topic()]);
      assertInvalid(() => upsertRaw(own, { ...topic({ name: "Broken" }), level: "Z9" }));
      assert.equal(own.get("en", "hobbies.gardening")?.name, "Gardening");
    });

    it("exposes topicSchema and parseTopic for REST bodies", () => {
      assert.equal(topicSchema.safeParse(topic()).success, true);
      assert.equal(topicSchema.safeParse({ ...topic(), extra: true }).success, false);
      assert.equal(topicSchema.partial().safeParse({ name: "Only a name" }).success, true);
      assert.equal(parseTopic(topic()).code, "hobbies.gardening");
      assertInvalid(() => parseTopic({}), /code/);
    });
  });
});

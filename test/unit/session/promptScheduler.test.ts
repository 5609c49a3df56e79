import assert from "node:assert/strict";
import { PromptScheduler } from "../../../src/session/promptScheduler.js";
import { prompt, SIX_PROMPT_TOPIC, topicWith } from "./fixtures/topic.js";

const T0 = Date.UTC(2026, 10, 25, 12, 0, 0);
const S = 1000;

/** A random stub that returns `values` in turn, then repeats the last one. */
function stub(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)] ?? 0;
}

/** mulberry32: a small seeded PRNG for property-style checks. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("PromptScheduler (DESIGN §6, seed 002 §6.3)", () => {
  it("shows the icebreaker at start and schedules the next 180 s later when random() is 0", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0) });
    const first = p.start(T0);
    assert.equal(first?.promptKey, "icebreaker.1");
    assert.equal(first?.category, "icebreaker");
    assert.equal(first?.displayedAt, T0);
    assert.equal(first?.prompt.text, "icebreaker prompt 1");
    assert.equal(p.nextAt, T0 + 180 * S);
    assert.equal(p.count, 1);
    assert.equal(p.current, first);
  });

  it("schedules about 300 s later when random() is just below 1", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0.9999999) });
    p.start(T0);
    const next = p.nextAt ?? 0;
    assert.ok(next <= T0 + 300 * S, `${next - T0} ms`);
    assert.ok(next >= T0 + 300 * S - 1, `${next - T0} ms`);
  });

  it("scales the interval linearly between the bounds (0.5 → 240 s)", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0.5) });
    p.start(T0);
    assert.equal(p.nextAt, T0 + 240 * S);
  });

  it("keeps every interval within [min, max] for any random()", () => {
    const random = seeded(42);
    for (let run = 0; run < 200; run++) {
      const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random, maxPrompts: 2 });
      p.start(T0);
      const delay = (p.nextAt ?? 0) - T0;
      assert.ok(delay >= 180 * S && delay <= 300 * S, `${delay} ms`);
    }
  });

  it("clamps a misbehaving random() into the bounds", () => {
    const high = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(1.7) });
    high.start(T0);
    assert.equal(high.nextAt, T0 + 300 * S);
    const low = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(Number.NaN) });
    low.start(T0);
    assert.equal(low.nextAt, T0 + 180 * S);
  });

  it("honours configured interval bounds", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0.5), intervalMinSeconds: 10, intervalMaxSeconds: 20 });
    p.start(T0);
    assert.equal(p.nextAt, T0 + 15 * S);
  });

  it("shows nothing before the next prompt is due, then the next prompt at its time", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0, 0.5) });
    p.start(T0);
    assert.equal(p.due(T0 + 180 * S - 1), undefined);
    assert.equal(p.count, 1);
    const second = p.due(T0 + 180 * S);
    assert.equal(second?.promptKey, "follow_up.1");
    assert.equal(second?.displayedAt, T0 + 180 * S);
    assert.equal(p.nextAt, T0 + 180 * S + 240 * S);
  });

  it("shows one prompt per due() however late, and schedules from the moment shown", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0) });
    p.start(T0);
    const late = T0 + 1000 * S;
    assert.ok(p.due(late));
    assert.equal(p.due(late), undefined);
    assert.equal(p.nextAt, late + 180 * S);
  });

  it("stops at 5 prompts, the icebreaker included", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0) });
    p.start(T0);
    let now = T0;
    for (let i = 2; i <= 5; i++) {
      now = p.nextAt ?? assert.fail("nextAt missing");
      assert.ok(p.due(now), `prompt ${i}`);
    }
    assert.equal(p.count, 5);
    assert.equal(p.nextAt, undefined);
    assert.equal(p.due(now + 10_000 * S), undefined);
    assert.equal(p.requestNext(now + 10_000 * S), undefined);
    assert.deepEqual(
      p.shown.map((s) => s.promptKey),
      ["icebreaker.1", "follow_up.1", "follow_up.2", "main.1", "main.2"],
    );
    assert.deepEqual(
      p.shown.map((s) => s.category),
      ["icebreaker", "follow_up", "follow_up", "main_topic", "main_topic"],
    );
  });

  it("requestNext shows the next prompt now, reschedules, and counts toward the max", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0, 1 / 3), maxPrompts: 3 });
    p.start(T0);
    const asked = p.requestNext(T0 + 20 * S);
    assert.equal(asked?.promptKey, "follow_up.1");
    assert.equal(asked?.displayedAt, T0 + 20 * S);
    assert.equal(p.nextAt, T0 + 20 * S + 220 * S);
    assert.equal(p.requestNext(T0 + 30 * S)?.promptKey, "follow_up.2");
    assert.equal(p.requestNext(T0 + 40 * S), undefined);
    assert.equal(p.count, 3);
  });

  it("recycles main prompts when the topic has fewer prompts than the max", () => {
    const topic = topicWith([prompt("icebreaker", 1), prompt("main", 1), prompt("main", 2)]);
    const p = new PromptScheduler({ topic, random: stub(0) });
    p.start(T0);
    for (let i = 0; i < 4; i++) p.requestNext(T0 + i * S);
    assert.deepEqual(
      p.shown.map((s) => s.promptKey),
      ["icebreaker.1", "main.1", "main.2", "main.1", "main.2"],
    );
  });

  it("schedules nothing when the topic has nothing left to show", () => {
    const topic = topicWith([prompt("icebreaker", 1)]);
    const p = new PromptScheduler({ topic, random: stub(0) });
    p.start(T0);
    assert.equal(p.due(T0 + 180 * S), undefined);
    assert.equal(p.nextAt, undefined);
    assert.equal(new PromptScheduler({ topic: topicWith([]), random: stub(0) }).start(T0), undefined);
  });

  it("refuses to start twice", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0) });
    p.start(T0);
    assert.throws(() => p.start(T0 + 1), Error);
    assert.equal(p.count, 1);
  });

  it("shows nothing after stop()", () => {
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0) });
    p.start(T0);
    p.stop();
    assert.equal(p.nextAt, undefined);
    assert.equal(p.due(T0 + 1000 * S), undefined);
    assert.equal(p.requestNext(T0 + 1000 * S), undefined);
  });

  it("refuses inconsistent options", () => {
    assert.throws(() => new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0), intervalMinSeconds: 300, intervalMaxSeconds: 180 }), RangeError);
    assert.throws(() => new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0), maxPrompts: 0 }), RangeError);
  });
  it("switchTopic goes on with the next unused prompt of the other language's topic, shows one past maxPrompts, and tags each prompt's language", () => {
    const french = { ...SIX_PROMPT_TOPIC, targetLanguageCode: "fr", prompts: SIX_PROMPT_TOPIC.prompts.map((p) => ({ ...p, text: `fr ${p.text}` })) };
    const p = new PromptScheduler({ topic: SIX_PROMPT_TOPIC, random: stub(0), maxPrompts: 2 });
    p.start(T0);
    p.requestNext(T0 + S);
    assert.equal(p.requestNext(T0 + 2 * S), undefined, "the maximum holds before the switch");
    const switched = p.switchTopic(french, T0 + 3 * S);
    assert.equal(switched?.languageCode, "fr");
    assert.match(switched?.prompt.text ?? "", /^fr /);
    assert.ok(!["icebreaker.1", p.shown[1]?.promptKey].includes(switched?.promptKey), "not a prompt already shown");
    assert.deepEqual(p.shown.map((x) => x.languageCode), ["en", "en", "fr"]);
    assert.equal(p.requestNext(T0 + 4 * S), undefined, "and holds after it");
    p.stop();
    assert.equal(p.switchTopic(SIX_PROMPT_TOPIC, T0 + 5 * S), undefined, "nothing once stopped");
  });
});

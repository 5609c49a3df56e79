import assert from "node:assert/strict";
import { promptCategory, selectNextPrompt } from "../../../src/session/promptSelection.js";
import { prompt, SIX_PROMPT_TOPIC, topicWith } from "./fixtures/topic.js";

const keys = (...k: string[]) => k.map((promptKey) => ({ promptKey }));

/** Runs the selection `n` times, feeding each choice back as shown. */
function sequence(topic = SIX_PROMPT_TOPIC, n = 9): string[] {
  const shown: { promptKey: string }[] = [];
  for (let i = 0; i < n; i++) {
    const next = selectNextPrompt(topic, shown);
    if (next === undefined) break;
    shown.push({ promptKey: next.promptKey });
  }
  return shown.map((s) => s.promptKey);
}

describe("promptCategory", () => {
  it("maps main to main_topic and keeps the other types", () => {
    assert.equal(promptCategory("main"), "main_topic");
    assert.equal(promptCategory("icebreaker"), "icebreaker");
    assert.equal(promptCategory("follow_up"), "follow_up");
  });
});

describe("selectNextPrompt (seed 002 §6.3, DESIGN §6)", () => {
  it("starts with the icebreaker of lowest order", () => {
    assert.equal(selectNextPrompt(SIX_PROMPT_TOPIC, [])?.promptKey, "icebreaker.1");
  });

  it("then prefers unused follow_up > main > icebreaker, ties by order", () => {
    assert.deepEqual(sequence(SIX_PROMPT_TOPIC, 6), [
      "icebreaker.1",
      "follow_up.1",
      "follow_up.2",
      "main.1",
      "main.2",
      "icebreaker.2",
    ]);
  });

  it("recycles main prompts round-robin, least recently shown first, once all are used", () => {
    assert.deepEqual(sequence(SIX_PROMPT_TOPIC, 9).slice(6), ["main.1", "main.2", "main.1"]);
  });

  it("recycles by last showing, not by first showing", () => {
    const shown = keys("icebreaker.1", "follow_up.1", "follow_up.2", "main.2", "main.1", "icebreaker.2", "main.2");
    assert.equal(selectNextPrompt(SIX_PROMPT_TOPIC, shown)?.promptKey, "main.1");
  });

  it("skips shown prompts whatever the order they were shown in", () => {
    assert.equal(selectNextPrompt(SIX_PROMPT_TOPIC, keys("main.1", "follow_up.1"))?.promptKey, "follow_up.2");
    assert.equal(selectNextPrompt(SIX_PROMPT_TOPIC, keys("icebreaker.1", "follow_up.1", "follow_up.2"))?.promptKey, "main.1");
  });

  it("ignores shown keys that are not in the topic", () => {
    assert.equal(selectNextPrompt(SIX_PROMPT_TOPIC, keys("gone.1"))?.promptKey, "follow_up.1");
  });

  it("starts with the lowest main prompt when the topic has no icebreaker", () => {
    const topic = topicWith([prompt("follow_up", 1), prompt("main", 3), prompt("main", 2)]);
    assert.equal(selectNextPrompt(topic, [])?.promptKey, "main.2");
  });

  it("returns undefined for a topic without prompts", () => {
    assert.equal(selectNextPrompt(topicWith([]), []), undefined);
  });

  it("returns undefined when everything was shown and there is no main prompt to recycle", () => {
    const topic = topicWith([prompt("icebreaker", 1), prompt("follow_up", 1)]);
    assert.equal(selectNextPrompt(topic, keys("icebreaker.1", "follow_up.1")), undefined);
  });
});

import assert from "node:assert/strict";
import { matchReasons } from "../../../app/src/matchReasons.js";

const NONE = { level: 0, tandem: 0, accent: 0, nativeLanguage: 0, notRecent: 0, premium: 0 };

describe("web client: match reasons in words (DESIGN §10)", () => {
  it("says same level, same topic, tandem partner for a strict tandem match", () => {
    assert.deepEqual(matchReasons({ stage: "strict", levelDifference: 0, scoreBreakdown: { ...NONE, level: 50, tandem: 100 } }), ["same level", "same topic", "tandem partner"]);
  });

  it("gives the direction of the level difference and what the stage did to the topic", () => {
    assert.deepEqual(matchReasons({ stage: "level_1", levelDifference: 1, scoreBreakdown: { ...NONE, level: 30, notRecent: 30 } }), ["one level above you", "same topic", "someone new this week"]);
    assert.deepEqual(matchReasons({ stage: "same_category", levelDifference: -1, scoreBreakdown: { ...NONE, level: 30, accent: 20, premium: 50 } }), ["one level below you", "a topic of the same kind", "the accent asked for", "premium priority"]);
    assert.deepEqual(matchReasons({ stage: "any_level", levelDifference: -2, scoreBreakdown: { ...NONE, nativeLanguage: 20 } }), ["two levels below you", "any topic, to avoid a long wait", "the native language asked for"]);
  });
});

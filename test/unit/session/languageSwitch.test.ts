import assert from "node:assert/strict";
import { LanguageSwitch } from "../../../src/session/languageSwitch.js";

const options = { languages: ["en", "fr"] as const, participantIds: ["a", "b"], startedAt: 1_000_000, limitSeconds: 3600 };

describe("tandem half-time switch (DESIGN §10)", () => {
  it("starts in the initiator's target and switches exactly at half time, once", () => {
    const s = new LanguageSwitch(options);
    assert.equal(s.switchAt, 1_000_000 + 1_800_000);
    assert.equal(s.activeLanguageCode, "en");
    assert.equal(s.due(s.switchAt - 1), null);
    assert.deepEqual(s.due(s.switchAt), { activeLanguageCode: "fr", at: s.switchAt, cause: "half_time" });
    assert.equal(s.activeLanguageCode, "fr");
    assert.equal(s.due(s.switchAt + 1000), null, "only once");
  });

  it("switches early when every participant asked, not when one did", () => {
    const s = new LanguageSwitch(options);
    assert.equal(s.request("a", 1_100_000), null);
    assert.equal(s.request("a", 1_100_001), null, "asking twice is still one");
    assert.equal(s.request("stranger", 1_100_002), null);
    assert.deepEqual(s.request("b", 1_200_000), { activeLanguageCode: "fr", at: 1_200_000, cause: "requested" });
    assert.equal(s.due(s.switchAt), null, "no second switch at half time");
    assert.equal(s.request("a", 1_300_000), null);
  });

  it("refuses one language twice and a non-positive limit", () => {
    assert.throws(() => new LanguageSwitch({ ...options, languages: ["en", "en"] }), RangeError);
    assert.throws(() => new LanguageSwitch({ ...options, limitSeconds: 0 }), RangeError);
  });
});

import assert from "node:assert/strict";
import { plainCopy } from "../../../src/store/memory/plainCopy.js";

describe("store: plain copies of memory records", () => {
  it("copies nested objects, arrays and Dates, so that changing the copy leaves the original", () => {
    const original = { id: "s", at: new Date(0), participants: [{ userId: "u", stats: { en: { turns: 1 } } }], note: undefined };
    const copy = plainCopy(original);
    assert.deepEqual(copy, original);
    copy.at.setTime(5);
    (copy.participants[0] as { stats: { en: { turns: number } } }).stats.en.turns = 2;
    assert.equal(original.at.getTime(), 0);
    assert.equal(original.participants[0]?.stats.en.turns, 1);
    assert.ok("note" in copy, "undefined fields kept");
  });
});

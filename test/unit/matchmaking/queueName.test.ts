import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import { queueFor } from "../../../src/matchmaking/queueName.js";

describe("queueFor", () => {
  it("puts a practice request in the queue of its target language", () => {
    assert.equal(queueFor({ sessionType: "practice", targetLanguageCode: "en", nativeLanguageCode: "fr" }), "en");
  });

  it("treats a missing session type as practice", () => {
    assert.equal(queueFor({ targetLanguageCode: "de", nativeLanguageCode: "de" }), "de");
  });

  it("puts both sides of a tandem in the same queue, languages sorted and joined by +", () => {
    assert.equal(queueFor({ sessionType: "tandem", targetLanguageCode: "en", nativeLanguageCode: "fr" }), "en+fr");
    assert.equal(queueFor({ sessionType: "tandem", targetLanguageCode: "fr", nativeLanguageCode: "en" }), "en+fr");
  });

  it("refuses a tandem whose target is the native language with INVALID_REQUEST", () => {
    assert.throws(
      () => queueFor({ sessionType: "tandem", targetLanguageCode: "es", nativeLanguageCode: "es" }),
      (err: unknown) => isParleyError(err) && err.code === "INVALID_REQUEST" && err.status === 400,
    );
  });

  it("refuses an empty target language", () => {
    assert.throws(
      () => queueFor({ sessionType: "practice", targetLanguageCode: "", nativeLanguageCode: "fr" }),
      (err: unknown) => isParleyError(err) && err.code === "INVALID_REQUEST",
    );
  });
});

import assert from "node:assert/strict";
import { createLogger } from "../../../src/observability/logger.js";

/** A logger writing into an array of parsed lines. */
function capture(level = "info") {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, "conversation-service", { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe("observability: log lines (seed 002 §10.2)", () => {
  it("writes the seed's fields: ISO timestamp, level by name, service, then the line's own fields", () => {
    const { logger, lines } = capture();
    logger.info({ event: "conversation.matched", sessionId: "s1", participants: ["ana", "bo"], waitTimeSeconds: 42, compatibilityScore: 80 }, "match found");
    logger.warn({ event: "match.expired", matchRequestId: "m1", waitTimeSeconds: 120 }, "match timeout");
    logger.error({ event: "recording.failed" }, "upload failed");
    const [matched, expired, failed] = lines;
    assert.ok(matched && expired && failed);
    assert.match(String(matched.timestamp), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.equal(Number.isNaN(Date.parse(String(matched.timestamp))), false);
    assert.equal(matched.time, undefined, "no epoch time field beside it");
    assert.deepEqual([matched.level, expired.level, failed.level], ["INFO", "WARN", "ERROR"]);
    assert.equal(matched.service, "conversation-service");
    assert.deepEqual(matched.participants, ["ana", "bo"]);
    assert.equal(matched.waitTimeSeconds, 42);
    assert.equal(matched.msg, "match found");
  });

  it("honours LOG_LEVEL and still redacts tokens, SDP and candidates", () => {
    const { logger, lines } = capture("warn");
    logger.info("not written");
    logger.warn({ token: "eyJ.secret", offer: { sdp: "v=0..." }, candidate: "candidate:1 1 udp" }, "redacted");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.token, "[redacted]");
    assert.deepEqual(lines[0]?.offer, { sdp: "[redacted]" });
    assert.equal(lines[0]?.candidate, "[redacted]");
  });
});

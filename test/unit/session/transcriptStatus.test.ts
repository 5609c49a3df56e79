import assert from "node:assert/strict";
import { transcriptStatus } from "../../../src/session/transcriptStatus.js";

const consenting = [{ recordingConsent: true }, { recordingConsent: true }] as Parameters<typeof transcriptStatus>[0]["participants"];
const refusing = [{ recordingConsent: true }, { recordingConsent: false }] as Parameters<typeof transcriptStatus>[0]["participants"];

describe("transcript status (GET /sessions/:id/transcript)", () => {
  it("is ready with the id and url once transcript.ready arrived", () => {
    assert.deepEqual(transcriptStatus({ status: "completed", participants: consenting, recordingUrl: "s3://b/k", transcriptId: "t-1", transcriptUrl: "https://x/t-1" }, true), { status: "ready", transcriptId: "t-1", url: "https://x/t-1" });
    assert.deepEqual(transcriptStatus({ status: "completed", participants: refusing, transcriptId: "t-1" }, true), { status: "ready", transcriptId: "t-1" });
  });

  it("is pending for a stored recording, or a live session that records", () => {
    assert.deepEqual(transcriptStatus({ status: "completed", participants: consenting, recordingUrl: "s3://b/k" }, true), { status: "pending" });
    assert.deepEqual(transcriptStatus({ status: "active", participants: consenting }, true), { status: "pending" });
    assert.deepEqual(transcriptStatus({ status: "waiting", participants: consenting }, true), { status: "pending" });
  });

  it("is unavailable without consent, with recording off, when nothing was stored, or after retention", () => {
    assert.deepEqual(transcriptStatus({ status: "active", participants: refusing }, true), { status: "unavailable" });
    assert.deepEqual(transcriptStatus({ status: "active", participants: consenting }, false), { status: "unavailable" });
    assert.deepEqual(transcriptStatus({ status: "completed", participants: consenting }, true), { status: "unavailable" });
  });
});

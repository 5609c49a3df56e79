import assert from "node:assert/strict";
import type { ChatMessageRecord } from "../../../src/chat/chatRecords.js";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { sessionSummaryView } from "../../../src/session/sessionSummary.js";
import type { ParticipantRecord, SessionRecord } from "../../../src/store/records.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

function participant(userId: string, target: string, extra: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return { userId, displayName: userId.toUpperCase(), nativeLanguageCode: target === "en" ? "fr" : "en", targetLanguageCode: target, level: "B1", role: "learner", tier: "free", recordingConsent: false, spokenSeconds: 0, turnCount: 0, ...extra };
}

function session(extra: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "00000000-0000-4000-8000-0000000000bb",
    sessionType: "tandem",
    targetLanguageCode: "en",
    topicCode: "hobbies.music",
    targetLevel: "B1",
    status: "completed",
    participants: [
      participant("ana", "en", { spokenSeconds: 120, turnCount: 4, talkShare: 0.6, byLanguage: { en: { spokenSeconds: 100, turnCount: 3 }, fr: { spokenSeconds: 20, turnCount: 1 } } }),
      participant("ben", "fr", { spokenSeconds: 80, turnCount: 5, talkShare: 0.4 }),
    ],
    prompts: [
      { promptKey: "hobbies.music.icebreaker.1", category: "icebreaker", displayedAt: new Date(T0), languageCode: "en" },
      { promptKey: "hobbies.music.main.1", category: "main_topic", displayedAt: new Date(T0 + 450_000), languageCode: "fr" },
    ],
    matchRequestIds: [],
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    startedAt: new Date(T0),
    durationSeconds: 900,
    ratings: [
      { userId: "ana", rating: 4, ratedAt: new Date(T0) },
      { userId: "ben", rating: 5, feedback: "merci", ratedAt: new Date(T0) },
    ],
    ...extra,
  };
}

function message(id: string, from: string, extra: Partial<ChatMessageRecord> = {}): ChatMessageRecord {
  return { id, channelId: "s", kind: "text", text: id, sender: { userId: from, displayName: from }, mentions: [], reactions: {}, isEdited: false, isDeleted: false, createdAt: new Date(T0), clientMessageId: id, ...extra };
}

const correction = (id: string, from: string, of: string, at: number, extra: Partial<ChatMessageRecord> = {}) =>
  message(id, from, { kind: "correction", createdAt: new Date(T0 + at * 1000), correction: { messageId: of, original: `o-${id}`, corrected: `c-${id}`, offsetSeconds: at }, ...extra });

describe("sessionSummaryView (DESIGN §10 session summary)", () => {
  it("gives my stats per language, partners' shares, prompts with their language and ratings both ways", () => {
    const summary = sessionSummaryView(session(), "ana", [], T0 + 2_000_000);
    assert.deepEqual(summary.me, { userId: "ana", spokenSeconds: 120, talkShare: 0.6, turnCount: 4, byLanguage: { en: { spokenSeconds: 100, turnCount: 3 }, fr: { spokenSeconds: 20, turnCount: 1 } } });
    assert.deepEqual(summary.partners, [{ userId: "ben", displayName: "BEN", spokenSeconds: 80, talkShare: 0.4 }]);
    assert.deepEqual(summary.prompts.map((p) => p.languageCode), ["en", "fr"]);
    assert.equal(summary.durationSeconds, 900);
    assert.equal(summary.ratingGiven, 4);
    assert.deepEqual(summary.ratingsReceived, [{ rating: 5, feedback: "merci" }]);
    assert.equal("recordingUrl" in summary, false);
  });

  it("lists only corrections of my messages, oldest first, without deleted ones", () => {
    const messages = [message("m1", "ana"), message("m2", "ben"), correction("c2", "ben", "m1", 90), correction("c1", "ben", "m1", 30), correction("c3", "ana", "m2", 40), correction("c4", "ben", "m1", 50, { isDeleted: true })];
    const summary = sessionSummaryView(session(), "ana", messages, T0);
    assert.deepEqual(summary.corrections, [
      { original: "o-c1", corrected: "c-c1", offsetSeconds: 30, from: "ben" },
      { original: "o-c2", corrected: "c-c2", offsetSeconds: 90, from: "ben" },
    ]);
  });

  it("derives shares and per-language stats of sessions stored before them, and a live duration from the start", () => {
    const older = session({ status: "active", sessionType: "practice", durationSeconds: 0, participants: [participant("ana", "en", { spokenSeconds: 30, turnCount: 2 }), participant("ben", "en", { spokenSeconds: 10, turnCount: 1 })], prompts: [{ promptKey: "k", category: "icebreaker", displayedAt: new Date(T0) }] });
    const summary = sessionSummaryView(older, "ben", [], T0 + 61_500, "https://example.test/r");
    assert.deepEqual(summary.me, { userId: "ben", spokenSeconds: 10, talkShare: 0.25, turnCount: 1, byLanguage: { en: { spokenSeconds: 10, turnCount: 1 } } });
    assert.equal(summary.durationSeconds, 61);
    assert.equal(summary.prompts[0]?.languageCode, "en");
    assert.equal(summary.recordingUrl, "https://example.test/r");
  });

  it("refuses someone who was never in the session with NOT_A_PARTICIPANT", () => {
    assert.throws(() => sessionSummaryView(session(), "eve", [], T0), (err: unknown) => err instanceof ParleyError && err.code === "NOT_A_PARTICIPANT");
  });
});

import assert from "node:assert/strict";
import pino from "pino";
import type { NotificationDraft } from "../../../src/notifications/notifier.js";
import { remindersDue, SessionReminders } from "../../../src/jobs/sessionReminders.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { SessionRecord } from "../../../src/store/records.js";

const SLOT = Date.UTC(2026, 11, 8, 10, 0);
const MIN = 60_000;

function scheduled(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b",
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "travel.airport",
    targetLevel: "B1",
    status: "waiting",
    participants: ["ana", "bo"].map((userId) => ({ userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role: "learner" as const, tier: "premium" as const, recordingConsent: false, spokenSeconds: 0, turnCount: 0 })),
    prompts: [],
    matchRequestIds: [],
    scheduledStartAt: new Date(SLOT),
    createdAt: new Date(SLOT - 10 * MIN),
    updatedAt: new Date(SLOT - 10 * MIN),
    durationSeconds: 0,
    ratings: [],
    ...overrides,
  };
}

describe("scheduled session reminders (DESIGN §4, issue 10)", () => {
  it("is due from 5 minutes before the slot until the slot, for each participant, once", () => {
    assert.deepEqual(remindersDue(scheduled(), SLOT - 5 * MIN - 1), []);
    const due = remindersDue(scheduled(), SLOT - 5 * MIN);
    assert.deepEqual(due.map((d) => [d.userId, d.type, d.bodyKey, d.data?.sessionId]), [
      ["ana", "session_reminder", "notifications.sessionReminder.soon.body", "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"],
      ["bo", "session_reminder", "notifications.sessionReminder.soon.body", "6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"],
    ]);
    assert.deepEqual(remindersDue(scheduled(), SLOT), [], "the slot has come");
    assert.deepEqual(remindersDue(scheduled({ reminderSentAt: new Date(SLOT - 4 * MIN) }), SLOT - 3 * MIN), [], "sent already");
    assert.deepEqual(remindersDue(scheduled({ status: "active" }), SLOT - 3 * MIN), [], "started early");
    assert.deepEqual(remindersDue(scheduled({ scheduledStartAt: undefined }), SLOT - 3 * MIN), [], "not scheduled");
  });

  it("the job notifies each participant once and marks the session", async () => {
    const store = createMemoryStore();
    await store.sessions.create(scheduled());
    let now = SLOT - 6 * MIN;
    const sent: NotificationDraft[] = [];
    const job = new SessionReminders({ store, notify: async (d) => sent.push(d), logger: pino({ level: "silent" }), now: () => now });
    assert.equal(await job.run(), 0);
    now = SLOT - 4 * MIN;
    assert.equal(await job.run(), 2);
    assert.equal(await job.run(), 0, "never twice");
    assert.deepEqual(sent.map((d) => d.userId), ["ana", "bo"]);
    assert.ok((await store.sessions.get(scheduled().id))?.reminderSentAt);
  });
});

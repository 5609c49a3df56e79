import type { ParticipantRecord } from "../../src/store/records.js";

/**
 * A stored participant for tests that write sessions straight into the store: a free B1
 * learner of English, native French, display name = user id, no consent, nothing spoken yet;
 * `overrides` change any field.
 */
export function participantRecord(userId: string, role: ParticipantRecord["role"], overrides: Partial<ParticipantRecord> = {}): ParticipantRecord {
  return {
    userId,
    displayName: userId,
    nativeLanguageCode: "fr",
    targetLanguageCode: "en",
    level: "B1",
    role,
    tier: "free",
    recordingConsent: false,
    spokenSeconds: 0,
    turnCount: 0,
    ...overrides,
  };
}

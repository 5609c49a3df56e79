import { Encoder } from "@colyseus/schema";
import assert from "node:assert/strict";
import { ConversationState, ParticipantState, STATE_ENCODE_BUFFER_BYTES } from "../../rooms/conversationState.js";

describe("conversation state encoding (DESIGN §11 memory per learner)", () => {
  it("sets the schema encode buffers to STATE_ENCODE_BUFFER_BYTES, and a pair's largest full state fits in them", () => {
    assert.equal(Encoder.BUFFER_SIZE, STATE_ENCODE_BUFFER_BYTES);
    const state = new ConversationState();
    Object.assign(state, { sessionId: "00000000-0000-4000-8000-000000000001", status: "active", sessionType: "tandem", targetLanguageCode: "en", topicCode: "x".repeat(64), targetLevel: "B1", startedAt: Date.now(), endsAt: Date.now(), activeLanguageCode: "en", switchAt: Date.now() });
    for (const userId of ["u".repeat(128), "v".repeat(128)]) {
      const p = new ParticipantState();
      // The token's limits (src/auth/principal.ts): name ≤ 100 characters, avatarUrl ≤ 2,048.
      Object.assign(p, { userId, displayName: "é".repeat(100), avatarUrl: `https://example.org/${"a".repeat(2020)}`, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "C2", role: "partner", connected: true, speaking: true, spokenSeconds: 1234.5, turnCount: 300, talkShare: 0.5 });
      state.participants.set(userId, p);
    }
    Object.assign(state.currentPrompt, { promptKey: "k".repeat(64), text: "t".repeat(1000), category: "follow_up", displayedAt: Date.now() });
    const encoded = new Encoder(state).encodeAll();
    assert.ok(encoded.byteLength > 4 * 1024, `a realistic worst case: ${encoded.byteLength} bytes`);
    assert.ok(encoded.byteLength < STATE_ENCODE_BUFFER_BYTES, `${encoded.byteLength} bytes`);
  });
});

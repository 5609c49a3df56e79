import assert from "node:assert/strict";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { ConversationCore } from "../../../src/session/conversationCore.js";
import type { ParticipantRecord, SessionRecord } from "../../../src/store/records.js";
import { EN_TOPICS } from "../../../src/topics/seed/en.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const topic = EN_TOPICS[0] as (typeof EN_TOPICS)[number];

function participant(userId: string, displayName: string, role: ParticipantRecord["role"]): ParticipantRecord {
  return { userId, displayName, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1", role, tier: "free", recordingConsent: false, spokenSeconds: 0, turnCount: 0 };
}

/** A public group of `host` (Hana) and `p2` (Paul), open to newcomers. */
function groupCore() {
  const session: SessionRecord & { type: "public"; minParticipants: number; maxParticipants: number } = {
    id: "00000000-0000-4000-8000-000000000009", sessionType: "group", type: "public", minParticipants: 2, maxParticipants: 4, targetLanguageCode: "en", topicCode: topic.code, targetLevel: "B1",
    status: "waiting", participants: [participant("host", "Hana", "host"), participant("p2", "Paul", "participant")], prompts: [], matchRequestIds: [], hostUserId: "host",
    createdAt: new Date(T0), updatedAt: new Date(T0), durationSeconds: 0, ratings: [],
  };
  return new ConversationCore({ session, topic, limits: { joinTimeoutSeconds: 60, maxDurationFreeSeconds: 900, maxDurationPremiumSeconds: 3600 }, prompts: { intervalMinSeconds: 180, intervalMaxSeconds: 300, maxPrompts: 5 }, random: () => 0 });
}

function code(c: string) {
  return (err: unknown) => err instanceof ParleyError && err.code === c;
}

describe("ConversationCore: the session's chat (DESIGN §5, §10)", () => {
  it("lets participants chat in the session's channel, mentioning each other by display name; strangers are NOT_A_PARTICIPANT", () => {
    const core = groupCore();
    assert.equal(core.chat.channelId, "00000000-0000-4000-8000-000000000009");
    const sent = core.chat.send(core.chatActor("host"), { text: "welcome @Paul", clientMessageId: "h1" }, T0);
    assert.deepEqual(sent.message?.mentions, ["p2"]);
    assert.equal(core.chatActor("host").moderator, false, "nobody moderates a session's chat");
    assert.throws(() => core.chatActor("mallory"), code("NOT_A_PARTICIPANT"));
  });

  it("counts correction offsets from the session start and makes admitted newcomers mentionable", () => {
    const core = groupCore();
    core.join("host", T0);
    core.join("p2", T0 + 10_000);
    const said = core.chat.send(core.chatActor("p2"), { text: "I has a cat", clientMessageId: "p1" }, T0 + 20_000).message;
    const fix = core.chat.correct(core.chatActor("host"), { messageId: said?.id ?? "", original: "has", corrected: "have" }, T0 + 75_000);
    assert.equal(fix.message?.correction?.offsetSeconds, 65, "from the start at T0 + 10 s");
    core.admit({ userId: "nina", displayName: "Nina", nativeLanguageCode: "de", levels: { en: "B1" }, tier: "free" }, [], T0 + 80_000);
    assert.deepEqual(core.chat.send(core.chatActor("p2"), { text: "hi @nina", clientMessageId: "p2" }, T0 + 81_000).message?.mentions, ["nina"]);
  });

  it("closes the chat when the session ended (SESSION_NOT_ACTIVE)", () => {
    const core = groupCore();
    core.join("host", T0);
    core.join("p2", T0 + 1000);
    core.endNow(T0 + 200_000);
    assert.throws(() => core.chatActor("p2"), code("SESSION_NOT_ACTIVE"));
  });
});

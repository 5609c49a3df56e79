import assert from "node:assert/strict";
import { ConversationCore, type ConversationEffects, type JoinCandidate } from "../../../src/session/conversationCore.js";
import type { ParticipantRecord, SessionRecord } from "../../../src/store/records.js";
import { EN_TOPICS } from "../../../src/topics/seed/en.js";
import { REALISTIC_AUDIO_OFFER } from "./fixtures/sdp.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const S = 1000;
const topic = EN_TOPICS.find((t) => t.code === "daily_life.introductions") ?? (EN_TOPICS[0] as (typeof EN_TOPICS)[number]);

function participant(userId: string, role: ParticipantRecord["role"]): ParticipantRecord {
  return { userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1", role, tier: "free", recordingConsent: false, spokenSeconds: 0, turnCount: 0 };
}

function candidate(userId: string): JoinCandidate {
  return { userId, displayName: userId, nativeLanguageCode: "fr", levels: { en: "B1" }, tier: "free" };
}

/** A public group hosted by `host` with `others` invited (min 2, max `max`). */
function groupCore(others: string[], max = 6) {
  const session: SessionRecord & { type: "public"; minParticipants: number; maxParticipants: number } = {
    id: "00000000-0000-4000-8000-000000000001",
    sessionType: "group",
    type: "public",
    minParticipants: 2,
    maxParticipants: max,
    targetLanguageCode: "en",
    topicCode: topic.code,
    targetLevel: "B1",
    status: "waiting",
    participants: [participant("host", "host"), ...others.map((id) => participant(id, "participant"))],
    prompts: [],
    matchRequestIds: [],
    hostUserId: "host",
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    durationSeconds: 0,
    ratings: [],
  };
  return new ConversationCore({ session, topic, limits: { joinTimeoutSeconds: 60, maxDurationFreeSeconds: 900, maxDurationPremiumSeconds: 3600 }, prompts: { intervalMinSeconds: 180, intervalMaxSeconds: 300, maxPrompts: 5 }, random: () => 0 });
}

const endedStatus = (fx: ConversationEffects) => (fx.messages.find((m) => m.type === "session_ended")?.payload as { status?: string } | undefined)?.status;

const typesTo = (fx: ConversationEffects, userId: string) =>
  [...fx.immediate, ...fx.messages].filter((m) => m.to.kind === "all" || (m.to.kind === "user" ? m.to.userId === userId : m.to.userId !== userId)).map((m) => m.type);

describe("ConversationCore (DESIGN §5–§6, seed 000 groups)", () => {
  it("activates a group at minParticipants with the start stored before the icebreaker is sent", () => {
    const core = groupCore(["p2", "p3"]);
    assert.equal(core.join("host", T0).writes.length, 0);
    const fx = core.join("p2", T0 + S);
    assert.equal(fx.writes[0]?.kind, "session.transition");
    assert.deepEqual(fx.messages.map((m) => m.type), ["new_prompt"], "told only once stored");
    assert.deepEqual(typesTo({ ...fx, messages: [] }, "p2"), ["partner_joined"]);
    assert.equal(core.status, "active");
    assert.equal(fx.onWriteFailure, "end_with_error");
  });

  it("admits public newcomers while seats remain, then SESSION_FULL; a blocked pair is refused FORBIDDEN", () => {
    const core = groupCore([], 3);
    core.join("host", T0);
    assert.equal(core.admit(candidate("n1"), [], T0).writes[0]?.kind, "session.addParticipant");
    core.join("n1", T0);
    assert.throws(() => core.admit(candidate("n2"), ["n1"], T0), { code: "FORBIDDEN" });
    core.admit(candidate("n2"), [], T0);
    assert.throws(() => core.admit(candidate("n3"), [], T0), { code: "SESSION_FULL" });
  });

  it("relays mesh signaling to its target only, with a budget per pair", () => {
    const core = groupCore(["p2", "p3"]);
    for (const id of ["host", "p2", "p3"]) core.join(id, T0);
    const fx = core.signal("host", { type: "offer", sdp: REALISTIC_AUDIO_OFFER, targetUserId: "p3" }, T0);
    assert.deepEqual(fx.immediate.map((m) => [m.to, m.type]), [[{ kind: "user", userId: "p3" }, "offer"]]);
    for (let i = 1; i < 100; i++) core.signal("host", { type: "offer", sdp: REALISTIC_AUDIO_OFFER, targetUserId: "p3" }, T0);
    assert.throws(() => core.signal("p3", { type: "answer", sdp: REALISTIC_AUDIO_OFFER, targetUserId: "host" }, T0), { code: "RATE_LIMITED" });
    assert.equal(core.signal("host", { type: "offer", sdp: REALISTIC_AUDIO_OFFER, targetUserId: "p2" }, T0).immediate.length, 1, "another pair has its own budget");
    assert.equal(core.signal("p3", { type: "answer", sdp: REALISTIC_AUDIO_OFFER, targetUserId: "host" }, T0 + 60 * S).immediate.length, 1, "a new minute");
  });

  it("lets only the host end a group (host_ended); a leaving host hands over to the earliest-joined", () => {
    const core = groupCore(["p2", "p3", "p4"]);
    for (const [i, id] of ["host", "p2", "p3", "p4"].entries()) core.join(id, T0 + i * S);
    assert.throws(() => core.end("p2", T0 + 100 * S), { code: "FORBIDDEN" });
    const left = core.leave("host", "ended", T0 + 100 * S);
    assert.deepEqual(left.immediate.map((m) => m.type), ["partner_left"]);
    assert.equal(core.lifecycle.hostUserId, "p2");
    assert.deepEqual(left.writes.map((w) => w.kind === "session.patch" && w.patch.hostUserId), ["p2"]);
    assert.equal(core.participantViews(T0).find((p) => p.userId === "p2")?.role, "host");
    const ended = core.end("p2", T0 + 200 * S);
    assert.deepEqual(ended.messages.map((m) => m.payload), [{ reason: "host_ended", status: "completed", durationSeconds: 199 }]);
  });

  it("ends a group when one participant is left: aborted within 60 s of the start, completed after", () => {
    const early = groupCore(["p2", "p3"]);
    for (const id of ["host", "p2", "p3"]) early.join(id, T0);
    assert.equal(early.leave("p2", "ended", T0 + 10 * S).writes.length, 0);
    assert.equal(endedStatus(early.leave("p3", "disconnect", T0 + 20 * S)), "aborted");
    const late = groupCore(["p2"]);
    for (const id of ["host", "p2"]) late.join(id, T0);
    assert.equal(endedStatus(late.leave("host", "ended", T0 + 61 * S)), "completed");
  });

  it("turns a transition that could not be stored into session_ended {reason: error} for everyone", () => {
    const core = groupCore(["p2"]);
    core.join("host", T0);
    const start = core.join("p2", T0);
    const failed = core.writesFailed(start, T0 + S);
    assert.deepEqual(failed.immediate.map((m) => [m.to.kind, m.type, m.type === "session_ended" && m.payload.reason]), [["all", "session_ended", "error"]]);
    assert.equal(failed.onWriteFailure, "ignore");
    assert.ok(core.lifecycle.isEnded);
  });
});

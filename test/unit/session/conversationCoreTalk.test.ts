import assert from "node:assert/strict";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { ConversationCore, type ConversationEffects, type ConversationOutgoing } from "../../../src/session/conversationCore.js";
import type { ParticipantRecord, SessionRecord } from "../../../src/store/records.js";
import { EN_TOPICS } from "../../../src/topics/seed/en.js";
import { FR_TOPICS } from "../../../src/topics/seed/fr.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const S = 1000;
const CODE = "daily_life.introductions";
const enTopic = EN_TOPICS.find((t) => t.code === CODE);
const frTopic = FR_TOPICS.find((t) => t.code === CODE);
if (!enTopic || !frTopic) throw new Error(`seed topic ${CODE} missing`);
const LIMITS = { joinTimeoutSeconds: 60, maxDurationFreeSeconds: 900, maxDurationPremiumSeconds: 3600 };
const HALF = 450 * S; // half of the free tier's 15 minutes

function participant(userId: string, role: ParticipantRecord["role"], native: string, target: string): ParticipantRecord {
  return { userId, displayName: userId, nativeLanguageCode: native, targetLanguageCode: target, level: "B1", role, tier: "free", recordingConsent: false, spokenSeconds: 0, turnCount: 0 };
}

function session(sessionType: "practice" | "tandem"): SessionRecord {
  const participants = sessionType === "tandem" ? [participant("ana", "learner", "fr", "en"), participant("ben", "partner", "en", "fr")] : [participant("ana", "learner", "fr", "en"), participant("ben", "partner", "de", "en")];
  return {
    id: "00000000-0000-4000-8000-0000000000aa",
    sessionType,
    targetLanguageCode: "en",
    topicCode: CODE,
    targetLevel: "B1",
    status: "waiting",
    participants,
    prompts: [],
    matchRequestIds: [],
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
    durationSeconds: 0,
    ratings: [],
  };
}

/** A started session (both joined at T0); prompts far apart so only the rules under test fire. */
function started(sessionType: "practice" | "tandem" = "tandem"): ConversationCore {
  const topics: Record<string, typeof enTopic> = { en: enTopic, fr: frTopic };
  const core = ConversationCore.open(session(sessionType).id, session(sessionType), false, (lang, code) => (code === CODE ? topics[lang] : undefined), { ...LIMITS, promptIntervalMinSeconds: 3000, promptIntervalMaxSeconds: 3000, maxPrompts: 5, signalingPerMinutePerPair: 100 }, () => 0);
  core.join("ana", T0);
  core.join("ben", T0);
  assert.equal(core.status, "active");
  return core;
}

const sent = (fx: ConversationEffects, type: ConversationOutgoing["type"]) => [...fx.immediate, ...fx.messages].filter((m) => m.type === type);

/** `userId` speaks from `from` for `seconds`. */
function speak(core: ConversationCore, userId: string, from: number, seconds: number): void {
  core.speakingEdge(userId, true, from);
  core.speakingEdge(userId, false, from + seconds * S);
}

describe("ConversationCore: tandem half-time switch (DESIGN §10)", () => {
  it("starts in the initiator's target language with the switch scheduled at half the time limit", () => {
    const core = started();
    assert.deepEqual(core.languageView(), { activeLanguageCode: "en", switchAt: T0 + HALF });
    assert.equal(core.promptView().current?.languageCode, "en");
  });

  it("switches at exactly half time, not a millisecond before, with the next prompt from the same topic in French", () => {
    const core = started();
    assert.equal(sent(core.tick(T0 + HALF - 1), "language_switch").length, 0);
    assert.equal(core.languageView().activeLanguageCode, "en");
    const fx = core.tick(T0 + HALF);
    const [told] = sent(fx, "language_switch");
    assert.deepEqual(told?.to, { kind: "all" });
    const payload = told?.payload as { activeLanguageCode: string; at: number; prompt?: { promptKey: string; text: string } };
    assert.equal(payload.activeLanguageCode, "fr");
    assert.equal(payload.at, T0 + HALF);
    const frPrompt = frTopic.prompts.find((p) => p.promptKey === payload.prompt?.promptKey);
    assert.ok(frPrompt, "the prompt is one of the French topic's");
    assert.equal(payload.prompt?.text, frPrompt.text);
    assert.notEqual(payload.prompt?.promptKey, enTopic.prompts[0]?.promptKey, "not the icebreaker already shown");
    assert.equal(core.languageView().activeLanguageCode, "fr");
    const write = fx.writes.find((w) => w.kind === "session.patch");
    assert.ok(write?.kind === "session.patch");
    assert.deepEqual(write.patch.prompts?.map((p) => p.languageCode), ["en", "fr"], "the prompt list is stored with each prompt's language");
    assert.equal(sent(core.tick(T0 + HALF + 10 * S), "language_switch").length, 0, "once only");
  });

  it("switches early once both participants sent request_language_switch, and refuses a second switch", () => {
    const core = started();
    assert.equal(sent(core.requestLanguageSwitch("ana", T0 + 60 * S), "language_switch").length, 0, "one request is not enough");
    assert.equal(sent(core.requestLanguageSwitch("ana", T0 + 61 * S), "language_switch").length, 0, "the same user twice is not both");
    const fx = core.requestLanguageSwitch("ben", T0 + 62 * S);
    assert.equal((sent(fx, "language_switch")[0]?.payload as { at: number }).at, T0 + 62 * S);
    assert.equal(core.languageView().activeLanguageCode, "fr");
    assert.throws(() => core.requestLanguageSwitch("ana", T0 + 63 * S), (err: unknown) => err instanceof ParleyError && err.code === "INVALID_REQUEST");
    assert.equal(sent(core.tick(T0 + HALF), "language_switch").length, 0, "no second switch at half time");
  });

  it("refuses request_language_switch outside a tandem session", () => {
    const core = started("practice");
    assert.deepEqual(core.languageView(), { activeLanguageCode: "en" });
    assert.throws(() => core.requestLanguageSwitch("ana", T0 + S), (err: unknown) => err instanceof ParleyError && err.code === "INVALID_REQUEST");
  });

  it("keeps speaking stats per language, an ongoing turn carried into the new language without a new turn, and stores them at the end", () => {
    const core = started();
    speak(core, "ana", T0 + 10 * S, 30);
    core.speakingEdge("ben", true, T0 + HALF - 20 * S);
    core.tick(T0 + HALF);
    core.speakingEdge("ben", false, T0 + HALF + 40 * S);
    speak(core, "ana", T0 + HALF + 50 * S, 10);
    const fx = core.end("ana", T0 + HALF + 100 * S);
    const write = fx.writes.find((w) => w.kind === "session.transition");
    assert.ok(write?.kind === "session.transition");
    assert.deepEqual(write.participantStats?.ana?.byLanguage, { en: { spokenSeconds: 30, turnCount: 1 }, fr: { spokenSeconds: 10, turnCount: 1 } });
    assert.deepEqual(write.participantStats?.ben?.byLanguage, { en: { spokenSeconds: 20, turnCount: 1 }, fr: { spokenSeconds: 40, turnCount: 0 } });
    assert.equal(write.participantStats?.ben?.spokenSeconds, 60);
    assert.equal(write.participantStats?.ana?.talkShare, 0.4);
    assert.equal(write.participantStats?.ben?.talkShare, 0.6);
  });
});

describe("ConversationCore: talk-time balance (DESIGN §10)", () => {
  /** Over the first 100 s, ana speaks `anaSeconds` and ben `100 - anaSeconds`. */
  function talked(anaSeconds: number): ConversationCore {
    const core = started("practice");
    speak(core, "ana", T0, anaSeconds);
    speak(core, "ben", T0 + anaSeconds * S, 100 - anaSeconds);
    return core;
  }

  it("nudges at 71% of the window: invite_partner to the dominant, your_turn and a follow-up prompt to the quiet one alone", () => {
    const core = talked(71);
    const fx = core.tick(T0 + 100 * S);
    assert.deepEqual(sent(fx, "talk_balance").map((m) => [m.to, m.payload]), [
      [{ kind: "user", userId: "ana" }, { share: 0.71, suggestion: "invite_partner" }],
      [{ kind: "user", userId: "ben" }, { share: 0.29, suggestion: "your_turn" }],
    ]);
    const prompts = sent(fx, "new_prompt");
    assert.deepEqual(prompts.map((m) => m.to), [{ kind: "user", userId: "ben" }]);
    assert.equal((prompts[0]?.payload as { category: string }).category, "follow_up");
  });

  it("does not nudge at 69%", () => {
    assert.equal(sent(talked(69).tick(T0 + 100 * S), "talk_balance").length, 0);
  });

  it("does not nudge with less than 60 s of speech in the window", () => {
    const core = started("practice");
    speak(core, "ana", T0, 59);
    assert.equal(sent(core.tick(T0 + 59 * S), "talk_balance").length, 0);
  });

  it("nudges at most once per 3 minutes", () => {
    const core = started("practice");
    core.speakingEdge("ana", true, T0);
    assert.equal(sent(core.tick(T0 + 60 * S), "talk_balance").length, 2);
    assert.equal(sent(core.tick(T0 + 239 * S), "talk_balance").length, 0, "179 s later");
    assert.equal(sent(core.tick(T0 + 240 * S), "talk_balance").length, 2, "180 s later");
  });

  it("shows each participant's talkShare over the whole session in the synced view", () => {
    const core = talked(75);
    const shares = Object.fromEntries(core.participantViews(T0 + 100 * S).map((v) => [v.userId, v.talkShare]));
    assert.deepEqual(shares, { ana: 0.75, ben: 0.25 });
  });
});

describe("ConversationCore: sleeps until something is due (DESIGN §11)", () => {
  it("waits for the join deadline while waiting, and for nothing once ended", () => {
    const core = ConversationCore.open(session("practice").id, session("practice"), false, () => enTopic, { ...LIMITS, promptIntervalMinSeconds: 3000, promptIntervalMaxSeconds: 3000, maxPrompts: 5, signalingPerMinutePerPair: 100 }, () => 0);
    assert.equal(core.nextWakeAt(T0 + 5 * S), T0 + 60 * S);
    core.join("ana", T0);
    core.join("ben", T0);
    core.end("ana", T0 + 10 * S);
    assert.equal(core.nextWakeAt(T0 + 10 * S), undefined);
  });

  it("sleeps until the tandem switch, then the time limit, while nobody speaks", () => {
    const core = started("tandem");
    assert.equal(core.nextWakeAt(T0 + 5 * S), T0 + HALF);
    core.tick(T0 + HALF);
    assert.equal(core.nextWakeAt(T0 + HALF), T0 + 900 * S);
  });

  it("wakes every second while someone speaks, and sleeps again when the window holds under a minute of speech", () => {
    const core = started("practice");
    core.speakingEdge("ana", true, T0 + 10 * S);
    assert.equal(core.nextWakeAt(T0 + 10 * S), T0 + 11 * S);
    core.speakingEdge("ana", false, T0 + 30 * S);
    assert.equal(core.nextWakeAt(T0 + 30 * S), T0 + 900 * S);
  });

  it("checks the talk balance every second after a minute of speech, until it slid out of the window", () => {
    const core = started("practice");
    speak(core, "ana", T0, 70);
    assert.equal(core.nextWakeAt(T0 + 70 * S), T0 + 71 * S);
    // At 190 s the window (10–190 s) holds 60 s of ana's speech; at 191 s only 59 s.
    assert.equal(core.nextWakeAt(T0 + 190 * S), T0 + 191 * S);
    assert.equal(core.nextWakeAt(T0 + 191 * S), T0 + 900 * S);
  });

  it("does in its wakes what a tick every second does: the same messages at the same moments", () => {
    const script = (core: ConversationCore, at: number) => {
      // ben speaks 30 s, ana 70 s (70%, no nudge yet); in the silence after, ben's turn slides
      // out of the window first and ana's share passes 70% at 186 s: a nudge while nobody speaks.
      if (at === T0 + 5 * S) core.speakingEdge("ben", true, at);
      if (at === T0 + 35 * S) core.speakingEdge("ben", false, at);
      if (at === T0 + 40 * S) core.speakingEdge("ana", true, at);
      if (at === T0 + 110 * S) core.speakingEdge("ana", false, at);
      if (at > T0 + 300 * S && at < T0 + 800 * S && at % (40 * S) === 0) core.speakingEdge(at % (80 * S) === 0 ? "ana" : "ben", true, at);
      if (at > T0 + 300 * S && at < T0 + 800 * S && at % (40 * S) === 25 * S) core.speakingEdge(at % (80 * S) === 25 * S ? "ana" : "ben", false, at);
    };
    const told = (fx: ConversationEffects, at: number) => [...fx.immediate, ...fx.messages].map((m) => `${(at - T0) / S} ${m.type} ${JSON.stringify(m.to)}`);
    const everySecond = started("tandem");
    const sleeping = started("tandem");
    const a: string[] = [];
    const b: string[] = [];
    let wake = sleeping.nextWakeAt(T0);
    for (let at = T0 + S; at <= T0 + 901 * S; at += S) {
      script(everySecond, at);
      a.push(...told(everySecond.tick(at), at));
      script(sleeping, at);
      wake = Math.min(wake ?? Infinity, sleeping.nextWakeAt(at) ?? Infinity);
      if (wake <= at) {
        b.push(...told(sleeping.tick(at), at));
        wake = sleeping.nextWakeAt(at);
      }
    }
    assert.ok(a.some((line) => line.startsWith("186 talk_balance")) && a.some((line) => line.includes("language_switch")) && a.some((line) => line.includes("session_ended")), a.join("\n"));
    assert.deepEqual(b, a);
  });
});

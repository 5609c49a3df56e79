import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import type { SessionSummary } from "../../src/session/sessionSummary.js";
import { waitForState } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";
import { activePair, api, assertError, leaveAll, restUser, UNKNOWN_ID } from "./restSupport.js";

const S = "/api/conversations/sessions";

describe("http: session summary (DESIGN §10)", () => {
  let rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    clock.offsetMs = 0;
    await leaveAll(rooms);
    rooms = [];
  });

  it("answers a participant with talk time, shares, prompts, corrections of their messages and ratings", async () => {
    const p = await activePair("es", "hobbies.music", "B1");
    rooms.push(...p.rooms);
    await p.ja.inbox.next("new_prompt");
    const roomB = p.jb.room as Room<unknown, ConversationState>;
    p.ja.room.send("speaking", { speaking: true });
    await waitForState(roomB, (s) => s.participants?.get(p.a.userId)?.speaking === true);
    clock.offsetMs += 30_000;
    p.ja.room.send("speaking", { speaking: false });
    await waitForState(roomB, (s) => s.participants?.get(p.a.userId)?.speaking === false);
    p.jb.room.send("speaking", { speaking: true });
    await waitForState(roomB, (s) => s.participants?.get(p.b.userId)?.speaking === true);
    clock.offsetMs += 10_000;
    p.jb.room.send("speaking", { speaking: false });
    await waitForState(roomB, (s) => s.participants?.get(p.b.userId)?.speaking === false);

    p.jb.room.send("chat_send", { text: "Ayer yo ir al parque", clientMessageId: "b1" });
    const sent = await p.ja.inbox.next<{ id: string }>("chat_message");
    p.ja.room.send("chat_correct", { messageId: sent.id, original: "yo ir", corrected: "fui", note: "pretérito" });
    await p.jb.inbox.next("chat_message", 1);

    assert.equal((await api("POST", `${S}/${p.sessionId}/end`, { token: p.a.token })).status, 200);
    await p.jb.inbox.next("session_ended");
    assert.equal((await api("POST", `${S}/${p.sessionId}/rate`, { token: p.a.token, body: { rating: 5, feedback: "¡genial!" } })).status, 200);

    const forB = await api<{ summary: SessionSummary }>("GET", `${S}/${p.sessionId}/summary`, { token: p.b.token });
    assert.equal(forB.status, 200, JSON.stringify(forB.body));
    const b = forB.body.summary;
    assert.equal(b.sessionId, p.sessionId);
    assert.equal(b.status, "completed");
    assert.equal(b.sessionType, "practice");
    assert.equal(b.topicCode, "hobbies.music");
    // The fake clock moved 30 s and 10 s; the real time between the messages adds a few tenths.
    assert.equal(b.me.userId, p.b.userId);
    assert.equal(Math.floor(b.me.spokenSeconds), 10);
    assert.equal(b.me.turnCount, 1);
    assert.deepEqual(b.me.byLanguage, { es: { spokenSeconds: b.me.spokenSeconds, turnCount: 1 } });
    assert.ok(Math.abs(b.me.talkShare - 0.25) < 0.02, `talkShare ${b.me.talkShare}`);
    assert.deepEqual(b.partners.map((x) => [x.userId, Math.floor(x.spokenSeconds)]), [[p.a.userId, 30]]);
    assert.ok(Math.abs((b.partners[0]?.talkShare ?? 0) + b.me.talkShare - 1) < 0.002, "the shares add up to 1");
    assert.ok(b.partners[0]?.displayName);
    assert.equal(b.prompts[0]?.category, "icebreaker");
    assert.equal(b.prompts[0]?.languageCode, "es");
    assert.equal(b.corrections.length, 1);
    assert.deepEqual({ ...b.corrections[0], offsetSeconds: 0 }, { original: "yo ir", corrected: "fui", note: "pretérito", offsetSeconds: 0, from: p.a.userId });
    assert.ok((b.corrections[0]?.offsetSeconds ?? -1) >= 40, "seconds since the start, clock moved 40 s");
    assert.equal(b.ratingGiven, undefined);
    assert.deepEqual(b.ratingsReceived, [{ rating: 5, feedback: "¡genial!" }]);
    assert.equal(b.recordingUrl, undefined);

    const forA = await api<{ summary: SessionSummary }>("GET", `${S}/${p.sessionId}/summary`, { token: p.a.token });
    assert.equal(forA.body.summary.ratingGiven, 5);
    assert.deepEqual(forA.body.summary.ratingsReceived, []);
    assert.deepEqual(forA.body.summary.corrections, [], "corrections made by me are not corrections of my messages");
  });

  it("refuses a stranger (403), an unknown session (404) and a malformed id or query (400)", async () => {
    const p = await activePair("de", "hobbies.music", "B1");
    rooms.push(...p.rooms);
    const stranger = await restUser("stranger", { nativeLanguageCode: "fr", levels: { de: "B1" } });
    assertError(await api("GET", `${S}/${p.sessionId}/summary`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("GET", `${S}/${UNKNOWN_ID}/summary`, { token: p.a.token }), 404, "SESSION_NOT_FOUND");
    assertError(await api("GET", `${S}/not-a-uuid/summary`, { token: p.a.token }), 400, "INVALID_REQUEST");
    assertError(await api("GET", `${S}/${p.sessionId}/summary?x=1`, { token: p.a.token }), 400, "INVALID_REQUEST");
    const live = await api<{ summary: SessionSummary }>("GET", `${S}/${p.sessionId}/summary`, { token: p.a.token });
    assert.equal(live.status, 200);
    assert.equal(live.body.summary.status, "active");
  });
});

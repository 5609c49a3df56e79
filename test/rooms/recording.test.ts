import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ConversationState } from "../../rooms/conversationState.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import type { RecordingManifest } from "../../src/storage/recordingStorage.js";
import type { SessionRecord } from "../../src/store/records.js";
import { leaveAll } from "../http/restSupport.js";
import { eventually, type MatchFound } from "../support/conversations.js";
import { Inbox, newLearner, waitForState, type Learner } from "../support/learners.js";
import { BASE_URL, publishedEvents, testServer } from "../support/testServer.js";

const EBML = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3]);

/** A WebM-looking first chunk: the EBML header, then random bytes. */
function webmStart(size: number): Uint8Array {
  const chunk = randomBytes(size);
  chunk.set(EBML);
  return chunk;
}

/** Two learners matched with the given consents, both in the active conversation (icebreaker received). */
async function consentingPair(lang: string, consents: [boolean, boolean]) {
  const a = await newLearner("rec-a", { nativeLanguageCode: "it", levels: { [lang]: "B1" } });
  const b = await newLearner("rec-b", { nativeLanguageCode: "sv", levels: { [lang]: "B1" } });
  const options = (consent: boolean) => ({ queue: lang, targetLanguageCode: lang, topicCode: "daily_life.introductions", recordingConsent: consent });
  const mmA = await a.sdk.joinOrCreate("matchmaking", options(consents[0]));
  const inA = new Inbox(mmA);
  const mmB = await b.sdk.joinOrCreate("matchmaking", options(consents[1]));
  const inB = new Inbox(mmB);
  const [fa, fb] = await Promise.all([inA.next<MatchFound>("match_found"), inB.next<MatchFound>("match_found")]);
  await Promise.all([mmA.leave(), mmB.leave()]);
  const roomA = await a.sdk.consumeSeatReservation(fa.reservation);
  const convA = new Inbox(roomA);
  const roomB = await b.sdk.consumeSeatReservation(fb.reservation);
  const convB = new Inbox(roomB);
  await Promise.all([convA.next("new_prompt"), convB.next("new_prompt")]);
  return { a, b, sessionId: fa.sessionId, roomA, roomB, convA, convB };
}

async function getJson<T>(path: string, learner: Learner): Promise<{ status: number; body: T }> {
  const response = await fetch(`${BASE_URL}${path}`, { headers: { authorization: `Bearer ${learner.token}` } });
  return { status: response.status, body: (await response.json()) as T };
}

describe("room: recording (DESIGN §5 audio_chunk, §6 Recording; seed 002 §6.4)", () => {
  let rooms: Room[] = [];
  let recordingsDir: string;
  before(async () => {
    recordingsDir = join((await testServer()).config.dataDir, "recordings");
  });
  afterEach(async () => {
    await leaveAll(rooms);
    rooms = [];
  });

  it("records a session both consented to: recording_started, each participant's chunks in its own track, the URL in session_ended, the event and GET /sessions/:id", async () => {
    const p = await consentingPair("en", [true, true]);
    rooms.push(p.roomA, p.roomB);
    const [startedA] = await Promise.all([p.convA.next<{ message: string }>("recording_started"), p.convB.next("recording_started")]);
    assert.match(startedA.message, /recorded/);
    await waitForState(p.roomA as Room<unknown, ConversationState>, (s) => s.recording === true);

    // Refused chunks: the first one must start with the EBML header; none may exceed 64 KiB.
    p.roomA.sendBytes("audio_chunk", randomBytes(100).fill(0, 0, 1));
    assert.equal((await p.convA.next<{ code: string }>("error", 0)).code, "INVALID_REQUEST");
    p.roomA.sendBytes("audio_chunk", webmStart(64 * 1024 + 1));
    assert.equal((await p.convA.next<{ code: string }>("error", 1)).code, "PAYLOAD_TOO_LARGE");

    const a = [webmStart(3000), randomBytes(4000), randomBytes(64 * 1024)];
    const b = [webmStart(2000), randomBytes(500)];
    for (const chunk of a) p.roomA.sendBytes("audio_chunk", chunk);
    for (const chunk of b) p.roomB.sendBytes("audio_chunk", chunk);
    // A valid message after the bytes: once it has its effect, the chunks were handled.
    p.roomA.send("speaking", { speaking: true });
    p.roomB.send("speaking", { speaking: true });
    await waitForState(p.roomA as Room<unknown, ConversationState>, (s) => s.participants.get(p.a.userId)?.speaking === true && s.participants.get(p.b.userId)?.speaking === true);

    p.roomA.send("end_session", {});
    const [endedA, endedB] = await Promise.all([p.convA.next<{ recordingUrl?: string; status: string }>("session_ended"), p.convB.next<{ recordingUrl?: string }>("session_ended")]);
    const manifestPath = join(recordingsDir, p.sessionId, "manifest.json");
    assert.equal(endedA.recordingUrl, `file://${manifestPath}`);
    assert.equal(endedB.recordingUrl, endedA.recordingUrl);

    assert.deepEqual(await readFile(join(recordingsDir, p.sessionId, `${encodeURIComponent(p.a.userId)}.webm`)), Buffer.concat(a));
    assert.deepEqual(await readFile(join(recordingsDir, p.sessionId, `${encodeURIComponent(p.b.userId)}.webm`)), Buffer.concat(b));
    const manifest = JSON.parse(await readFile(manifestPath, "utf8")) as RecordingManifest;
    assert.deepEqual(manifest.tracks.map((t) => [t.userId, t.bytes, t.chunks]).sort(), [
      [p.a.userId, 3000 + 4000 + 64 * 1024, 3],
      [p.b.userId, 2500, 2],
    ].sort());

    const { parley } = await testServer();
    await eventually(async () => (await parley.store.sessions.get(p.sessionId))?.recordingUrl === endedA.recordingUrl, "the session stores the recording URL");
    await eventually(async () => (await parley.store.fileUploads.listBySession(p.sessionId)).every((u) => u.status === "completed"), "file_uploads records completed");
    assert.deepEqual((await parley.store.fileUploads.listBySession(p.sessionId)).map((u) => [u.userId, u.status, u.chunks, u.bytes]).sort(), [
      [p.a.userId, "completed", 3, 3000 + 4000 + 64 * 1024],
      [p.b.userId, "completed", 2, 2500],
    ].sort());
    // The relay publishes to DATA_DIR/events.jsonl (the embedded event bus).
    const completed = async () => (await publishedEvents()).filter((e) => e.eventType === "conversation.completed" && e.payload.sessionId === p.sessionId);
    await eventually(async () => (await completed()).length === 2, "conversation.completed published, one per participant");
    assert.ok((await completed()).every((e) => e.payload.recordingUrl === endedA.recordingUrl));

    type Details = { session: { recordingUrl?: string; recordingTracks?: { userId: string; url: string }[] } };
    const details = await getJson<Details>(`/api/conversations/sessions/${p.sessionId}`, p.b);
    assert.equal(details.status, 200);
    const presigned = details.body.session.recordingUrl ?? "";
    assert.ok(presigned.startsWith("/recordings/") && presigned.includes("signature="), `a presigned URL, not the stored ref: ${presigned}`);
    const served = await fetch(`${BASE_URL}${presigned}`);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get("content-type"), "application/json");
    assert.deepEqual(await served.json(), manifest);
    const trackOfA = details.body.session.recordingTracks?.find((t) => t.userId === p.a.userId);
    assert.ok(trackOfA);
    assert.deepEqual(Buffer.from(await (await fetch(`${BASE_URL}${trackOfA.url}`)).arrayBuffer()), Buffer.concat(a));
    assert.equal((await fetch(`${BASE_URL}${presigned.replace(/signature=[^&]+/, "signature=forged")}`)).status, 403);

    const stranger = await newLearner("rec-stranger", { nativeLanguageCode: "fr", levels: {}, roles: ["moderator"] });
    const asModerator = await getJson<Details>(`/api/conversations/sessions/${p.sessionId}`, stranger);
    assert.equal(asModerator.status, 200);
    assert.equal(asModerator.body.session.recordingUrl, undefined, "moderators see the session, not the recording");
  });

  it("does not record when one participant refused: no recording_started, chunks refused with FORBIDDEN, nothing stored", async () => {
    const p = await consentingPair("de", [true, false]);
    rooms.push(p.roomA, p.roomB);
    p.roomA.sendBytes("audio_chunk", webmStart(1000));
    assert.equal((await p.convA.next<{ code: string }>("error")).code, "FORBIDDEN");
    assert.equal((p.roomA.state as ConversationState).recording, false);
    assert.deepEqual(p.convA.all("recording_started"), []);
    p.roomA.send("end_session", {});
    const ended = await p.convA.next<{ recordingUrl?: string }>("session_ended");
    assert.equal(ended.recordingUrl, undefined);
    await assert.rejects(readFile(join(recordingsDir, p.sessionId, "manifest.json")), { code: "ENOENT" });
  });
});

describe("room: recording a group (seed 000 newcomers, DESIGN §6 consent)", () => {
  const open: Room[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => Promise.race([r.leave().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))])));
  });

  it("records a public group whose members consented, admits a consenting newcomer (recorded too) and refuses one who does not consent", async () => {
    const { parley } = await testServer();
    const [host, member] = [await newLearner("grp-host", { nativeLanguageCode: "fr", levels: { en: "B1" } }), await newLearner("grp-member", { nativeLanguageCode: "fr", levels: { en: "B1" } })];
    const now = new Date();
    const id = randomUUID();
    await parley.store.sessions.create({
      id,
      sessionType: "group",
      type: "public",
      minParticipants: 2,
      maxParticipants: 4,
      hostUserId: host.userId,
      targetLanguageCode: "en",
      topicCode: "daily_life.introductions",
      targetLevel: "B1",
      status: "waiting",
      participants: [host, member].map((l, i) => ({ userId: l.userId, displayName: l.userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role: i === 0 ? ("host" as const) : ("participant" as const), tier: "free" as const, recordingConsent: true, spokenSeconds: 0, turnCount: 0 })),
      prompts: [],
      matchRequestIds: [],
      createdAt: now,
      updatedAt: now,
      durationSeconds: 0,
      ratings: [],
    } as SessionRecord);
    await matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: id });
    const h = await host.sdk.joinById<ConversationState>(id);
    const hIn = new Inbox(h);
    const m = await member.sdk.joinById<ConversationState>(id);
    open.push(h, m);
    await hIn.next("recording_started");

    const refusing = await newLearner("grp-no", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    await assert.rejects(refusing.sdk.joinById(id), /FORBIDDEN/);
    const consenting = await newLearner("grp-yes", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const c = await consenting.sdk.joinById<ConversationState>(id, { recordingConsent: true });
    open.push(c);
    await hIn.next("partner_joined", 1);
    c.sendBytes("audio_chunk", webmStart(1000));
    h.sendBytes("audio_chunk", webmStart(2000));
    await eventually(async () => (await parley.store.fileUploads.listBySession(id)).length === 2, "both tracks opened");
    h.send("end_session", {});
    const ended = await hIn.next<{ recordingUrl?: string }>("session_ended");
    assert.ok(ended.recordingUrl);
    const manifest = await parley.recordings.readManifest(ended.recordingUrl);
    assert.deepEqual(manifest?.tracks.map((t) => [t.userId, t.bytes]).sort(), [[consenting.userId, 1000], [host.userId, 2000]].sort());
    const stored = await parley.store.sessions.get(id);
    assert.equal(stored?.participants.find((p) => p.userId === consenting.userId)?.recordingConsent, true, "the newcomer's consent is stored");
  });
});

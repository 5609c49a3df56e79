import { participantRecord } from "../support/sessionRecords.js";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { matchMaker } from "@colyseus/core";
import type { Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import type { SessionRecord } from "../../src/store/records.js";
import { REALISTIC_AUDIO_OFFER } from "../unit/session/fixtures/sdp.js";
import { eventually } from "../support/conversations.js";
import { Inbox, newLearner, waitForState, type Learner } from "../support/learners.js";
import { clock, testServer } from "../support/testServer.js";

/**
 * A group session (seed 000, DESIGN §5–§6) in the conversation room, stored as the group
 * endpoints store it: the host and the invited participants, `type`, `minParticipants`,
 * `maxParticipants`, `hostUserId`.
 */
async function storedGroup(host: Learner, invited: Learner[], extra: { type: "public" | "private"; maxParticipants: number }): Promise<SessionRecord> {
  const { parley } = await testServer();
  const now = new Date(clock.now());
  const record = {
    id: randomUUID(),
    sessionType: "group" as const,
    type: extra.type,
    minParticipants: 2,
    maxParticipants: extra.maxParticipants,
    hostUserId: host.userId,
    targetLanguageCode: "en",
    topicCode: "daily_life.introductions",
    targetLevel: "B1" as const,
    status: "waiting" as const,
    participants: [host, ...invited].map((l, i) => participantRecord(l.userId, i === 0 ? "host" : "participant")),
    prompts: [],
    matchRequestIds: [],
    createdAt: now,
    updatedAt: now,
    durationSeconds: 0,
    ratings: [],
  };
  await parley.store.sessions.create(record);
  await matchMaker.createRoom(ROOM_NAMES.conversation, { sessionId: record.id });
  return record;
}

const learner = (name: string) => newLearner(name, { nativeLanguageCode: "fr", levels: { en: "B1" } });

describe("rooms: group sessions (seed 000)", () => {
  const open: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    // A leave on a connection the server closed can stay pending (COLYSEUS-NOTES): race it.
    await Promise.all(open.splice(0).map((r) => Promise.race([r.leave().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 500))])));
  });

  async function join(l: Learner, sessionId: string) {
    const room = await l.sdk.joinById<ConversationState>(sessionId);
    open.push(room);
    return { room, inbox: new Inbox(room) };
  }

  it("runs a public group of four: mesh signaling to each target only, a fifth is SESSION_FULL, the host hands over and ends it", async () => {
    const { parley } = await testServer();
    const [host, p2, p3] = [await learner("host"), await learner("p2"), await learner("p3")];
    const session = await storedGroup(host, [p2, p3], { type: "public", maxParticipants: 4 });
    const h = await join(host, session.id);
    const a = await join(p2, session.id);
    await h.inbox.next("new_prompt");
    const b = await join(p3, session.id);
    const newcomer = await learner("p4");
    const c = await join(newcomer, session.id);
    await eventually(async () => (await parley.store.sessions.get(session.id))?.participants.length === 4, "newcomer stored");
    assert.equal((await h.inbox.next<{ partnerId: string }>("partner_joined", 2)).partnerId, newcomer.userId);

    a.room.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: newcomer.userId });
    assert.equal((await c.inbox.next<{ from: string }>("offer")).from, p2.userId);
    b.room.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: host.userId });
    assert.equal((await h.inbox.next<{ from: string }>("offer")).from, p3.userId);
    assert.equal(a.inbox.all("offer").length + b.inbox.all("offer").length, 0, "nobody else gets them");
    assert.equal(h.inbox.all("offer").length, 1);

    await assert.rejects((await learner("p5")).sdk.joinById(session.id), /SESSION_FULL/);

    a.room.send("end_session", {});
    assert.equal((await a.inbox.next<{ code: string }>("error")).code, "FORBIDDEN");

    await h.room.leave();
    await waitForState(a.room, (s) => s.hostUserId === p2.userId);
    assert.equal(a.room.state.participants.get(p2.userId)?.role, "host");
    await eventually(async () => (await parley.store.sessions.get(session.id))?.hostUserId === p2.userId, "new host stored");

    a.room.send("end_session", {});
    for (const x of [a, b, c]) assert.equal((await x.inbox.next<{ reason: string }>("session_ended")).reason, "host_ended");
    await eventually(async () => (await parley.store.sessions.get(session.id))?.endReason === "host_ended", "end stored");
  });

  it("refuses a stranger to a private group and a participant blocked by someone already in", async () => {
    const { parley } = await testServer();
    const [host, p2, p3] = [await learner("host"), await learner("p2"), await learner("p3")];
    await parley.store.moderation.block(host.userId, p3.userId);
    const session = await storedGroup(host, [p2, p3], { type: "private", maxParticipants: 6 });
    await join(host, session.id);
    await assert.rejects((await learner("stranger")).sdk.joinById(session.id), /NOT_A_PARTICIPANT/);
    await assert.rejects(p3.sdk.joinById(session.id), /FORBIDDEN/);
    const a = await join(p2, session.id);
    await a.inbox.next("new_prompt");
  });
});

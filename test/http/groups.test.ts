import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import type { DevTokenClaims } from "../../src/auth/devTokens.js";
import { defaultGroupTopic, INVITE_CODE_PATTERN } from "../../src/groups/groupRules.js";
import type { Store } from "../../src/store/repositories.js";
import { TopicCatalog } from "../../src/topics/topicCatalog.js";
import { newLearner } from "../support/learners.js";
import { testServer } from "../support/testServer.js";
import { api, assertError, leaveAll, premium, restUser, UNKNOWN_ID, type RestUser } from "./restSupport.js";

const S = "/api/conversations/sessions";
const DAY_MS = 24 * 3600 * 1000;

/** The group part of a join body (`POST /sessions`, join by id or code). */
interface GroupJoinBody {
  session: {
    id: string;
    status: string;
    sessionType: string;
    type: "public" | "private";
    hostUserId: string;
    inviteCode?: string;
    minParticipants: number;
    maxParticipants: number;
    seatsLeft: number;
    scheduledStartAt?: string;
    targetLanguageCode: string;
    participants: { userId: string; displayName: string }[];
    topic: { code: string; nameKey: string };
    webrtcConfig: { iceServers: { urls: string[]; username?: string; credential?: string }[] };
  };
  reservation: { roomId: string; sessionId: string; name?: string };
}

interface GroupList {
  sessions: { id: string; type: string; status: string; hostUserId: string; seatsLeft: number; maxParticipants: number; inviteCode?: string; participants: { userId: string }[]; topic: { code: string } }[];
  nextCursor?: string;
}

/** Claims of a free learner of `lang` at `level`. */
function free(lang: string, level: "A1" | "A2" | "B1" = "A2", native = "pt"): Omit<DevTokenClaims, "sub"> {
  return { nativeLanguageCode: native, levels: { [lang]: level }, tier: "free" };
}

async function createGroup(user: RestUser, body: Record<string, unknown>) {
  const res = await api<GroupJoinBody>("POST", S, { token: user.token, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

describe("http: group sessions (create, list, join by id or invite code)", () => {
  let store: Store;
  const rooms: Room[] = [];
  before(async () => {
    store = (await testServer()).parley.store;
  });
  after(async () => {
    await leaveAll(rooms);
  });

  it("creates a public group: the creator is the host, with a seat reservation, ICE servers and the defaults of seed 000", async () => {
    const host = await newLearner("host", premium("en", "B1"));
    const before = await store.sessions.countCountedSince(host.userId, new Date(0));
    const res = await api<GroupJoinBody>("POST", S, { token: host.token, body: { type: "public", targetLanguageCode: "en", topicCode: "travel.holidays" } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const { session, reservation } = res.body;
    assert.equal(session.type, "public");
    assert.equal(session.sessionType, "group");
    assert.equal(session.status, "waiting");
    assert.equal(session.hostUserId, host.userId);
    assert.equal(session.inviteCode, undefined);
    assert.deepEqual([session.minParticipants, session.maxParticipants, session.seatsLeft], [2, 6, 5]);
    assert.deepEqual(session.participants.map((p) => p.userId), [host.userId]);
    assert.equal(session.topic.code, "travel.holidays");
    assert.ok(Array.isArray(session.webrtcConfig.iceServers));
    assert.equal(reservation.roomId, session.id);

    const room = await host.sdk.consumeSeatReservation(res.body.reservation as never);
    rooms.push(room);
    assert.equal(room.roomId, session.id);

    const stored = await store.sessions.get(session.id);
    assert.equal(stored?.type, "public");
    assert.equal(stored?.hostUserId, host.userId);
    assert.deepEqual([stored?.minParticipants, stored?.maxParticipants], [2, 6]);
    assert.deepEqual(stored?.participants.map((p) => [p.userId, p.role]), [[host.userId, "host"]]);
    // A group counts toward the weekly quota like a pair (seed 002 §6.5).
    assert.equal(await store.sessions.countCountedSince(host.userId, new Date(0)), before + 1);
  });

  it("gives a group created without a topic the most popular topic the host may open at their level", async () => {
    const host = await restUser("host", free("en", "A2"));
    const { session } = await createGroup(host, { type: "public", targetLanguageCode: "en" });
    const stored = await store.sessions.get(session.id);
    assert.equal(stored?.targetLevel, "A2");
    const expected = defaultGroupTopic(new TopicCatalog().list({ targetLanguageCode: "en" }), "A2", { tier: "free", skills: [] });
    assert.equal(expected?.level, "A2");
    assert.equal(session.topic.code, expected?.code);
  });

  it("creates a private group with an 8-character unambiguous invite code that another learner joins, typed loosely", async () => {
    const host = await restUser("host", premium("fr", "B1"));
    const start = new Date(Date.now() + 2 * DAY_MS).toISOString();
    const created = await createGroup(host, { type: "private", targetLanguageCode: "fr", topicCode: "travel.holidays", minParticipants: 3, maxParticipants: 4, scheduledStartAt: start });
    const code = created.session.inviteCode ?? "";
    assert.match(code, INVITE_CODE_PATTERN);
    assert.doesNotMatch(code, /[01OIL]/);
    assert.deepEqual([created.session.minParticipants, created.session.maxParticipants, created.session.seatsLeft], [3, 4, 3]);
    assert.equal(created.session.scheduledStartAt, start);

    const guest = await restUser("guest", premium("fr", "B2"));
    const typed = `  ${code.slice(0, 4).toLowerCase()}-${code.slice(4)} `;
    const joined = await api<GroupJoinBody>("POST", `${S}/join-by-code`, { token: guest.token, body: { inviteCode: typed } });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal(joined.body.session.id, created.session.id);
    assert.deepEqual(joined.body.session.participants.map((p) => p.userId), [host.userId, guest.userId]);
    assert.equal(joined.body.session.inviteCode, code);
    assert.equal(joined.body.reservation.roomId, created.session.id);
    assert.ok(Array.isArray(joined.body.session.webrtcConfig.iceServers));
    const stored = await store.sessions.get(created.session.id);
    assert.deepEqual(stored?.participants.map((p) => [p.userId, p.role, p.level]), [[host.userId, "host", "B1"], [guest.userId, "participant", "B2"]]);

    // Joining again is idempotent: no second seat (the answer is a new reservation, or 409 while
    // the room holds no free seat for another pending one).
    const again = await api<GroupJoinBody>("POST", `${S}/join-by-code`, { token: guest.token, body: { inviteCode: code } });
    assert.ok(again.status === 200 || again.status === 409, JSON.stringify(again.body));
    assert.equal((await store.sessions.get(created.session.id))?.participants.length, 2);

    // By id, a private group is closed to strangers (its members see it with its code).
    const stranger = await restUser("stranger", premium("fr", "B1"));
    assertError(await api("POST", `${S}/${created.session.id}/join`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    assertError(await api("GET", `${S}/${created.session.id}`, { token: stranger.token }), 403, "NOT_A_PARTICIPANT");
    const details = await api<{ session: { type: string; inviteCode?: string; hostUserId: string } }>("GET", `${S}/${created.session.id}`, { token: guest.token });
    assert.equal(details.status, 200);
    assert.deepEqual([details.body.session.type, details.body.session.inviteCode, details.body.session.hostUserId], ["private", code, host.userId]);
  });

  it("seats newcomers of a public group joined by id, and refuses the one past maxParticipants with 409 SESSION_FULL", async () => {
    const host = await restUser("host", premium("de", "B1"));
    const { session } = await createGroup(host, { type: "public", targetLanguageCode: "de", topicCode: "travel.holidays", maxParticipants: 2 });
    const guest = await restUser("guest", premium("de", "B1"));
    const joined = await api<GroupJoinBody>("POST", `${S}/${session.id}/join`, { token: guest.token });
    assert.equal(joined.status, 200, JSON.stringify(joined.body));
    assert.equal(joined.body.reservation.roomId, session.id);
    assert.equal(joined.body.session.seatsLeft, 0);
    const late = await restUser("late", premium("de", "B1"));
    assertError(await api("POST", `${S}/${session.id}/join`, { token: late.token }), 409, "SESSION_FULL");
    assert.deepEqual((await store.sessions.get(session.id))?.participants.map((p) => p.userId), [host.userId, guest.userId]);
  });

  it("refuses a newcomer blocked by a member or banned (403), one already in a live session or with a pending ticket (409), and any join of an ended group (409)", async () => {
    const host = await restUser("host", premium("en", "B1"));
    const { session } = await createGroup(host, { type: "public", targetLanguageCode: "en", topicCode: "travel.holidays" });
    const blocked = await restUser("blocked", premium("en", "B1"));
    await store.moderation.block(host.userId, blocked.userId);
    assertError(await api("POST", `${S}/${session.id}/join`, { token: blocked.token }), 403, "FORBIDDEN");

    const otherHost = await restUser("other", premium("en", "B1"));
    await createGroup(otherHost, { type: "public", targetLanguageCode: "en", topicCode: "travel.holidays" });
    assertError(await api("POST", `${S}/${session.id}/join`, { token: otherHost.token }), 409, "ALREADY_IN_SESSION");
    assertError(await api("POST", S, { token: otherHost.token, body: { type: "public", targetLanguageCode: "en" } }), 409, "ALREADY_IN_SESSION");

    const waiting = await restUser("waiting", premium("en", "B1"));
    const ticket = await api("POST", "/api/conversations/match-request", { token: waiting.token, body: { targetLanguageCode: "en", topicCode: "work.leadership" } });
    assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
    assertError(await api("POST", `${S}/${session.id}/join`, { token: waiting.token }), 409, "ALREADY_MATCHED");
    assertError(await api("POST", S, { token: waiting.token, body: { type: "private", targetLanguageCode: "en" } }), 409, "ALREADY_MATCHED");

    const banned = await restUser("banned", premium("en", "B1"));
    await store.moderation.resolve(banned.userId, { action: "ban", moderatorUserId: "mod", at: new Date(), bannedUntil: new Date(Date.now() + DAY_MS) });
    assertError(await api("POST", `${S}/${session.id}/join`, { token: banned.token }), 403, "BANNED");
    assertError(await api("POST", S, { token: banned.token, body: { type: "public", targetLanguageCode: "en" } }), 403, "BANNED");

    const ended = await restUser("ended", premium("en", "B1"));
    const endedGroup = await createGroup(ended, { type: "public", targetLanguageCode: "en", topicCode: "travel.holidays" });
    assert.ok(await store.sessions.transition(endedGroup.session.id, ["waiting"], { status: "expired", endedAt: new Date(), endReason: "timeout" }));
    const late = await restUser("late", premium("en", "B1"));
    assertError(await api("POST", `${S}/${endedGroup.session.id}/join`, { token: late.token }), 409, "SESSION_NOT_ACTIVE");
  });

  it("applies the free tier's topic and scheduling rules to groups", async () => {
    const learner = await restUser("free", free("en", "A2"));
    assertError(await api("POST", S, { token: learner.token, body: { type: "public", targetLanguageCode: "en", topicCode: "culture.cinema" } }), 403, "TOPIC_LOCKED");
    const start = new Date(Date.now() + DAY_MS).toISOString();
    assertError(await api("POST", S, { token: learner.token, body: { type: "public", targetLanguageCode: "en", scheduledStartAt: start } }), 403, "PREMIUM_REQUIRED");

    const host = await restUser("host", premium("en", "B2"));
    const { session } = await createGroup(host, { type: "public", targetLanguageCode: "en", topicCode: "culture.cinema" });
    assertError(await api("POST", `${S}/${session.id}/join`, { token: learner.token }), 403, "TOPIC_LOCKED");
  });

  it("answers every malformed creation with 400 INVALID_REQUEST, never a 500", async () => {
    const user = await restUser("bad", premium("en", "B1"));
    const ok = { type: "public", targetLanguageCode: "en" };
    const bodies: unknown[] = [
      {},
      { targetLanguageCode: "en" },
      { ...ok, type: "secret" },
      { ...ok, type: 1 },
      { ...ok, targetLanguageCode: "english" },
      { ...ok, targetLanguageCode: 7 },
      { ...ok, topicCode: "Not A Code" },
      { ...ok, minParticipants: 1 },
      { ...ok, maxParticipants: 7 },
      { ...ok, minParticipants: 4, maxParticipants: 3 },
      { ...ok, minParticipants: "2" },
      { ...ok, maxParticipants: 2.5 },
      { ...ok, maxParticipants: null },
      { ...ok, scheduledStartAt: "tomorrow" },
      { ...ok, scheduledStartAt: new Date(Date.now() + 8 * DAY_MS).toISOString() },
      { ...ok, scheduledStartAt: new Date(Date.now() - DAY_MS).toISOString() },
      { ...ok, inviteCode: "ABCDEFGH" },
      { ...ok, hostUserId: "someone-else" },
      [ok],
      "public",
    ];
    for (const body of bodies) {
      const res = await api("POST", S, { token: user.token, body });
      assertError(res, 400, "INVALID_REQUEST");
    }
    assertError(await api("POST", S, { token: user.token, raw: "{nope" }), 400, "INVALID_REQUEST");
    assertError(await api("POST", `${S}?x=1`, { token: user.token, body: ok }), 400, "INVALID_REQUEST");
    const noLevel = await restUser("nolevel", premium("es", "B1"));
    assertError(await api("POST", S, { token: noLevel.token, body: ok }), 400, "INVALID_REQUEST");
    assertError(await api("POST", S, { token: user.token, body: { ...ok, topicCode: "no.such_topic" } }), 404, "TOPIC_NOT_FOUND");
    assertError(await api("POST", S, { body: ok }), 401, "UNAUTHORIZED");
    assert.equal(await store.sessions.liveByUser(user.userId), undefined, "no group was created");
  });

  it("answers malformed invite codes with 400 and unknown ones with 404", async () => {
    const user = await restUser("code", premium("en", "B1"));
    for (const body of [{}, { inviteCode: 12345678 }, { inviteCode: "ABC" }, { inviteCode: "ABCDEFGHJ" }, { inviteCode: "OOOO0000" }, { inviteCode: "ABCDEFG!" }, { inviteCode: "ABCDEFGH", extra: true }, { inviteCode: "x".repeat(40) }]) {
      assertError(await api("POST", `${S}/join-by-code`, { token: user.token, body }), 400, "INVALID_REQUEST");
    }
    assertError(await api("POST", `${S}/join-by-code`, { token: user.token, body: { inviteCode: "ZZZZZZZZ" } }), 404, "SESSION_NOT_FOUND");
    assertError(await api("POST", `${S}/${UNKNOWN_ID}/join`, { token: user.token }), 404, "SESSION_NOT_FOUND");
  });

  it("lists public waiting groups of a language oldest first, page by page, without private groups or invite codes", async () => {
    const lang = "es";
    const hosts = await Promise.all([0, 1, 2, 3].map((i) => restUser(`lister${i}`, premium(lang, "B1"))));
    const created: string[] = [];
    for (const h of hosts.slice(0, 3)) created.push((await createGroup(h, { type: "public", targetLanguageCode: lang, topicCode: "travel.holidays", maxParticipants: 3 })).session.id);
    const hidden = await createGroup(hosts[3] as RestUser, { type: "private", targetLanguageCode: lang, topicCode: "travel.holidays" });
    const reader = await restUser("reader", premium(lang, "B1"));

    const first = await api<GroupList>("GET", `${S}?type=public&status=waiting&targetLanguageCode=${lang}&limit=2`, { token: reader.token });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.sessions.map((s) => s.id), created.slice(0, 2));
    assert.ok(first.body.nextCursor);
    const item = first.body.sessions[0];
    assert.deepEqual([item?.type, item?.status, item?.hostUserId, item?.maxParticipants, item?.seatsLeft, item?.inviteCode, item?.topic.code], ["public", "waiting", hosts[0]?.userId, 3, 2, undefined, "travel.holidays"]);
    const second = await api<GroupList>("GET", `${S}?targetLanguageCode=${lang}&limit=2&cursor=${first.body.nextCursor}`, { token: reader.token });
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.deepEqual(second.body.sessions.map((s) => s.id), created.slice(2));
    assert.equal(second.body.nextCursor, undefined);
    const all = await api<GroupList>("GET", `${S}?targetLanguageCode=${lang}`, { token: reader.token });
    assert.ok(!all.body.sessions.some((s) => s.id === hidden.session.id));
    const active = await api<GroupList>("GET", `${S}?status=active&targetLanguageCode=${lang}`, { token: reader.token });
    assert.deepEqual(active.body.sessions, []);
  });

  it("answers malformed list queries with 400 INVALID_REQUEST", async () => {
    const user = await restUser("query", premium("en", "B1"));
    for (const q of ["type=private", "status=completed", "limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=bm9wZQ", "targetLanguageCode=english", "sort=new", "limit=1&limit=2"]) {
      assertError(await api("GET", `${S}?${q}`, { token: user.token }), 400, "INVALID_REQUEST");
    }
  });
});

import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { Inbox } from "../../src/client/roomInbox.js";
import { ROOM_CACHES_KEY } from "../../src/presence/redisBackends.js";
import { SEED_TOPICS } from "../../src/topics/seed/index.js";
import { createMongoStore } from "../../src/store/mongo/mongoStore.js";
import { REALISTIC_AUDIO_ANSWER, REALISTIC_AUDIO_OFFER } from "../unit/session/fixtures/sdp.js";
import { dropDatabase, freshDatabaseUri, learnerAt, requireBackends, startChildParley, type ChildParley, type ClusterLearner } from "./support/parleyCluster.js";

/**
 * The main flow across **two parley processes** sharing Redis (presence + driver), one Mongo
 * database (FerretDB) and Kafka — the deployment of ecosystem.config.js:
 * - learner A's SDK talks to process 1, learner B's to process 2; each waits in its own
 *   process's matchmaking gateway of the queue, both tickets in the queue's one actor; they
 *   are matched, and meet in one conversation room (wherever it runs: each reservation
 *   carries its process's publicAddress);
 * - offer/answer and ICE relayed, icebreaker and a requested prompt, end, both rate;
 * - the learner whose first contact is *not* the conversation room's process drops and
 *   reconnects within the grace period: the reconnect request goes to its own process, which
 *   reserves the seat on the other one through Redis;
 * - the session is read back from Mongo with a store instance, and every event from Kafka
 *   with a real consumer, each user's in order.
 * Isolation: Redis database 7 (flushed first), a fresh Mongo database, a fresh Kafka topic.
 */

const PORTS = [2611, 2612] as const;
const REDIS_DB = 7;

interface Reservation {
  name: string;
  roomId: string;
  sessionId: string;
  processId: string;
  publicAddress?: string;
}

interface MatchFound {
  sessionId: string;
  isInitiator: boolean;
  partner: { userId: string };
  reservation: Reservation;
}

interface KafkaEvent {
  key: string;
  eventType: string;
  eventId: string;
  correlationId: string;
}

function redisUrlWithDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

function sdkReservation(r: Reservation): Parameters<ClusterLearner["sdk"]["consumeSeatReservation"]>[0] {
  return r as Parameters<ClusterLearner["sdk"]["consumeSeatReservation"]>[0];
}

describe("integration: two processes sharing Redis, Mongo and Kafka", function () {
  this.timeout(120_000);
  const servers: ChildParley[] = [];
  let mongoUri = "";
  let redisUrl = "";
  let topic = "";
  let consumer: Consumer | undefined;
  const consumed: KafkaEvent[] = [];

  before(async function () {
    requireBackends(this, "two processes", ["REDIS_URL", "MONGODB_URI", "KAFKA_BROKERS"]);
    redisUrl = redisUrlWithDb(process.env.REDIS_URL ?? "", REDIS_DB);
    mongoUri = freshDatabaseUri(process.env.MONGODB_URI ?? "", "parley_two_processes");
    topic = `parley.it.conversation.events.${Date.now().toString(36)}`;
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    const shared = {
      REDIS_URL: redisUrl,
      MONGODB_URI: mongoUri,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? "",
      KAFKA_TOPIC_CONVERSATIONS: topic,
      RECONNECT_GRACE_SECONDS: "20",
    };
    // Process 2 boots first. Colyseus places a new room on the process with the fewest rooms,
    // and on a tie (measured with 0.18: the process that registered *last*), so the matchmaking
    // room lands on process 1 and the conversation room on process 2 — then A, whose first
    // contact is process 1, is the one to reconnect across. The test does not depend on it:
    // it drops whichever learner's first contact is not the conversation room's process.
    const started = new Map<number, ChildParley>();
    for (const port of [...PORTS].reverse()) started.set(port, await startChildParley(port, { ...shared, PUBLIC_ADDRESS: `127.0.0.1:${port}` }, 60_000));
    for (const port of PORTS) servers.push(started.get(port) as ChildParley);
  });

  after(async () => {
    await consumer?.disconnect().catch(() => undefined);
    const codes = await Promise.all(servers.map((s) => s.stop(35_000)));
    if (mongoUri) await dropDatabase(mongoUri).catch(() => undefined);
    for (const [i, code] of codes.entries()) if (code !== 0) console.warn(`process ${i + 1} exited with ${String(code)}:\n${servers[i]?.logTail()}`);
  });

  it("matches A (via process 1) with B (via process 2), runs the whole conversation across them, and reconnects a learner through the other process", async () => {
    const startedAt = Date.now();
    const [p1, p2] = servers as [ChildParley, ChildParley];
    for (const s of servers) {
      const ready = await fetch(`${s.baseUrl}/readyz`);
      const body = (await ready.json()) as { checks: Record<string, { ok: boolean; kind: string }> };
      assert.equal(ready.status, 200, JSON.stringify(body));
      assert.deepEqual([body.checks.store?.kind, body.checks.events?.kind, body.checks.redis?.kind], ["mongo", "kafka", "redis"]);
    }

    const a = learnerAt(p1.baseUrl, "anouk", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const b = learnerAt(p2.baseUrl, "bram", { nativeLanguageCode: "de", levels: { en: "B1" } });
    const opts = { queue: "en", targetLanguageCode: "en", topicCode: "hobbies.music" };
    const mmA = await a.sdk.joinOrCreate("matchmaking", opts);
    const inMmA = new Inbox(mmA);
    const mmB = await b.sdk.joinOrCreate("matchmaking", opts);
    const inMmB = new Inbox(mmB);
    assert.notEqual(mmB.roomId, mmA.roomId, "each learner waits in the matchmaking gateway of the process it asked");
    const [fa, fb] = await Promise.all([inMmA.next<MatchFound>("match_found", 0, 15_000), inMmB.next<MatchFound>("match_found", 0, 15_000)]);
    await Promise.all([mmA.leave(), mmB.leave()]);
    assert.equal(fa.sessionId, fb.sessionId);
    assert.equal(fa.partner.userId, b.userId);
    const sessionId = fa.sessionId;

    // Where each room runs: from the shared listing in Redis.
    const redis = new Redis(redisUrl);
    const listing = async (roomId: string) => JSON.parse((await redis.hget(ROOM_CACHES_KEY, roomId)) ?? "{}") as { processId?: string; publicAddress?: string };
    const roomAddress = fa.reservation.publicAddress;
    assert.ok(roomAddress === "127.0.0.1:2611" || roomAddress === "127.0.0.1:2612", `the reservation names its process's public address (${roomAddress})`);
    assert.equal(fb.reservation.publicAddress, roomAddress);
    assert.equal((await listing(sessionId)).publicAddress, roomAddress);

    const roomA = await a.sdk.consumeSeatReservation(sdkReservation(fa.reservation));
    const inA = new Inbox(roomA);
    const roomB = await b.sdk.consumeSeatReservation(sdkReservation(fb.reservation));
    const inB = new Inbox(roomB);
    for (const room of [roomA, roomB]) room.reconnection.enabled = false;
    assert.equal(roomA.roomId, sessionId);
    const [iceA, iceB] = await Promise.all([inA.next<{ category: string }>("new_prompt", 0, 10_000), inB.next<{ category: string }>("new_prompt", 0, 10_000)]);
    assert.equal(iceA.category, "icebreaker");
    assert.equal(iceB.category, "icebreaker");
    await inA.next("partner_joined", 0, 10_000);

    // Signaling, relayed to the target only.
    roomA.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: b.userId });
    assert.equal((await inB.next<{ from: string; sdp: string }>("offer", 0, 10_000)).from, a.userId);
    roomB.send("answer", { sdp: REALISTIC_AUDIO_ANSWER, targetUserId: a.userId });
    assert.equal((await inA.next<{ from: string }>("answer", 0, 10_000)).from, b.userId);
    roomA.send("ice_candidate", { candidate: { candidate: "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host", sdpMid: "0", sdpMLineIndex: 0 }, targetUserId: b.userId });
    assert.equal((await inB.next<{ from: string }>("ice_candidate", 0, 10_000)).from, a.userId);
    roomB.send("request_next_prompt", {});
    const next = await inA.next<{ category: string }>("new_prompt", 1, 10_000);
    assert.notEqual(next.category, "icebreaker");

    // Drop and reconnect the learner whose first contact is the *other* process.
    const firstContactOf = { [a.userId]: "127.0.0.1:2611", [b.userId]: "127.0.0.1:2612" };
    const dropper = firstContactOf[a.userId] !== roomAddress ? { who: "A", learner: a, room: roomA, other: roomB, otherInbox: inB } : { who: "B", learner: b, room: roomB, other: roomA, otherInbox: inA };
    console.log(`      conversation room on ${roomAddress}; ${dropper.who} (first contact ${firstContactOf[dropper.learner.userId]}) drops and reconnects`);
    const token = dropper.room.reconnectionToken;
    dropper.room.connection.close(3000, "network lost");
    const back: Room = await dropper.learner.sdk.reconnect(token);
    back.reconnection.enabled = false;
    const inBack = new Inbox(back);
    assert.equal(back.roomId, sessionId, "reconnected to the same room, on the other process");
    dropper.other.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: dropper.learner.userId });
    assert.equal((await inBack.next<{ from: string }>("offer", 0, 10_000)).from, dropper.who === "A" ? b.userId : a.userId);
    assert.equal(dropper.otherInbox.all("partner_left").length, 0, "no partner_left within the grace period");
    const roomOf = (learner: ClusterLearner) => (learner === dropper.learner ? back : learner === a ? roomA : roomB);
    const inboxOf = (learner: ClusterLearner) => (learner === dropper.learner ? inBack : learner === a ? inA : inB);

    // End and rate.
    roomOf(b).send("end_session", {});
    const [endedA, endedB] = await Promise.all([inboxOf(a).next<{ status: string; reason: string }>("session_ended", 0, 10_000), inboxOf(b).next<{ status: string }>("session_ended", 0, 10_000)]);
    assert.deepEqual([endedA.status, endedA.reason, endedB.status], ["completed", "completed", "completed"]);
    roomOf(a).send("rate", { rating: 5, feedback: "super" });
    roomOf(b).send("rate", { rating: 4 });
    await inboxOf(a).next("rated", 0, 10_000);
    const rated = await inboxOf(b).next<{ averageRating: number }>("rated", 0, 10_000);
    assert.ok(rated.averageRating === 4.5 || rated.averageRating === 4, `average after both ratings or B's alone (${rated.averageRating})`);
    await Promise.all([roomOf(a).leave(), roomOf(b).leave()]);
    redis.disconnect();
    const flowMs = Date.now() - startedAt;

    // The session, from Mongo.
    const store = await createMongoStore(mongoUri);
    try {
      const session = await store.sessions.get(sessionId);
      assert.equal(session?.status, "completed");
      assert.equal(session?.endReason, "completed");
      assert.deepEqual(session?.participants.map((p) => p.userId).sort(), [a.userId, b.userId].sort());
      assert.equal(session?.prompts.length, 2);
      assert.deepEqual(session?.ratings.map((r) => r.rating).sort(), [4, 5]);
      assert.equal((await store.matchRequests.latestByUser(a.userId))?.status, "matched");
    } finally {
      await store.close();
    }

    // Every event, from Kafka, with a real consumer: each user's stream complete and in order.
    const kafka = new Kafka({ clientId: "parley-it-reader", brokers: (process.env.KAFKA_BROKERS ?? "").split(","), logLevel: logLevel.NOTHING });
    consumer = kafka.consumer({ groupId: `parley-it-${Date.now().toString(36)}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const expected = ["match.requested", "conversation.matched", "conversation.started", "conversation.completed", "conversation.rated"];
    const complete = () => [a.userId, b.userId].every((u) => consumed.filter((e) => e.key === u).length >= expected.length);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`events not all read from Kafka within 30 s: ${JSON.stringify(consumed)}`)), 30_000);
      void consumer?.run({
        eachMessage: async ({ message }) => {
          const value = JSON.parse(message.value?.toString() ?? "{}") as { eventType: string; eventId: string; metadata: { correlationId: string } };
          consumed.push({ key: message.key?.toString() ?? "", eventType: value.eventType, eventId: value.eventId, correlationId: value.metadata.correlationId });
          if (complete()) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    for (const user of [a.userId, b.userId]) {
      assert.deepEqual(consumed.filter((e) => e.key === user).map((e) => e.eventType), expected, `${user}'s events, in order`);
    }
    assert.equal(new Set(consumed.map((e) => e.eventId)).size, consumed.length, "no event published twice");
    console.log(`      two-process flow: ${flowMs} ms from ready processes to rated; ${Date.now() - startedAt} ms including the Mongo and Kafka read-back`);
  });

  it("an admin's topic change on one process is served by the other within a second; the seed catalog was stored once", async () => {
    const [p1, p2] = servers as [ChildParley, ChildParley];
    const store = await createMongoStore(mongoUri);
    try {
      assert.equal((await store.topics.list()).length, SEED_TOPICS.length, "both processes booted on the empty store; each seed topic is stored once");
    } finally {
      await store.close();
    }
    const admin = learnerAt(p1.baseUrl, "admin", { nativeLanguageCode: "en", levels: {}, roles: ["admin"] });
    const learner = learnerAt(p2.baseUrl, "reader", { nativeLanguageCode: "fr", levels: { en: "A1" } });
    const code = `hobbies.board_games_${Date.now().toString(36).replace(/[0-9]/g, "")}`;
    const call = (base: string, method: string, path: string, token: string, body?: unknown) =>
      fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    /** Milliseconds until `probe` holds on the other process, polled every 10 ms; fails after 1 s. */
    const within1s = async (what: string, probe: () => Promise<boolean>) => {
      const started = Date.now();
      while (!(await probe())) {
        if (Date.now() - started > 1000) assert.fail(`${what}: not seen by the other process within 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return Date.now() - started;
    };
    const topic = {
      code, targetLanguageCode: "en", nameKey: `topics.${code}.name`, descriptionKey: `topics.${code}.description`, name: "Board games",
      description: "Talk about the board games you like.", level: "A1", category: "hobbies", estimatedDurationMinutes: 10, isActive: true, popularityScore: 10,
      prompts: [
        { promptKey: `${code}.icebreaker.1`, type: "icebreaker", order: 1, text: "What game did you play last?" },
        { promptKey: `${code}.main.1`, type: "main", order: 1, text: "Describe the rules of your favourite game." },
      ],
    };
    const learnerSees = async () => (await call(p2.baseUrl, "GET", `/api/conversations/topics/${code}?targetLanguageCode=en`, learner.token)).status === 200;
    assert.equal(await learnerSees(), false);
    assert.equal((await call(p1.baseUrl, "POST", "/api/admin/topics", admin.token, topic)).status, 201);
    const createdMs = await within1s("created topic", learnerSees);
    assert.equal((await call(p2.baseUrl, "PUT", `/api/admin/topics/en/${code}`, admin.token, { ...topic, isActive: false })).status, 200);
    const replacedMs = await within1s("deactivated topic", async () => (await call(p1.baseUrl, "GET", `/api/conversations/topics/${code}?targetLanguageCode=en`, learner.token)).status === 404);
    assert.equal((await call(p1.baseUrl, "DELETE", `/api/admin/topics/en/${code}`, admin.token)).status, 200);
    const deletedMs = await within1s("deleted topic", async () => (await call(p2.baseUrl, "GET", `/api/admin/topics/en/${code}`, admin.token)).status === 404);
    console.log(`      topic changes seen by the other process after ${createdMs} ms (create), ${replacedMs} ms (replace), ${deletedMs} ms (delete)`);
  });
});

import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { Redis } from "ioredis";
import { Inbox } from "../../src/client/roomInbox.js";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { ROOM_CACHES_KEY } from "../../src/presence/redisBackends.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import { dropDatabase, freshDatabaseUri, learnerAt, requireBackends, startChildParley, type ChildParley, type ClusterLearner } from "./support/parleyCluster.js";

/**
 * One busy queue across two processes (issue 11 §5, DESIGN §1, §11): each SDK learner waits in
 * the `matchmaking` gateway of the process its matchmake request reached, every ticket of the
 * queue waits in the one `queue` actor, and learners are matched across processes — each gets
 * `match_found` through its own gateway and reaches the conversation room. `cancel`, a dropped
 * socket and a REST cancel take the ticket out of the actor.
 * Isolation: Redis database 11 (flushed first) and a fresh Mongo database (the processes share
 * the store, as in production).
 */

const PORTS = [2651, 2652] as const;
const REDIS_DB = 11;

interface Listing {
  name: string;
  roomId: string;
  processId: string;
  publicAddress?: string;
  metadata?: { queue?: string; waiting?: number };
}

interface MatchFound {
  matchRequestId: string;
  sessionId: string;
  partner: { userId: string };
  reservation: { roomId: string; processId: string; publicAddress?: string };
}

describe("integration: one queue's learners wait on the process they reached, their tickets in one queue actor", function () {
  this.timeout(120_000);
  const servers: ChildParley[] = [];
  const open: Room[] = [];
  let redisUrl = "";
  let mongoUri = "";
  let redis: Redis | undefined;

  before(async function () {
    requireBackends(this, "queue gateways across processes", ["REDIS_URL", "MONGODB_URI"]);
    const url = new URL(process.env.REDIS_URL ?? "");
    url.pathname = `/${REDIS_DB}`;
    redisUrl = url.toString();
    mongoUri = freshDatabaseUri(process.env.MONGODB_URI ?? "", "parley_queue_gateways");
    redis = new Redis(redisUrl);
    await redis.flushdb();
    for (const port of PORTS) servers.push(await startChildParley(port, { REDIS_URL: redisUrl, MONGODB_URI: mongoUri, PUBLIC_ADDRESS: `127.0.0.1:${port}`, RATE_LIMIT_MATCH_REQUESTS: "1000" }, 60_000));
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((room) => Promise.race([room.leave().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1000))])));
  });

  after(async () => {
    redis?.disconnect();
    await Promise.all(servers.map((s) => s.stop(35_000)));
    if (mongoUri) await dropDatabase(mongoUri).catch(() => undefined);
  });

  const listings = async (): Promise<Listing[]> => Object.values(await (redis as Redis).hgetall(ROOM_CACHES_KEY)).map((raw) => JSON.parse(raw) as Listing);
  const listing = async (roomId: string): Promise<Listing | undefined> => (await listings()).find((l) => l.roomId === roomId);

  async function join(learner: ClusterLearner, queue: string, topicCode: string): Promise<{ room: Room; inbox: Inbox; ticketId: string }> {
    const room = await learner.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { queue, targetLanguageCode: queue, topicCode });
    open.push(room);
    const inbox = new Inbox(room);
    const ticketId = (await inbox.next<{ matchRequest: { id: string } }>("match_request", 0, 10_000)).matchRequest.id;
    return { room, inbox, ticketId };
  }

  async function ticketStatus(server: ChildParley, learner: ClusterLearner): Promise<string> {
    const res = await fetch(`${server.baseUrl}/api/conversations/match-request/status`, { headers: { authorization: `Bearer ${learner.token}` } });
    return ((await res.json()) as { matchRequest: { status: string } }).matchRequest.status;
  }

  async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms\n${servers[0]?.logTail(15)}\n---\n${servers[1]?.logTail(15)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it("keeps each learner's socket on the process it reached, every ticket in the one queue actor, and matches learners across processes", async () => {
    const [p1, p2] = servers as [ChildParley, ChildParley];
    const claims = { nativeLanguageCode: "fr", levels: { en: "B1" }, tier: "premium" } as const;
    // Two topics: in the strict stage only same-topic learners pair, so each pair spans the two processes.
    const a1 = learnerAt(p1.baseUrl, "gw-a1", claims);
    const a2 = learnerAt(p1.baseUrl, "gw-a2", claims);
    const b1 = learnerAt(p2.baseUrl, "gw-b1", claims);
    const b2 = learnerAt(p2.baseUrl, "gw-b2", claims);
    const ja1 = await join(a1, "en", "hobbies.music");
    const ja2 = await join(a2, "en", "hobbies.art");

    const gateway1 = await listing(ja1.room.roomId);
    assert.equal(ja2.room.roomId, ja1.room.roomId, "learners reaching one process share its gateway of the queue");
    assert.equal(gateway1?.name, ROOM_NAMES.matchmaking);
    assert.equal(gateway1?.publicAddress, "127.0.0.1:2651", "the gateway runs on the process the learners reached");
    await eventually("both tickets wait in the queue actor", async () => (await listing(queueRoomId("en")))?.metadata?.waiting === 2);

    const jb1 = await join(b1, "en", "hobbies.music");
    const jb2 = await join(b2, "en", "hobbies.art");
    assert.equal(jb2.room.roomId, jb1.room.roomId);
    assert.notEqual(jb1.room.roomId, ja1.room.roomId, "a second gateway of the queue, on the other process");
    assert.equal((await listing(jb1.room.roomId))?.publicAddress, "127.0.0.1:2652");

    const found = await Promise.all([ja1, ja2, jb1, jb2].map((j) => j.inbox.next<MatchFound>("match_found", 0, 15_000)));
    const [fa1, fa2, fb1, fb2] = found as [MatchFound, MatchFound, MatchFound, MatchFound];
    assert.deepEqual([fa1.partner.userId, fa2.partner.userId, fb1.partner.userId, fb2.partner.userId], [b1.userId, b2.userId, a1.userId, a2.userId]);
    assert.deepEqual([fa1.matchRequestId, fb2.matchRequestId], [ja1.ticketId, jb2.ticketId]);
    assert.equal(fa1.sessionId, fb1.sessionId);
    assert.equal(fa2.sessionId, fb2.sessionId);

    const queues = (await listings()).filter((l) => l.name === ROOM_NAMES.queue && l.metadata?.queue === "en");
    assert.ok(queues.length <= 1, `one queue actor for "en": ${JSON.stringify(queues)}`);
    const gateways = (await listings()).filter((l) => l.name === ROOM_NAMES.matchmaking && l.metadata?.queue === "en");
    assert.deepEqual(gateways.map((g) => g.publicAddress).sort(), ["127.0.0.1:2651", "127.0.0.1:2652"], "one gateway per process");

    // Everyone reaches the conversation room, wherever it runs (the reservation names its process);
    // the icebreaker comes once both of a pair are in.
    const inboxes: Inbox[] = [];
    for (const [learner, f] of [[a1, fa1], [b1, fb1], [a2, fa2], [b2, fb2]] as const) {
      assert.equal(f.reservation.roomId, f.sessionId);
      assert.ok(["127.0.0.1:2651", "127.0.0.1:2652"].includes(f.reservation.publicAddress ?? ""), JSON.stringify(f.reservation));
      const room = await learner.sdk.consumeSeatReservation(f.reservation as Parameters<ClusterLearner["sdk"]["consumeSeatReservation"]>[0]);
      room.reconnection.enabled = false;
      open.push(room);
      assert.equal(room.roomId, f.sessionId);
      inboxes.push(new Inbox(room));
    }
    await Promise.all(inboxes.map((inbox) => inbox.next("new_prompt", 0, 10_000)));
    assert.equal(await ticketStatus(p2, a1), "matched");
  });

  it("takes a ticket out of the queue actor when its learner sends cancel, drops the socket, or cancels over REST on the other process", async () => {
    const [p1, p2] = servers as [ChildParley, ChildParley];
    const claims = { nativeLanguageCode: "en", levels: { fr: "C1" }, tier: "premium" } as const;
    const waiting = async () => (await listing(queueRoomId("fr")))?.metadata?.waiting ?? 0;

    const canceller = learnerAt(p2.baseUrl, "gw-cancel", claims);
    const c = await join(canceller, "fr", "hobbies.music");
    await eventually("the ticket waits in the actor", async () => (await waiting()) === 1);
    const left = new Promise<number>((resolve) => c.room.onLeave((code) => resolve(code)));
    c.room.send("cancel", {});
    await left;
    await eventually("cancel removes the ticket", async () => (await waiting()) === 0 && (await ticketStatus(p1, canceller)) === "cancelled");

    const dropper = learnerAt(p1.baseUrl, "gw-drop", claims);
    const d = await join(dropper, "fr", "hobbies.art");
    await eventually("the ticket waits in the actor", async () => (await waiting()) === 1);
    d.room.reconnection.enabled = false;
    d.room.connection.close(3000, "network lost");
    await eventually("a dropped socket removes the ticket", async () => (await waiting()) === 0 && (await ticketStatus(p2, dropper)) === "cancelled");

    const restCanceller = learnerAt(p2.baseUrl, "gw-rest", claims);
    const r = await join(restCanceller, "fr", "hobbies.art");
    const leftGateway = new Promise<number>((resolve) => r.room.onLeave((code) => resolve(code)));
    const res = await fetch(`${p1.baseUrl}/api/conversations/match-request/${r.ticketId}`, { method: "DELETE", headers: { authorization: `Bearer ${restCanceller.token}` } });
    assert.equal(res.status, 200, await res.text());
    await leftGateway;
    assert.equal(await ticketStatus(p2, restCanceller), "cancelled");
    await eventually("the REST cancel removes the ticket", async () => (await waiting()) === 0);
  });
});

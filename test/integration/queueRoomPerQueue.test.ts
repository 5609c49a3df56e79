import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { queueRoomId } from "../../src/matchmaking/queueName.js";
import { ROOM_CACHES_KEY } from "../../src/presence/redisBackends.js";
import { ROOM_NAMES } from "../../src/protocol/index.js";
import { learnerAt, requireBackends, startChildParley, type ChildParley } from "./support/parleyCluster.js";

/**
 * One queue → one `queue` actor across processes (issue 8 §4, DESIGN §1): the first tickets
 * of a queue reach two processes over REST at the same moment; each process creates the room
 * with the queue's own `roomId`, the Redis driver's atomic insert keeps one, and both tickets
 * wait in it. Redis database 8 (flushed first); each process has its embedded store.
 */

const PORTS = [2613, 2614] as const;
const REDIS_DB = 8;
const LANGUAGES = ["en", "fr", "es", "de"] as const;
const LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;
/** Every practice queue and every tandem queue of the four languages. */
const QUEUES = [
  ...LANGUAGES.map((target) => ({ queue: target as string, target: target as string, native: "it", sessionType: "practice" })),
  ...LANGUAGES.flatMap((a, i) => LANGUAGES.slice(i + 1).map((b) => ({ queue: [a, b].sort().join("+"), target: a as string, native: b as string, sessionType: "tandem" }))),
];

describe("integration: one queue actor per queue across two processes", function () {
  this.timeout(120_000);
  const servers: ChildParley[] = [];
  let redisUrl = "";

  before(async function () {
    requireBackends(this, "one queue room across processes", ["REDIS_URL"]);
    const url = new URL(process.env.REDIS_URL ?? "");
    url.pathname = `/${REDIS_DB}`;
    redisUrl = url.toString();
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    for (const port of PORTS) servers.push(await startChildParley(port, { REDIS_URL: redisUrl, PUBLIC_ADDRESS: `127.0.0.1:${port}`, RATE_LIMIT_MATCH_REQUESTS: "1000" }, 60_000));
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop(35_000)));
  });

  it("creates one room per queue when two processes get the queue's first tickets at once, and every ticket waits in it", async () => {
    const [p1, p2] = servers as [ChildParley, ChildParley];
    // Six tickets per queue, three through each process, all sent at once; six levels, so none
    // is paired before the widening stages (30 s and more) and every ticket keeps waiting.
    const answers = await Promise.all(
      QUEUES.flatMap(({ queue, target, native, sessionType }) =>
        LEVELS.map(async (level, i) => {
          const server = servers[i % 2] as ChildParley;
          const learner = learnerAt(server.baseUrl, `q-${queue}-${level}`, { nativeLanguageCode: native, levels: { [target]: level }, tier: "premium" });
          const res = await fetch(`${server.baseUrl}/api/conversations/match-request`, {
            method: "POST",
            headers: { authorization: `Bearer ${learner.token}`, "content-type": "application/json" },
            body: JSON.stringify({ targetLanguageCode: target, topicCode: "daily_life.introductions", sessionType }),
          });
          return { queue, status: res.status, body: await res.text() };
        }),
      ),
    );
    for (const a of answers) assert.equal(a.status, 201, `${a.queue}: ${a.body}\n${p1.logTail(12)}\n---\n${p2.logTail(12)}`);
    const redis = new Redis(redisUrl);
    try {
      const queueRooms = async () =>
        Object.values(await redis.hgetall(ROOM_CACHES_KEY))
          .map((raw) => JSON.parse(raw) as { name: string; roomId: string; metadata?: { queue?: string; waiting?: number } })
          .filter((l) => l.name === ROOM_NAMES.queue);
      // The waiting count reaches the listing through an asynchronous metadata update.
      const until = Date.now() + 5000;
      while ((await queueRooms()).some((l) => l.metadata?.waiting !== LEVELS.length) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
      const listed = await queueRooms();
      for (const { queue } of QUEUES) {
        const rooms = listed.filter((l) => l.roomId === queueRoomId(queue) || l.metadata?.queue === queue);
        assert.equal(rooms.length, 1, `one room for queue ${queue}: ${JSON.stringify(rooms)}`);
        assert.equal(rooms[0]?.metadata?.waiting, LEVELS.length, `every ticket of ${queue} waits in it: ${JSON.stringify(rooms)}\n${p1.logTail(30)}\n---\n${p2.logTail(30)}`);
      }
    } finally {
      redis.disconnect();
    }
  });
});

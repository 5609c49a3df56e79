import assert from "node:assert/strict";
import type { Room } from "@colyseus/sdk";
import { Inbox } from "../../src/client/roomInbox.js";
import { createMongoStore } from "../../src/store/mongo/mongoStore.js";
import { dropDatabase, freshDatabaseUri, learnerAt, requireBackends, startChildParley, type ChildParley, type ClusterLearner } from "./support/parleyCluster.js";

/**
 * Graceful shutdown (SIGTERM) of a real process: rooms end and persist, the outbox is flushed,
 * then the process exits 0 — nothing written by a room is lost. Runs on the embedded defaults
 * (no backend needed), and again on Mongo + Redis when `MONGODB_URI`/`REDIS_URL` are set.
 */

interface MatchFound {
  sessionId: string;
  reservation: Parameters<ClusterLearner["sdk"]["consumeSeatReservation"]>[0];
}

/** Two learners of `lang` matched through `server` and talking (icebreaker received). */
async function talking(server: ChildParley, lang: string, topicCode: string) {
  const a = learnerAt(server.baseUrl, "lena", { nativeLanguageCode: "fr", levels: { [lang]: "B1" } });
  const b = learnerAt(server.baseUrl, "milo", { nativeLanguageCode: "de", levels: { [lang]: "B1" } });
  const opts = { queue: lang, targetLanguageCode: lang, topicCode };
  const mmA = await a.sdk.joinOrCreate("matchmaking", opts);
  const ia = new Inbox(mmA);
  const mmB = await b.sdk.joinOrCreate("matchmaking", opts);
  const ib = new Inbox(mmB);
  const [fa, fb] = await Promise.all([ia.next<MatchFound>("match_found", 0, 10_000), ib.next<MatchFound>("match_found", 0, 10_000)]);
  await Promise.all([mmA.leave(), mmB.leave()]);
  const roomA = await a.sdk.consumeSeatReservation(fa.reservation);
  const inA = new Inbox(roomA);
  const roomB = await b.sdk.consumeSeatReservation(fb.reservation);
  const inB = new Inbox(roomB);
  for (const room of [roomA, roomB]) room.reconnection.enabled = false;
  await Promise.all([inA.next("new_prompt", 0, 10_000), inB.next("new_prompt", 0, 10_000)]);
  return { a, b, sessionId: fa.sessionId, roomA, roomB, inA, inB };
}

/** Resolves with the close code of `room`'s connection. */
function closed(room: Room): Promise<number> {
  return new Promise((resolve) => room.onLeave((code: number) => resolve(code)));
}

const VARIANTS: { name: string; variables: string[]; env: () => Record<string, string> }[] = [
  { name: "embedded defaults", variables: [], env: () => ({}) },
  {
    name: "Mongo store + Redis presence",
    variables: ["MONGODB_URI", "REDIS_URL"],
    env: () => ({ MONGODB_URI: freshDatabaseUri(process.env.MONGODB_URI ?? "", "parley_shutdown"), REDIS_URL: process.env.REDIS_URL ?? "", PUBLIC_ADDRESS: "127.0.0.1:2613" }),
  },
];

for (const variant of VARIANTS) {
  describe(`integration: graceful shutdown (${variant.name})`, function () {
    this.timeout(120_000);
    let server: ChildParley | undefined;
    let env: Record<string, string> = {};

    before(async function () {
      requireBackends(this, `graceful shutdown (${variant.name})`, variant.variables);
      env = variant.env();
      server = await startChildParley(2613, { RECONNECT_GRACE_SECONDS: "5", ...env });
    });

    after(async () => {
      await server?.stop(5000);
      if (env.MONGODB_URI) await dropDatabase(env.MONGODB_URI);
    });

    it("on SIGTERM ends and persists the live sessions, flushes their events, closes the sockets, then exits 0", async () => {
      const s = server as ChildParley;
      const ending = await talking(s, "en", "hobbies.music");
      const live = await talking(s, "fr", "hobbies.free_time");
      const closes = [ending.roomA, ending.roomB, live.roomA, live.roomB].map(closed);

      // One session is being ended by its user as the signal arrives; the other is simply live.
      ending.roomA.send("end_session", {});
      const signalledAt = Date.now();
      s.child.kill("SIGTERM");
      const [endedEnding, endedLive] = await Promise.all([
        ending.inB.next<{ status: string; reason: string }>("session_ended", 0, 20_000),
        live.inA.next<{ status: string; reason: string }>("session_ended", 0, 20_000),
      ]);
      const code = await s.exited;
      const shutdownMs = Date.now() - signalledAt;
      console.log(`      graceful shutdown (${variant.name}): SIGTERM → exit in ${shutdownMs} ms`);

      assert.equal(code, 0, s.logTail());
      assert.equal(endedEnding.status, "completed");
      assert.deepEqual([endedLive.status, endedLive.reason], ["completed", "error"], "a live session is ended by the shutdown, and said why");
      for (const code of await Promise.all(closes)) assert.equal(code, 4001, "sockets closed with the server-shutdown code, after session_ended");

      const log = s.logTail(200);
      const order = ["shutdown: not ready any more", "shutdown: every room disposed", "shutdown complete"].map((line) => log.indexOf(line));
      assert.ok(order.every((i, n) => i >= 0 && (n === 0 || i > (order[n - 1] ?? 0))), `shutdown steps in order:\n${log}`);

      const events = s.publishedEvents();
      for (const t of [ending, live]) {
        const mine = events.filter((e) => e.metadata.correlationId === t.sessionId);
        for (const user of [t.a.userId, t.b.userId]) {
          assert.deepEqual(
            mine.filter((e) => e.key === user).map((e) => e.eventType),
            ["conversation.matched", "conversation.started", "conversation.completed"],
            `events of ${user} in ${t.sessionId} reached the events file before exit`,
          );
        }
      }

      if (env.MONGODB_URI) {
        const store = await createMongoStore(env.MONGODB_URI);
        try {
          for (const t of [ending, live]) assert.equal((await store.sessions.get(t.sessionId))?.status, "completed");
          assert.equal(await store.outbox.pendingCount(), 0, "nothing left in the outbox");
        } finally {
          await store.close();
        }
      }
    });
  });
}

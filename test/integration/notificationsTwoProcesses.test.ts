import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { dmChannelId } from "../../src/chat/channelIds.js";
import { Inbox } from "../../src/client/roomInbox.js";
import { ROOM_CACHES_KEY } from "../../src/presence/redisBackends.js";
import { createMongoStore } from "../../src/store/mongo/mongoStore.js";
import type { Store } from "../../src/store/repositories.js";
import { dropDatabase, freshDatabaseUri, learnerAt, requireBackends, startChildParley, type ChildParley } from "./support/parleyCluster.js";

/**
 * Notifications cross processes (issue 9): two parley processes share Redis (presence + driver)
 * and one Mongo database. Bo's only socket is in the `en` lounge on one process; Ana writes to
 * their DM, whose room runs on the other process; Bo has no socket in the DM room, so a
 * `dm_message` notification is stored and published on Redis presence, and the lounge room on
 * the other process pushes it to Bo and marks it sent. Redis database 8, a fresh Mongo database.
 */

const PORTS = [2621, 2622] as const;
const REDIS_DB = 8;

describe("integration: notifications pushed across two processes (Redis presence)", function () {
  this.timeout(120_000);
  const servers: ChildParley[] = [];
  let mongoUri = "";
  let redisUrl = "";
  let store: Store | undefined;

  before(async function () {
    requireBackends(this, "notifications across two processes", ["REDIS_URL", "MONGODB_URI"]);
    const url = new URL(process.env.REDIS_URL ?? "");
    url.pathname = `/${REDIS_DB}`;
    redisUrl = url.toString();
    mongoUri = freshDatabaseUri(process.env.MONGODB_URI ?? "", "parley_notifications");
    const redis = new Redis(redisUrl);
    await redis.flushdb();
    redis.disconnect();
    for (const port of PORTS) servers.push(await startChildParley(port, { REDIS_URL: redisUrl, MONGODB_URI: mongoUri, PUBLIC_ADDRESS: `127.0.0.1:${port}` }, 60_000));
    store = await createMongoStore(mongoUri);
  });

  after(async () => {
    await store?.close();
    const codes = await Promise.all(servers.map((s) => s.stop(35_000)));
    if (mongoUri) await dropDatabase(mongoUri).catch(() => undefined);
    for (const [i, code] of codes.entries()) if (code !== 0) console.warn(`process ${i + 1} exited with ${String(code)}:\n${servers[i]?.logTail()}`);
  });

  it("pushes a DM notification to the recipient's socket in a room on the other process, and marks it sent", async () => {
    const [p1, p2] = servers as [ChildParley, ChildParley];
    const ana = learnerAt(p1.baseUrl, "ana", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const bo = learnerAt(p2.baseUrl, "bo", { nativeLanguageCode: "de", levels: { en: "B1" } });
    const at = new Date();
    const participant = (userId: string, role: "learner" | "partner") => ({ userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role, tier: "free" as const, recordingConsent: false, spokenSeconds: 0, turnCount: 0 });
    await store?.sessions.create({
      id: randomUUID(), sessionType: "practice", targetLanguageCode: "en", topicCode: "hobbies.music", targetLevel: "B1", status: "completed",
      participants: [participant(ana.userId, "learner"), participant(bo.userId, "partner")], prompts: [], matchRequestIds: [], createdAt: at, updatedAt: at, startedAt: at, endedAt: at, endReason: "completed", durationSeconds: 300, ratings: [],
    });

    const lounge = await bo.sdk.joinOrCreate("lounge", { channelId: "lounge:en" });
    const inLounge = new Inbox(lounge);
    await inLounge.next("chat_history");
    const channelId = dmChannelId(ana.userId, bo.userId);
    const redis = new Redis(redisUrl);
    const addressOf = async (roomId: string) => (JSON.parse((await redis.hget(ROOM_CACHES_KEY, roomId)) ?? "{}") as { publicAddress?: string }).publicAddress;
    const loungeAt = await addressOf(lounge.roomId);
    // Colyseus places a new room on the process with the fewest rooms, from room counts it
    // publishes with a delay: re-create the DM room until it runs on the other process.
    let dm = await ana.sdk.joinOrCreate("lounge", { channelId });
    for (let attempt = 1; (await addressOf(dm.roomId)) === loungeAt && attempt < 60; attempt++) {
      await dm.leave();
      const gone = dm.roomId;
      while (await redis.hexists(ROOM_CACHES_KEY, gone)) await new Promise((r) => setTimeout(r, 50));
      // The room counts placement reads are published with a delay: a loaded machine needs more.
      await new Promise((r) => setTimeout(r, 50 * attempt));
      dm = await ana.sdk.joinOrCreate("lounge", { channelId });
    }
    const dmAt = await addressOf(dm.roomId);
    redis.disconnect();
    assert.ok(loungeAt && dmAt && loungeAt !== dmAt, `the two rooms run on different processes (lounge ${loungeAt}, DM ${dmAt})`);
    const inDm = new Inbox(dm);

    dm.send("chat_send", { text: "thanks for the chat!", clientMessageId: "dm-1" });
    const sent = await inDm.next<{ id: string }>("chat_message");
    const pushed = await inLounge.next<{ notification: { id: string; type: string; data: { channelId: string; messageId: string } } }>("notification", 0, 10_000);
    assert.equal(pushed.notification.type, "dm_message");
    assert.deepEqual(pushed.notification.data, { channelId, messageId: sent.id });
    let status: string | undefined;
    for (const until = Date.now() + 5000; Date.now() < until && status !== "sent"; await new Promise((r) => setTimeout(r, 50))) {
      status = (await store?.notifications.get(bo.userId, pushed.notification.id))?.status;
    }
    assert.equal(status, "sent");
    await Promise.all([lounge.leave(), dm.leave()].map((p) => Promise.race([p, new Promise((r) => setTimeout(r, 1000))])));
  });
});

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import mongoose from "mongoose";
import { createEvent } from "../../src/events/envelope.js";
import { createMongoStore } from "../../src/store/mongo/mongoStore.js";
import type { OutboxDocument } from "../../src/store/mongo/outboxModel.js";
import type { StateCollection } from "../../src/store/mongo/stateCollections.js";
import type { Store } from "../../src/store/repositories.js";
import { describeStoreContract } from "../store/storeContract.js";

/**
 * The store contract against a real MongoDB-compatible server at `MONGODB_URI` (FerretDB 1.24
 * from `scripts/services.sh up mongo`, or MongoDB). Without `MONGODB_URI` the suite is skipped
 * with a warning — except in CI (`CI=true`), where a missing server is a failure.
 */
const uri = process.env.MONGODB_URI;

/** Drops the database named by `uri`, through a connection of its own. */
async function dropDatabase(target: string): Promise<void> {
  const connection = await mongoose.createConnection(target, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

describe("mongo store (integration, MONGODB_URI)", function () {
  this.timeout(30_000);

  before(function () {
    if (uri) return;
    if (process.env.CI === "true") {
      throw new Error("MONGODB_URI is not set, and CI=true: the Mongo store integration suite cannot be skipped in CI. Start a server (`bash scripts/services.sh up mongo`) and export MONGODB_URI.");
    }
    console.warn("\n  SKIPPED the Mongo store integration suite: MONGODB_URI is not set. Run `bash scripts/services.sh up mongo && eval \"$(bash scripts/services.sh env)\"` to run it.\n");
    this.skip();
  });

  describeStoreContract("mongo", () => createMongoStore(uri ?? ""), () => dropDatabase(uri ?? ""));

  describe("mongo specifics", () => {
    let connection: mongoose.Connection;
    const stores: Store[] = [];

    before(async () => {
      connection = await mongoose.createConnection(uri ?? "", { serverSelectionTimeoutMS: 5000 }).asPromise();
    });

    after(async () => {
      for (const s of stores) await s.close();
      await connection.dropDatabase();
      await connection.close();
    });

    async function open(): Promise<Store> {
      const store = await createMongoStore(uri ?? "");
      stores.push(store);
      return store;
    }

    /** An outbox row as a writer leaves it after step 1 (staged), a minute old. */
    function stagedRow(collectionName: StateCollection, id: string, token: string, seq: number): OutboxDocument {
      const event = createEvent("conversation.started", `user-${randomUUID()}`, { id }, id, Date.now());
      return { _id: event.eventId, seq, status: "staged", event, createdAt: new Date(Date.now() - 60_000), attempts: 0, stateRef: { collectionName, id, token } };
    }

    it("boots twice on the same database (collections and indexes are created idempotently)", async () => {
      const first = await open();
      const second = await open();
      await first.ping();
      await second.ping();
    });

    it("builds the seed 000 indexes on the session collection, the invite code unique", async () => {
      await open();
      const indexes = await connection.collection("sessions").indexes();
      const keys = (name: string) => indexes.find((i) => i.name === name)?.key;
      assert.deepEqual(keys("idx_session_status_language"), { status: 1, targetLanguageCode: 1 });
      assert.deepEqual(keys("idx_session_host"), { hostUserId: 1, createdAt: -1 });
      assert.deepEqual(keys("idx_session_type_status"), { type: 1, status: 1 });
      const invite = indexes.find((i) => i.name === "uniq_session_invite_code");
      assert.deepEqual(invite?.key, { inviteCode: 1 });
      assert.equal(invite?.unique, true);
    });

    it("resolves at boot the events a crashed writer left staged: promoted if its write applied, dropped if not", async () => {
      const before = await open();
      const sessionId = randomUUID();
      await before.sessions.create({
        id: sessionId, sessionType: "practice", targetLanguageCode: "en", topicCode: "travel.airport", targetLevel: "B1", status: "waiting",
        participants: [], prompts: [], matchRequestIds: [], createdAt: new Date(), updatedAt: new Date(), durationSeconds: 0, ratings: [],
      });
      // A writer staged its events and applied its write (the token is in the document), then crashed…
      const appliedToken = randomUUID();
      await connection.collection<{ _id: string; writeTokens: string[] }>("sessions").updateOne({ _id: sessionId }, { $set: { status: "active" }, $push: { writeTokens: appliedToken } });
      // …and another crashed before its write applied (its token is nowhere).
      const applied = stagedRow("sessions", sessionId, appliedToken, 1_000_000_001);
      const lost = stagedRow("matchRequests", randomUUID(), randomUUID(), 1_000_000_002);
      const outbox = connection.collection<OutboxDocument>("outbox");
      const countBefore = await before.outbox.pendingCount();
      await outbox.insertMany([applied, lost]);
      assert.equal(await before.outbox.pendingCount(), countBefore, "staged rows are not pending");

      const restarted = await open();
      const ids = (await restarted.outbox.pending(1_000_000)).map((r) => r.event.eventId);
      assert.ok(ids.includes(applied._id), "the applied write's event is promoted");
      assert.ok(!ids.includes(lost._id), "the unapplied write's event is not handed out");
      assert.equal(await outbox.countDocuments({ _id: lost._id }), 0, "the unapplied write's event is deleted");
    });

    it("leaves nothing staged or claimed after writes with events, and frees the pending slot", async () => {
      const store = await open();
      const id = randomUUID();
      const userId = `user-${randomUUID()}`;
      await store.matchRequests.create({
        id, userId, queue: "practice:en", sessionType: "practice", targetLanguageCode: "en", nativeLanguageCode: "fr", currentLevel: "A2",
        preferredPartnerLevel: "any", topicCode: "daily_life", mode: "now", maxWaitTimeSeconds: 60, recordingConsent: false, status: "pending",
        createdAt: new Date(), expiresAt: new Date(Date.now() + 60_000),
      }, { events: [createEvent("match.requested", userId, {}, id, Date.now())] });
      await store.matchRequests.transition(id, "pending", { status: "cancelled" }, { events: [createEvent("match.cancelled", userId, {}, id, Date.now())] });
      const doc = await connection.collection<{ _id: string; writeTokens: string[]; version: number; pendingUserId?: string }>("matchRequests").findOne({ _id: id });
      assert.equal(doc?.version, 1);
      assert.equal(doc?.writeTokens.length, 2, "one token per write with events");
      assert.equal(doc?.pendingUserId, undefined, "pending slot freed");
      assert.equal(await connection.collection<OutboxDocument>("outbox").countDocuments({ status: "staged", "stateRef.id": id }), 0);
      assert.equal(await connection.collection<{ _id: string }>("writeClaims").countDocuments({ _id: { $regex: id } }), 0);
    });

    it("moves published outbox rows to the history collection, so that the outbox holds only the backlog", async () => {
      const store = await open();
      const userId = `user-${randomUUID()}`;
      const event = createEvent("match.requested", userId, {}, randomUUID(), Date.now());
      await store.matchRequests.create({
        id: randomUUID(), userId, queue: "practice:en", sessionType: "practice", targetLanguageCode: "en", nativeLanguageCode: "fr", currentLevel: "A2",
        preferredPartnerLevel: "any", topicCode: "daily_life", mode: "now", maxWaitTimeSeconds: 60, recordingConsent: false, status: "pending",
        createdAt: new Date(), expiresAt: new Date(Date.now() + 60_000),
      }, { events: [event] });
      const row = (await store.outbox.pending(1_000_000)).find((r) => r.event.eventId === event.eventId);
      assert.ok(row, "pending before publication");
      const rowsBefore = await store.outbox.rowCount();
      await store.outbox.markPublished([row.seq], new Date());
      await store.outbox.markPublished([row.seq], new Date()); // a repeat after a crash changes nothing
      assert.equal(await connection.collection<OutboxDocument>("outbox").countDocuments({ _id: event.eventId }), 0);
      assert.equal((await connection.collection<OutboxDocument>("outboxPublished").findOne({ _id: event.eventId }))?.status, "published");
      assert.equal(await store.outbox.rowCount(), rowsBefore, "still counted as a kept row");
    });

    it("reads a learner's activity by _id only, and builds the learner index from sessions stored before it existed", async () => {
      const commands: { name: string; filter: unknown }[] = [];
      const counted = await createMongoStore(uri ?? "", {
        onCommand: (name, command) => commands.push({ name, filter: command.filter }),
      });
      stores.push(counted);
      const [u, partner] = [`user-${randomUUID()}`, `user-${randomUUID()}`];
      const participant = (userId: string) => ({ userId, displayName: userId, nativeLanguageCode: "fr", targetLanguageCode: "en", level: "B1" as const, role: "learner" as const, tier: "free" as const, recordingConsent: false, spokenSeconds: 0, turnCount: 0 });
      const now = new Date();
      // A session written by an older version: in the collection, not in the learner index.
      const sessionId = randomUUID();
      await connection.collection("sessions").insertOne({
        _id: sessionId as never, sessionType: "practice", targetLanguageCode: "en", topicCode: "travel.airport", targetLevel: "B1", status: "active",
        participants: [participant(u), participant(partner)], prompts: [], matchRequestIds: [], createdAt: now, updatedAt: now, startedAt: now, durationSeconds: 0, ratings: [], historyAt: now, version: 0, writeTokens: [],
      });
      assert.equal((await counted.sessions.activitySince(u, new Date(now.getTime() - 1000))).inLiveSession, false, "not indexed yet");
      await connection.collection("learnerSessions").deleteMany({});
      const rebooted = await open();
      const activity = await rebooted.sessions.activitySince(u, new Date(now.getTime() - 1000));
      assert.deepEqual(activity, { inLiveSession: true, countedSince: 1, partnersSince: [partner] });
      commands.length = 0;
      await counted.sessions.activitySince(u, new Date(now.getTime() - 1000));
      assert.deepEqual(commands.map((c) => c.name), ["find", "find"], "the learner's index, then their one session");
      assert.deepEqual(commands.map((c) => Object.keys(c.filter as object)), [["_id"], ["_id"]], "by _id: no collection scan on FerretDB");
    });

    it("takes over the claim of a writer that crashed between claim and write", async () => {
      const store = await open();
      const sessionId = randomUUID();
      await store.sessions.create({
        id: sessionId, sessionType: "practice", targetLanguageCode: "en", topicCode: "travel.airport", targetLevel: "B1", status: "waiting",
        participants: [], prompts: [], matchRequestIds: [], createdAt: new Date(), updatedAt: new Date(), durationSeconds: 0, ratings: [],
      });
      await connection.collection<{ _id: string; createdAt: Date }>("writeClaims").insertOne({ _id: `sessions:${sessionId}:0`, createdAt: new Date(Date.now() - 60_000) });
      assert.equal(await store.sessions.transition(sessionId, ["waiting"], { status: "active", startedAt: new Date() }), true);
      assert.equal((await store.sessions.get(sessionId))?.status, "active");
    });

    it("fails ping once closed", async () => {
      const store = await createMongoStore(uri ?? "");
      await store.close();
      await assert.rejects(store.ping());
    });
  });
});

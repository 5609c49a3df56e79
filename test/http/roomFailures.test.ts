import { participantRecord } from "../support/sessionRecords.js";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { LocalPresence } from "@colyseus/core";
import express from "express";
import pino from "pino";
import { createTokenVerifier } from "../../src/auth/tokenVerifier.js";
import { mintDevToken } from "../../src/auth/devTokens.js";
import type { Principal } from "../../src/auth/principal.js";
import { ParleyError } from "../../src/errors/errorCodes.js";
import { MAX_JSON_BODY } from "../../src/http/app.js";
import { requireAuth } from "../../src/http/authMiddleware.js";
import { conversationRoutes } from "../../src/http/conversationRoutes.js";
import type { HttpDeps } from "../../src/http/httpDeps.js";
import { errorHandler } from "../../src/http/httpErrors.js";
import { createRoomCalls, type RoomCalls, type RoomListing } from "../../src/http/roomCalls.js";
import { createMemoryRateLimits } from "../../src/limits/rateLimits.js";
import { createMetrics } from "../../src/observability/metrics.js";
import type { MatchRequestRecord, SessionRecord } from "../../src/store/records.js";
import { createMemoryStore } from "../../src/store/memory/memoryStore.js";
import type { Store } from "../../src/store/repositories.js";
import { TopicCatalog } from "../../src/topics/topicCatalog.js";
import { Notifier } from "../../src/notifications/notifier.js";
import { TopicCatalogSync } from "../../src/topics/topicCatalogSync.js";
import { testServer } from "../support/testServer.js";
import { createLocalRecordingStorage } from "../../src/storage/localRecordingStorage.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

const logger = pino({ level: "silent" });

/** A RoomCalls whose every answer the test decides; by default no room exists. */
function stubRooms(overrides: Partial<RoomCalls> = {}): RoomCalls {
  const rooms: RoomCalls = {
    admitToQueue: async (queue, principal, body, holder) => rooms.addTicket((await rooms.queueRoomFor(queue)).roomId, principal, body, holder),
    findQueueRoom: async () => undefined,
    queueRoomFor: async () => ({ roomId: "mm", name: "queue", processId: "p", clients: 0, maxClients: Infinity }) as RoomListing,
    findConversationRoom: async () => undefined,
    awaitConversationRoom: async () => undefined,
    addTicket: async () => {
      throw new ParleyError("MATCHING_UNAVAILABLE", "stub");
    },
    cancelTicket: async () => false,
    releaseTicket: async () => false,
    endSession: async () => undefined,
    leaveSession: async () => undefined,
    ...overrides,
  };
  return rooms;
}

/**
 * The conversation routes on a private express app (port 0) with a private store and stubbed
 * rooms: reaches the paths a healthy shared server never takes (rooms gone, rooms silent).
 */
async function isolatedApi(rooms: RoomCalls) {
  const { config } = await testServer();
  const store: Store = createMemoryStore();
  const catalog = new TopicCatalog();
  const deps: HttpDeps = {
    config,
    store,
    catalog,
    topicSync: new TopicCatalogSync({ topics: store.topics, catalog, bus: new LocalPresence(), logger }),
    verifier: createTokenVerifier(config.jwt),
    rateLimits: createMemoryRateLimits(config.quotas),
    metrics: createMetrics(),
    logger,
    publisher: { kind: "file", publish: async () => undefined, ping: async () => undefined, close: async () => undefined },
    recordings: createLocalRecordingStorage(join(tmpdir(), "parley-unused-recordings")),
    notifier: new Notifier(store.notifications, new LocalPresence(), Date.now),
    onEventsWritten: () => undefined,
    now: Date.now,
  };
  const app = express();
  app.use(express.json({ limit: MAX_JSON_BODY }));
  app.use("/api/conversations", requireAuth(deps.verifier, deps.rateLimits), conversationRoutes(deps, rooms));
  app.use(errorHandler(logger));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/conversations`;
  const token = (sub: string) => mintDevToken(config, { sub, nativeLanguageCode: "fr", levels: { en: "B1" }, tier: "premium" });
  const call = async (method: string, path: string, user: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token(user)}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string } } };
  };
  return { store, call, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function pendingTicket(userId: string, overrides: Partial<MatchRequestRecord> = {}): MatchRequestRecord {
  const now = Date.now();
  return {
    id: randomUUID(),
    userId,
    queue: "en",
    sessionType: "practice",
    targetLanguageCode: "en",
    nativeLanguageCode: "fr",
    currentLevel: "B1",
    preferredPartnerLevel: "same",
    topicCode: "daily_life.introductions",
    mode: "now",
    maxWaitTimeSeconds: 120,
    recordingConsent: false,
    status: "pending",
    createdAt: new Date(now),
    expiresAt: new Date(now + 120_000),
    ...overrides,
  };
}

function liveSession(ids: [string, string], overrides: Partial<SessionRecord> = {}): SessionRecord {
  const now = new Date();
  return {
    id: randomUUID(),
    sessionType: "practice",
    targetLanguageCode: "en",
    topicCode: "daily_life.introductions",
    targetLevel: "B1",
    status: "active",
    participants: ids.map((userId, i) => participantRecord(userId, i === 0 ? "learner" : "partner", { tier: "premium", spokenSeconds: 3, turnCount: 1 })),
    prompts: [],
    matchRequestIds: [],
    createdAt: now,
    updatedAt: now,
    startedAt: now,
    durationSeconds: 0,
    ratings: [],
    ...overrides,
  };
}

describe("http: when rooms are gone or silent", () => {
  before(async () => {
    await testServer();
  });

  it("turns a room that does not answer into 503 (MATCHING_UNAVAILABLE / NOT_READY)", async () => {
    const rooms = createRoomCalls(logger, { timeoutMs: 150 });
    const principal: Principal = { userId: "u", displayName: "u", nativeLanguageCode: "fr", levels: { en: "B1" }, tier: "free", skills: [], roles: [] };
    const body = { targetLanguageCode: "en", topicCode: "daily_life.introductions", sessionType: "practice" as const, preferredPartnerLevel: "same" as const, mode: "now" as const, recordingConsent: false };
    await assert.rejects(rooms.addTicket("no-such-room", principal, body), (err: unknown) => err instanceof ParleyError && err.code === "MATCHING_UNAVAILABLE" && err.status === 503);
    await assert.rejects(rooms.cancelTicket("no-such-room", "u", randomUUID()), (err: unknown) => err instanceof ParleyError && err.code === "MATCHING_UNAVAILABLE");
    await assert.rejects(rooms.endSession(randomUUID(), "u", false), (err: unknown) => err instanceof ParleyError && err.code === "NOT_READY" && err.status === 503);
    await assert.rejects(rooms.leaveSession(randomUUID(), "u"), (err: unknown) => err instanceof ParleyError && err.code === "NOT_READY");
    assert.equal(await rooms.findConversationRoom(randomUUID()), undefined);
  });

  it("answers POST /match-request with 503 when matchmaking is unavailable, and with the room's own error code", async () => {
    const unavailable = await isolatedApi(stubRooms({ queueRoomFor: async () => { throw new ParleyError("MATCHING_UNAVAILABLE", "down"); } }));
    try {
      const res = await unavailable.call("POST", "/match-request", "u1", { targetLanguageCode: "en", topicCode: "daily_life.introductions" });
      assert.equal(res.status, 503);
      assert.equal(res.body.error?.code, "MATCHING_UNAVAILABLE");
    } finally {
      await unavailable.close();
    }
    const quota = await isolatedApi(stubRooms({ addTicket: async () => { throw new ParleyError("DAILY_LIMIT_REACHED", "3 per week"); } }));
    try {
      const res = await quota.call("POST", "/match-request", "u2", { targetLanguageCode: "en", topicCode: "daily_life.introductions" });
      assert.equal(res.status, 403);
      assert.equal(res.body.error?.code, "DAILY_LIMIT_REACHED");
    } finally {
      await quota.close();
    }
  });

  it("cancels in the store a pending ticket no room holds (its room is gone), with a match.cancelled event", async () => {
    const api = await isolatedApi(stubRooms());
    try {
      const ticket = pendingTicket("orphan");
      await api.store.matchRequests.create(ticket);
      const res = await api.call("DELETE", `/match-request/${ticket.id}`, "orphan");
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await api.store.matchRequests.get(ticket.id))?.status, "cancelled");
      const events = await api.store.outbox.pending(10);
      assert.deepEqual(events.map((e) => e.event.eventType), ["match.cancelled"]);
    } finally {
      await api.close();
    }
  });

  it("answers 409 ALREADY_MATCHED when the room matched the ticket while it was being cancelled", async () => {
    const holder: { store?: Store } = {};
    const ticket = pendingTicket("racer");
    const api = await isolatedApi(stubRooms({
      findQueueRoom: async () => ({ roomId: "mm", name: "queue" }) as RoomListing,
      cancelTicket: async () => {
        // The room already matched it and writes that down a moment later.
        setTimeout(() => void holder.store?.matchRequests.transition(ticket.id, "pending", { status: "matched", matchedSessionId: randomUUID(), matchedAt: new Date() }), 100);
        return false;
      },
    }));
    holder.store = api.store;
    try {
      await api.store.matchRequests.create(ticket);
      const res = await api.call("DELETE", `/match-request/${ticket.id}`, "racer");
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error?.code, "ALREADY_MATCHED");
    } finally {
      await api.close();
    }
  });

  it("ends in the store a live session whose room is gone when a participant leaves", async () => {
    const api = await isolatedApi(stubRooms());
    try {
      const early = liveSession(["e1", "e2"], { startedAt: new Date(Date.now() - 10_000) });
      const late = liveSession(["l1", "l2"], { startedAt: new Date(Date.now() - 200_000) });
      const waiting = liveSession(["w1", "w2"], { status: "waiting", startedAt: undefined });
      for (const s of [early, late, waiting]) await api.store.sessions.create(s);

      assert.equal((await api.call("POST", `/sessions/${early.id}/leave`, "e1")).status, 200);
      assert.equal((await api.call("POST", `/sessions/${late.id}/leave`, "l2")).status, 200);
      assert.equal((await api.call("POST", `/sessions/${waiting.id}/leave`, "w1")).status, 200);
      const [e, l, w] = await Promise.all([early, late, waiting].map((s) => api.store.sessions.get(s.id)));
      assert.equal(e?.status, "aborted");
      assert.equal(e?.endReason, "partner_left");
      assert.equal(l?.status, "completed");
      assert.equal(l?.xpEligible, true);
      assert.ok((l?.durationSeconds ?? 0) >= 199);
      assert.equal(w?.status, "expired");
      const types = (await api.store.outbox.pending(100)).map((r) => `${r.event.eventType}:${r.event.key}`).sort();
      assert.deepEqual(types, ["conversation.aborted:e1", "conversation.aborted:e2", "conversation.completed:l1", "conversation.completed:l2", "conversation.expired:w1", "conversation.expired:w2"]);

      const gone = liveSession(["g1", "g2"]);
      await api.store.sessions.create(gone);
      const end = await api.call("POST", `/sessions/${gone.id}/end`, "g1");
      assert.equal(end.status, 409);
      assert.equal(end.body.error?.code, "SESSION_NOT_ACTIVE");
      const join = await api.call("POST", `/sessions/${gone.id}/join`, "g2");
      assert.equal(join.status, 409);
      assert.equal(join.body.error?.code, "SESSION_NOT_ACTIVE");
    } finally {
      await api.close();
    }
  });
});

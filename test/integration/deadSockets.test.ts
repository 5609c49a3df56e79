import assert from "node:assert/strict";
import WebSocket from "ws";
import { Inbox } from "../../src/client/roomInbox.js";
import { learnerAt, startChildParley, type ChildParley, type ClusterLearner } from "./support/parleyCluster.js";

/**
 * Dead sockets (a backgrounded mobile browser, a phone that lost its network without a FIN):
 * the ws transport pings every `WS_HEARTBEAT_INTERVAL` and terminates a socket after two
 * unanswered pings; the conversation then treats it as a drop (reconnection grace, then
 * `partner_left`). The dead client is a raw `ws` socket that never answers pings
 * (`autoPong: false`). Needs no backend: a process of its own, with a 1 s heartbeat.
 */

/** `Protocol.JOIN_ROOM` of @colyseus/shared-types. */
const JOIN_ROOM = 10;

interface Reservation {
  name: string;
  roomId: string;
  sessionId: string;
  processId: string;
  publicAddress?: string;
}

describe("integration: dead sockets are terminated by ping", function () {
  this.timeout(60_000);
  let server: ChildParley | undefined;
  const HEARTBEAT_MS = 1000;

  before(async () => {
    server = await startChildParley(2614, { WS_HEARTBEAT_INTERVAL: String(HEARTBEAT_MS), RECONNECT_GRACE_SECONDS: "1" });
  });

  after(async () => {
    await server?.stop(5000);
  });

  it("terminates a participant's socket that stops answering pings, and its partner learns it left after the grace", async () => {
    const s = server as ChildParley;
    const a: ClusterLearner = learnerAt(s.baseUrl, "nora", { nativeLanguageCode: "fr", levels: { es: "B1" } });
    const b: ClusterLearner = learnerAt(s.baseUrl, "otto", { nativeLanguageCode: "de", levels: { es: "B1" } });
    const opts = { queue: "es", targetLanguageCode: "es", topicCode: "hobbies.music" };
    const mmA = await a.sdk.joinOrCreate("matchmaking", opts);
    const ia = new Inbox(mmA);
    const mmB = await b.sdk.joinOrCreate("matchmaking", opts);
    const ib = new Inbox(mmB);
    const [fa, fb] = await Promise.all([ia.next<{ reservation: Reservation }>("match_found", 0, 10_000), ib.next<{ reservation: Reservation }>("match_found", 0, 10_000)]);
    await Promise.all([mmA.leave(), mmB.leave()]);

    const roomB = await b.sdk.consumeSeatReservation(fb.reservation as Parameters<ClusterLearner["sdk"]["consumeSeatReservation"]>[0]);
    roomB.reconnection.enabled = false;
    const inB = new Inbox(roomB);

    // A joins with a raw socket that never answers a ping.
    const r = fa.reservation;
    const url = `ws://127.0.0.1:${s.port}/${r.processId}/${r.roomId}?sessionId=${encodeURIComponent(r.sessionId)}&_authToken=${encodeURIComponent(a.token)}`;
    const dead = new WebSocket(url, { autoPong: false });
    // Acknowledge the server's JOIN_ROOM (first byte 10) as the SDK does: a client that never
    // acknowledged its join has no reconnection seat, and would leave at once when dropped.
    dead.once("message", (data: Buffer) => {
      if (data[0] === JOIN_ROOM) dead.send(Buffer.from([JOIN_ROOM]));
    });
    let pings = 0;
    dead.on("ping", () => pings++);
    const deadClosed = new Promise<{ code: number; at: number }>((resolve) => dead.on("close", (code) => resolve({ code, at: Date.now() })));
    await new Promise<void>((resolve, reject) => {
      dead.once("open", () => resolve());
      dead.once("error", reject);
    });
    const openedAt = Date.now();
    const joined = await inB.next<{ partnerId: string }>("partner_joined", 0, 10_000);
    assert.equal(joined.partnerId, a.userId);
    await inB.next("new_prompt", 0, 10_000);

    const { code, at } = await deadClosed;
    const terminatedAfterMs = at - openedAt;
    console.log(`      dead socket terminated ${terminatedAfterMs} ms after it connected (${pings} pings unanswered, heartbeat ${HEARTBEAT_MS} ms)`);
    assert.equal(code, 1006, "terminated by the server (no close frame)");
    assert.ok(pings >= 2, `pinged before being terminated (${pings})`);
    assert.ok(terminatedAfterMs <= 5 * HEARTBEAT_MS, `terminated within a few heartbeats (${terminatedAfterMs} ms)`);

    const left = await inB.next<{ partnerId: string; reason: string }>("partner_left", 0, 10_000);
    assert.deepEqual(left, { partnerId: a.userId, reason: "disconnect" });
    assert.ok(Date.now() - at >= 900, `partner_left only after the reconnection grace (${Date.now() - at} ms after the termination)`);
    const ended = await inB.next<{ status: string; reason: string }>("session_ended", 0, 10_000);
    assert.deepEqual([ended.status, ended.reason], ["aborted", "partner_left"]);
    await roomB.leave();
  });
});

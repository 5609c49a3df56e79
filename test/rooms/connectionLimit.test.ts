import assert from "node:assert/strict";
import { MatchMakeError, type Room } from "@colyseus/sdk";
import { CLOSE_CODES } from "../../src/protocol/closeCodes.js";
import { learnerAt, startChildParley, type ChildParley } from "../integration/support/parleyCluster.js";
import { eventually } from "../support/conversations.js";
import { Inbox } from "../support/learners.js";

/** Loopback port of this suite's own parley process (no other suite uses it). */
const PORT = 3941;

/** One sample of the process's `GET /metrics` (development: on the main port, no token), 0 when absent. */
async function metric(server: ChildParley, sample: string): Promise<number> {
  const text = await (await fetch(`${server.baseUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/**
 * Issue 11 §6, seed 002 §11.1: a process holds at most WS_MAX_CONNECTIONS sockets; the next one
 * is closed with 4503 "server full" (the SDK's join rejects with `MatchMakeError` of that code), counted in
 * `websocket_connections_refused_total`, and the rooms of the sockets already in go on.
 */
describe("rooms: WS_MAX_CONNECTIONS refuses sockets beyond the limit", function () {
  this.timeout(60_000);
  let server: ChildParley;
  const open: Room[] = [];
  before(async () => {
    server = await startChildParley(PORT, { WS_MAX_CONNECTIONS: "2" });
  });
  after(async () => {
    await Promise.all(open.map((r) => r.leave().catch(() => undefined)));
    await server?.stop();
  });

  it("with a limit of 2, a third learner's join is refused with 4503 'server full' while the two lounge members keep chatting; once one leaves, it gets in", async () => {
    const claims = { nativeLanguageCode: "sv", levels: { en: "B1" as const } };
    const [ana, bo, cy] = ["ana", "bo", "cy"].map((name) => learnerAt(server.baseUrl, name, claims));
    const join = async (learner: (typeof ana) & object) => {
      const room = await learner.sdk.joinOrCreate("lounge", { channelId: "lounge:en" });
      open.push(room);
      const inbox = new Inbox(room);
      await inbox.next("chat_history");
      return { room, inbox };
    };
    const a = await join(ana!);
    const b = await join(bo!);

    await assert.rejects(join(cy!), (err: unknown) => err instanceof MatchMakeError && err.code === CLOSE_CODES.serverFull.code && err.message === "server full");
    assert.equal(await metric(server, "websocket_connections_refused_total"), 1);

    b.room.send("chat_send", { text: "still here", clientMessageId: "b1" });
    assert.equal((await a.inbox.next<{ text: string }>("chat_message")).text, "still here");

    await a.room.leave();
    open.splice(open.indexOf(a.room), 1);
    // The server has let go of Ana's socket once it counted the clean close.
    await eventually(async () => (await metric(server, 'websocket_disconnections_total{kind="clean"}')) >= 1, "Ana's socket closed on the server", 10_000);
    const c = await join(cy!);
    c.room.send("chat_send", { text: "in at last", clientMessageId: "c1" });
    assert.equal((await b.inbox.next<{ text: string }>("chat_message", 1)).text, "in at last");
    assert.equal(await metric(server, "websocket_connections_refused_total"), 1);
  });
});

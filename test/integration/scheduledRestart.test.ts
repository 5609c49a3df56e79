import assert from "node:assert/strict";
import { SLOT_MS } from "../../src/matchmaking/scheduledSlots.js";
import { dropDatabase, freshDatabaseUri, learnerAt, requireBackends, startChildParley, type ChildParley } from "./support/parleyCluster.js";

/**
 * Scheduled tickets survive a restart (DESIGN §4, issue 10): a scheduled ticket made over REST
 * lives in the Mongo store; after the process is stopped and started again, a queue room is
 * opened for its queue at boot and holds the ticket again (admin rooms listing: `waiting` 1).
 */
describe("integration: scheduled tickets survive a restart (Mongo store)", function () {
  this.timeout(180_000);
  let server: ChildParley | undefined;
  let uri = "";

  before(function () {
    requireBackends(this, "scheduled tickets across a restart", ["MONGODB_URI"]);
    uri = freshDatabaseUri(process.env.MONGODB_URI ?? "", "parley_scheduled");
  });

  after(async () => {
    await server?.stop();
    if (uri) await dropDatabase(uri);
  });

  it("reopens the queue room of a pending scheduled ticket at boot, with the ticket in it", async () => {
    server = await startChildParley(2617, { MONGODB_URI: uri });
    const learner = learnerAt(server.baseUrl, "planner", { nativeLanguageCode: "fr", levels: { es: "B1" }, tier: "premium" });
    const slot = Math.ceil((Date.now() + 3 * 3600_000) / SLOT_MS) * SLOT_MS;
    const created = await fetch(`${server.baseUrl}/api/conversations/match-request`, {
      method: "POST",
      headers: { authorization: `Bearer ${learner.token}`, "content-type": "application/json" },
      body: JSON.stringify({ targetLanguageCode: "es", topicCode: "hobbies.free_time", mode: "scheduled", scheduledFor: new Date(slot).toISOString() }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { matchRequest } = (await created.json()) as { matchRequest: { id: string; expiresAt: string } };
    assert.equal(matchRequest.expiresAt, new Date(slot).toISOString());
    assert.equal(await server.stop(), 0);

    server = await startChildParley(2617, { MONGODB_URI: uri });
    const admin = learnerAt(server.baseUrl, "admin", { nativeLanguageCode: "en", levels: {}, roles: ["admin"] });
    const status = await fetch(`${server.baseUrl}/api/conversations/match-request/status`, { headers: { authorization: `Bearer ${learner.token}` } });
    assert.equal(((await status.json()) as { matchRequest: { id: string; status: string } }).matchRequest.status, "pending");
    // The rooms are reopened right after the process listens: wait for the listing to show it.
    let listed = "";
    for (const until = Date.now() + 30_000; !/"es"/.test(listed) && Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const rooms = await fetch(`${server.baseUrl}/api/admin/rooms`, { headers: { authorization: `Bearer ${admin.token}` } });
      listed = JSON.stringify(await rooms.json());
    }
    assert.match(listed, /"es"/, `the "es" queue room is open after the restart: ${listed}`);
    assert.match(server.logTail(200), /queue actors opened for scheduled tickets/);
    assert.match(server.logTail(200), /scheduled tickets reloaded/);
  });
});

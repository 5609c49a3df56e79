import assert from "node:assert/strict";
import type { Client } from "@colyseus/core";
import pino from "pino";
import { ChatRoomShell } from "../../../rooms/chatCommands.js";
import { ChannelCore, type ChatActor } from "../../../src/chat/channelCore.js";
import { ParleyError } from "../../../src/errors/errorCodes.js";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { Store } from "../../../src/store/repositories.js";

const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);
const ana: ChatActor = { userId: "ana", displayName: "Ana", moderator: false };

/** A client that records what it is sent. */
function fakeClient(userId: string) {
  const sent: { type: string; payload: unknown }[] = [];
  return { client: { auth: { userId }, send: (type: string, payload: unknown) => sent.push({ type, payload }) } as unknown as Client, sent };
}

/** A memory store whose message writes fail while `failing.on`. */
function storeFailingOnDemand(): { store: Store; failing: { on: boolean } } {
  const store = createMemoryStore();
  const failing = { on: false };
  const { insert, update } = store.messages;
  store.messages.insert = (m) => (failing.on ? Promise.reject(new Error("store down")) : insert.call(store.messages, m));
  store.messages.update = (m) => (failing.on ? Promise.reject(new Error("store down")) : update.call(store.messages, m));
  return { store, failing };
}

function shell(store: Store, clients: Client[]) {
  const core = new ChannelCore({ channelId: "lounge:en", idSuffix: () => "x" });
  core.addMember({ userId: "ana", displayName: "Ana" });
  const chat = new ChatRoomShell(core, {
    store,
    logger: pino({ level: "silent" }),
    now: () => T0,
    presence: { publish: () => undefined, subscribe: async () => undefined, unsubscribe: () => undefined },
    clientsOf: (userId) => clients.filter((c) => (c.auth as { userId: string }).userId === userId),
    allClients: () => clients,
    enqueue: (task) => task(),
  });
  return { core, chat };
}

describe("chat: the room shell with a failing store", () => {
  it("tells nobody when a message cannot be stored, answers INTERNAL_ERROR, and takes the same clientMessageId again once the store is back", async () => {
    const { store, failing } = storeFailingOnDemand();
    const a = fakeClient("ana");
    const b = fakeClient("bo");
    const { core, chat } = shell(store, [a.client, b.client]);
    failing.on = true;
    await assert.rejects(chat.run(a.client, ana, true, [], (actor, now) => core.send(actor, { text: "hello", clientMessageId: "c1" }, now)), (err: unknown) => err instanceof ParleyError && err.code === "INTERNAL_ERROR");
    assert.equal(b.sent.length, 0, "nobody was told");
    assert.deepEqual(core.history(), [], "the core forgot the unstored message");
    failing.on = false;
    await chat.run(a.client, ana, true, [], (actor, now) => core.send(actor, { text: "hello", clientMessageId: "c1" }, now));
    assert.deepEqual(b.sent.map((m) => m.type), ["chat_message"]);
    assert.equal((await store.messages.listBefore("lounge:en", { limit: 10 })).messages.length, 1);
  });

  it("puts an edit that cannot be stored back to the stored text", async () => {
    const { store, failing } = storeFailingOnDemand();
    const a = fakeClient("ana");
    const { core, chat } = shell(store, [a.client]);
    await chat.run(a.client, ana, true, [], (actor, now) => core.send(actor, { text: "helo", clientMessageId: "e1" }, now));
    const id = core.history()[0]?.id ?? "";
    failing.on = true;
    await assert.rejects(chat.run(a.client, ana, true, [id], (actor, now) => core.edit(actor, { messageId: id, text: "hello" }, now)));
    assert.equal(core.get(id)?.text, "helo");
    assert.equal(core.get(id)?.isEdited, false);
    assert.deepEqual(a.sent.map((m) => m.type), ["chat_message"], "the edit was not announced");
  });
});

import assert from "node:assert/strict";
import { LocalPresence } from "@colyseus/core";
import FakeTimers from "@sinonjs/fake-timers";
import pino from "pino";
import { createMemoryStore } from "../../../src/store/memory/memoryStore.js";
import type { Store } from "../../../src/store/repositories.js";
import { SEED_TOPICS } from "../../../src/topics/seed/index.js";
import type { Topic } from "../../../src/topics/topic.js";
import { TopicCatalog } from "../../../src/topics/topicCatalog.js";
import { TOPIC_CHANGES_CHANNEL, TopicCatalogSync } from "../../../src/topics/topicCatalogSync.js";

const logger = pino({ level: "silent" });

function seedTopic(code: string): Topic {
  const base = SEED_TOPICS.find((t) => t.targetLanguageCode === "en");
  if (!base) throw new Error("no English seed topic");
  return { ...structuredClone(base), code };
}

/** One "process": its own catalog and sync, on the shared store and presence. */
function processOn(store: Store, presence: LocalPresence, refreshIntervalMs?: number) {
  const catalog = new TopicCatalog([]);
  const sync = new TopicCatalogSync({ topics: store.topics, catalog, bus: presence, logger }, { refreshIntervalMs });
  return { catalog, sync };
}

describe("topics: catalog kept in sync with the store", () => {
  it("loads the stored topics at start", async () => {
    const store = createMemoryStore();
    await store.topics.seedIfEmpty(SEED_TOPICS);
    const p = processOn(store, new LocalPresence());
    assert.deepEqual(p.catalog.languages(), []);
    await p.sync.start();
    assert.deepEqual(p.catalog.languages(), ["de", "en", "es", "fr"]);
    assert.equal(p.catalog.list({ targetLanguageCode: "en", includeInactive: true }).length, SEED_TOPICS.filter((t) => t.targetLanguageCode === "en").length);
    await p.sync.stop();
  });

  it("an invalidation from one process makes the other reload: create, replace and delete reach it", async () => {
    const store = createMemoryStore();
    const presence = new LocalPresence();
    const one = processOn(store, presence);
    const two = processOn(store, presence);
    await one.sync.start();
    await two.sync.start();

    const topic = seedTopic("hobbies.board_games");
    await store.topics.create(topic);
    assert.equal(two.catalog.get("en", topic.code), undefined, "nothing changes without an invalidation");
    await one.sync.changed();
    assert.equal(one.catalog.get("en", topic.code)?.name, topic.name, "the writer's catalog shows it once changed() resolves");
    await two.sync.settled();
    assert.equal(two.catalog.get("en", topic.code)?.name, topic.name);

    await store.topics.put({ ...topic, isActive: false });
    await two.sync.changed();
    await one.sync.settled();
    assert.equal(one.catalog.get("en", topic.code)?.isActive, false);
    assert.equal(one.catalog.list({ targetLanguageCode: "en" }).some((t) => t.code === topic.code), false);

    await store.topics.remove("en", topic.code);
    await one.sync.changed();
    await two.sync.settled();
    assert.equal(two.catalog.get("en", topic.code), undefined);
    await one.sync.stop();
    await two.sync.stop();
  });

  it("refreshes periodically, so a lost invalidation is caught up", async () => {
    const clock = FakeTimers.install({ toFake: ["setInterval", "clearInterval"] });
    try {
      const store = createMemoryStore();
      const p = processOn(store, new LocalPresence(), 30_000);
      await p.sync.start();
      await store.topics.create(seedTopic("hobbies.chess"));
      clock.tick(29_999);
      await p.sync.settled();
      assert.equal(p.catalog.get("en", "hobbies.chess"), undefined);
      clock.tick(1);
      await p.sync.settled();
      assert.ok(p.catalog.get("en", "hobbies.chess"));
      await p.sync.stop();
    } finally {
      clock.uninstall();
    }
  });

  it("a refresh asked for during another one runs after it, and sees a write made in between", async () => {
    const store = createMemoryStore();
    const p = processOn(store, new LocalPresence());
    const first = p.sync.refresh();
    await store.topics.create(seedTopic("hobbies.cards"));
    await p.sync.refresh();
    await first;
    assert.ok(p.catalog.get("en", "hobbies.cards"));
  });

  it("still refreshes its own catalog when the invalidation cannot be published", async () => {
    const store = createMemoryStore();
    const catalog = new TopicCatalog([]);
    const presence = new LocalPresence();
    const failingBus = { subscribe: presence.subscribe.bind(presence), unsubscribe: presence.unsubscribe.bind(presence), publish: () => Promise.reject(new Error("redis down")) };
    const p = { catalog, sync: new TopicCatalogSync({ topics: store.topics, catalog, bus: failingBus, logger }) };
    await p.sync.start();
    await store.topics.create(seedTopic("hobbies.hiking"));
    await p.sync.changed();
    assert.ok(p.catalog.get("en", "hobbies.hiking"));
    await p.sync.stop();
  });

  it("leaves out a stored topic that is not valid and keeps the others", async () => {
    const store = createMemoryStore();
    await store.topics.create(seedTopic("hobbies.dance"));
    await store.topics.create({ ...seedTopic("hobbies.broken"), prompts: [] });
    const p = processOn(store, new LocalPresence());
    await p.sync.start();
    assert.ok(p.catalog.get("en", "hobbies.dance"));
    assert.equal(p.catalog.get("en", "hobbies.broken"), undefined);
    await p.sync.stop();
  });

  it("keeps the catalog as it was when the store fails, and stops listening once stopped", async () => {
    const store = createMemoryStore();
    await store.topics.create(seedTopic("hobbies.yoga"));
    const presence = new LocalPresence();
    const p = processOn(store, presence);
    await p.sync.start();
    const list = store.topics.list.bind(store.topics);
    store.topics.list = async () => {
      throw new Error("store down");
    };
    await assert.rejects(p.sync.refresh(), /store down/);
    assert.ok(p.catalog.get("en", "hobbies.yoga"), "still served from memory");
    store.topics.list = list;
    await p.sync.stop();
    await store.topics.remove("en", "hobbies.yoga");
    presence.publish(TOPIC_CHANGES_CHANNEL, { origin: "another process" });
    await p.sync.settled();
    assert.ok(p.catalog.get("en", "hobbies.yoga"), "no refresh after stop");
  });
});

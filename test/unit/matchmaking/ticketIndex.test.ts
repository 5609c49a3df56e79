import assert from "node:assert/strict";
import { isParleyError } from "../../../src/errors/errorCodes.js";
import { CEFR_LEVELS } from "../../../src/topics/cefr.js";
import { TicketIndex, type TicketBucket } from "../../../src/matchmaking/ticketIndex.js";
import type { Ticket } from "../../../src/matchmaking/ticket.js";
import { practiceTicket, resetTicketIds } from "./ticketFixtures.js";

function keys(buckets: TicketBucket[]): string[] {
  return buckets.map((b) => `${b.level}/${b.topicCode}`).sort();
}

function scanIds(index: TicketIndex, bucket: TicketBucket): string[] {
  const ids: string[] = [];
  index.scan(bucket, (t) => ids.push(t.id) > 0);
  return ids;
}

/** One ticket in each of: B1, A2, B2, C1 × airport, hotel (travel), interview (work); and a "fr" queue ticket. */
function populated(): TicketIndex {
  const index = new TicketIndex();
  for (const level of ["A2", "B1", "B2", "C1"] as const) {
    index.add(practiceTicket({ level, topicCode: "travel.airport" }));
    index.add(practiceTicket({ level, topicCode: "travel.hotel" }));
    index.add(practiceTicket({ level, topicCode: "work.interview", topicCategory: "work" }));
  }
  index.add(practiceTicket({ queue: "fr", targetLanguageCode: "fr" }));
  return index;
}

describe("TicketIndex", () => {
  beforeEach(resetTicketIds);

  it("adds, gets, removes and counts tickets", () => {
    const index = new TicketIndex();
    const a = practiceTicket();
    index.add(a);
    assert.equal(index.size, 1);
    assert.equal(index.get(a.id), a);
    assert.equal(index.has(a.id), true);
    assert.equal(index.remove(a.id), a);
    assert.equal(index.remove(a.id), undefined);
    assert.equal(index.size, 0);
    assert.equal(index.sizeOf("en"), 0);
    assert.deepEqual(index.queues(), []);
  });

  it("refuses a duplicate id and a topic filed under two categories with INVALID_REQUEST", () => {
    const index = new TicketIndex();
    const a = practiceTicket();
    index.add(a);
    assert.throws(() => index.add({ ...a }), (err: unknown) => isParleyError(err) && err.code === "INVALID_REQUEST");
    assert.throws(
      () => index.add(practiceTicket({ topicCategory: "work" })),
      (err: unknown) => isParleyError(err) && err.code === "INVALID_REQUEST",
    );
    assert.equal(index.size, 1);
  });

  it("finds a user's tickets", () => {
    const index = new TicketIndex();
    const a = practiceTicket({ userId: "alice", createdAt: 5 });
    const b = practiceTicket({ userId: "alice", createdAt: 1, queue: "fr", targetLanguageCode: "fr" });
    index.add(a);
    index.add(b);
    index.add(practiceTicket({ userId: "bob" }));
    assert.deepEqual(index.byUser("alice"), [b, a]);
    index.remove(a.id);
    assert.deepEqual(index.byUser("alice"), [b]);
    assert.deepEqual(index.byUser("carol"), []);
  });

  it("keeps each bucket and the queue FIFO by createdAt, then id, whatever the insertion order", () => {
    const index = new TicketIndex();
    const late = practiceTicket({ createdAt: 3000 });
    const early = practiceTicket({ createdAt: 1000 });
    const middleB = practiceTicket({ id: "m-b", createdAt: 2000 });
    const middleA = practiceTicket({ id: "m-a", createdAt: 2000 });
    for (const t of [late, early, middleB, middleA]) index.add(t);
    const [bucket] = index.bucketsFor(early, "strict");
    assert.ok(bucket);
    assert.deepEqual(scanIds(index, bucket), [early.id, "m-a", "m-b", late.id]);
    assert.equal(index.oldest("en"), early);
    assert.deepEqual([...index.tickets("en")].map((t) => t.id), [early.id, "m-a", "m-b", late.id]);
    index.remove(early.id);
    assert.equal(index.oldest("en")?.id, "m-a");
    index.remove(late.id);
    assert.deepEqual(scanIds(index, bucket), ["m-a", "m-b"]);
  });

  it("stays FIFO through out-of-order inserts and removals in the middle", () => {
    const index = new TicketIndex();
    const createdAts = [50, 10, 40, 20, 30, 20, 60];
    const tickets = createdAts.map((createdAt) => practiceTicket({ createdAt }));
    for (const t of tickets) index.add(t);
    const [bucket] = index.bucketsFor(practiceTicket(), "strict");
    assert.ok(bucket);
    const byAge = [...tickets].sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1)).map((t) => t.id);
    assert.deepEqual(scanIds(index, bucket), byAge);
    for (const id of [byAge[3], byAge[0], byAge[6]]) index.remove(id ?? "");
    assert.deepEqual(scanIds(index, bucket), [byAge[1], byAge[2], byAge[4], byAge[5]]);
    assert.equal(index.oldest("en")?.id, byAge[1]);
    assert.equal(bucket.size, 4);
  });

  describe("bucketsFor visits only what a stage allows", () => {
    it("strict: own level and topic", () => {
      assert.deepEqual(keys(populated().bucketsFor(practiceTicket(), "strict")), ["B1/travel.airport"]);
    });

    it("level_1: levels ±1, own topic", () => {
      assert.deepEqual(keys(populated().bucketsFor(practiceTicket(), "level_1")), [
        "A2/travel.airport",
        "B1/travel.airport",
        "B2/travel.airport",
      ]);
    });

    it("same_category: levels ±1, all topics of the category (through the category index)", () => {
      assert.deepEqual(keys(populated().bucketsFor(practiceTicket(), "same_category")), [
        "A2/travel.airport",
        "A2/travel.hotel",
        "B1/travel.airport",
        "B1/travel.hotel",
        "B2/travel.airport",
        "B2/travel.hotel",
      ]);
    });

    it("any_level: every bucket of the queue, no other queue", () => {
      const buckets = populated().bucketsFor(practiceTicket(), "any_level");
      assert.equal(buckets.length, 12);
      assert.ok(buckets.every((b) => b.queue === "en"));
    });

    it("follows the preferred direction", () => {
      const higher = practiceTicket({ preferredPartnerLevel: "higher" });
      assert.deepEqual(keys(populated().bucketsFor(higher, "level_1")), ["B1/travel.airport", "B2/travel.airport"]);
      const lower = practiceTicket({ preferredPartnerLevel: "lower" });
      assert.deepEqual(keys(populated().bucketsFor(lower, "any_level")).filter((k) => k.endsWith("airport")), [
        "A2/travel.airport",
        "B1/travel.airport",
      ]);
      const any = practiceTicket({ preferredPartnerLevel: "any" });
      assert.equal(populated().bucketsFor(any, "strict").length, 4);
    });

    it("bucketsOpenedAt gives only the ring a stage adds", () => {
      const index = populated();
      const me = practiceTicket();
      assert.deepEqual(keys(index.bucketsOpenedAt(me, "strict")), ["B1/travel.airport"]);
      assert.deepEqual(keys(index.bucketsOpenedAt(me, "level_1")), ["A2/travel.airport", "B2/travel.airport"]);
      assert.deepEqual(keys(index.bucketsOpenedAt(me, "same_category")), ["A2/travel.hotel", "B1/travel.hotel", "B2/travel.hotel"]);
      assert.equal(index.bucketsOpenedAt(me, "any_level").length, 12 - 6);
    });

    it("forgets empty buckets and topics so they are not visited", () => {
      const index = new TicketIndex();
      const hotel = practiceTicket({ topicCode: "travel.hotel" });
      index.add(hotel);
      assert.equal(index.bucketsFor(practiceTicket(), "same_category").length, 1);
      index.remove(hotel.id);
      assert.equal(index.bucketsFor(practiceTicket(), "same_category").length, 0);
    });
  });

  it("counts visited tickets per search", () => {
    const index = new TicketIndex();
    const tickets: Ticket[] = [];
    for (let i = 0; i < 3; i += 1) tickets.push(practiceTicket({ createdAt: i }));
    for (const t of tickets) index.add(t);
    for (const level of CEFR_LEVELS) if (level !== "B1") index.add(practiceTicket({ level }));
    index.beginSearch();
    for (const bucket of index.bucketsFor(practiceTicket(), "strict")) index.scan(bucket, () => true);
    assert.equal(index.lastVisitCount, 3);
    index.beginSearch();
    for (const bucket of index.bucketsFor(practiceTicket(), "strict")) index.scan(bucket, () => false);
    assert.equal(index.lastVisitCount, 1, "stopping early counts only what was read");
    assert.equal(index.stats.lastBucketCount, 1);
    index.beginSearch();
    assert.equal(index.lastVisitCount, 0);
    assert.equal(index.stats.totalVisits, 4);
    assert.equal(index.stats.searches, 3);
  });
});

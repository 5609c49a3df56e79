import assert from "node:assert/strict";
import { SeqClock } from "../../../src/store/mongo/mongoOutbox.js";

describe("store: outbox seq clock", () => {
  const T = Date.UTC(2026, 11, 7, 12, 0, 0);

  it("gives strictly increasing seqs, also many in one millisecond and when the clock goes back", () => {
    const clock = new SeqClock();
    const seqs = [...clock.next(500, T), ...clock.next(3, T), ...clock.next(3, T - 60_000)];
    for (let i = 1; i < seqs.length; i++) assert.ok((seqs[i] as number) > (seqs[i - 1] as number), `seq ${i} after seq ${i - 1}`);
    assert.ok(seqs.every(Number.isSafeInteger), "exact in a double");
  });

  it("orders the seqs of two processes by time, a millisecond apart, and a new tag never repeats a seq", () => {
    const [a, b] = [new SeqClock(), new SeqClock()];
    const [first] = a.next(1, T);
    const [second] = b.next(1, T + 1);
    assert.ok((second as number) > (first as number));
    const before = a.next(1, T + 5)[0] as number;
    a.retag();
    const after = a.next(1, T + 5)[0] as number;
    assert.notEqual(after % 16, before % 16, "another tag");
    assert.ok(after > before);
  });
});

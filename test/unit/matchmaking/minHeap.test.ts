import assert from "node:assert/strict";
import { MinHeap } from "../../../src/matchmaking/minHeap.js";

describe("MinHeap", () => {
  it("pops entries in comparator order, whatever the push order", () => {
    const heap = new MinHeap<number>((a, b) => a - b);
    const values = [5, 3, 9, 1, 1, 8, 2, 7, 6, 4, 0];
    for (const v of values) heap.push(v);
    assert.equal(heap.size, values.length);
    assert.equal(heap.peek(), 0);
    const popped: number[] = [];
    for (let v = heap.pop(); v !== undefined; v = heap.pop()) popped.push(v);
    assert.deepEqual(popped, [...values].sort((a, b) => a - b));
    assert.equal(heap.pop(), undefined);
    assert.equal(heap.peek(), undefined);
  });

  it("stays ordered under interleaved pushes and pops", () => {
    const heap = new MinHeap<number>((a, b) => a - b);
    const reference: number[] = [];
    let seed = 7;
    for (let step = 0; step < 2000; step += 1) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      if (seed % 3 === 0 && reference.length > 0) {
        reference.sort((a, b) => a - b);
        assert.equal(heap.pop(), reference.shift());
      } else {
        heap.push(seed % 1000);
        reference.push(seed % 1000);
      }
    }
    assert.equal(heap.size, reference.length);
  });
});

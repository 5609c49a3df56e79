/**
 * A binary min-heap ordered by a comparator (negative = `a` first). Used by the
 * {@link Matcher} for due deadlines and by the {@link TicketIndex} for each queue's oldest
 * ticket, so neither ever sweeps the whole queue. O(log n) `push`/`pop`, O(1) `peek`.
 * Entries cannot be removed early: holders skip stale ones when they reach the top.
 */
export class MinHeap<T> {
  private readonly items: T[] = [];

  constructor(private readonly compare: (a: T, b: T) => number) {}

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.items.length;
  }

  /** The smallest entry, if any. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an entry. */
  push(item: T): void {
    const items = this.items;
    items.push(item);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      const parentItem = items[parent] as T;
      if (this.compare(item, parentItem) >= 0) break;
      items[child] = parentItem;
      child = parent;
    }
    items[child] = item;
  }

  /** Removes and returns the smallest entry, if any. */
  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let parent = 0;
    for (;;) {
      const left = parent * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const leftItem = items[left] as T;
      const rightItem = items[right];
      let child = left;
      let childItem = leftItem;
      if (rightItem !== undefined && this.compare(rightItem, leftItem) < 0) {
        child = right;
        childItem = rightItem;
      }
      if (this.compare(childItem, last) >= 0) break;
      items[parent] = childItem;
      parent = child;
    }
    items[parent] = last;
    return top;
  }
}

/** One scheduled instant for one ticket. */
export interface Deadline<K extends string> {
  /** Epoch ms at which the deadline is due. */
  at: number;
  ticketId: string;
  kind: K;
}

/**
 * A binary min-heap of {@link Deadline}s ordered by `at` (then insertion order), used by the
 * {@link Matcher} to find, in O(log n) each, the tickets whose expiry or next widening stage
 * is due — so a tick never sweeps the whole queue. Entries are never removed early: holders
 * check on pop whether an entry is still current (lazy deletion).
 */
export class DeadlineHeap<K extends string> {
  private readonly items: { deadline: Deadline<K>; seq: number }[] = [];
  private seq = 0;

  /** Number of entries, stale ones included. */
  get size(): number {
    return this.items.length;
  }

  /** Schedules `deadline`. O(log n). */
  push(deadline: Deadline<K>): void {
    this.items.push({ deadline, seq: this.seq++ });
    this.siftUp(this.items.length - 1);
  }

  /** Removes and returns every entry with `at ≤ now`, earliest first. */
  popDue(now: number): Deadline<K>[] {
    const due: Deadline<K>[] = [];
    for (;;) {
      const top = this.items[0];
      if (top === undefined || top.deadline.at > now) return due;
      due.push(top.deadline);
      const last = this.items.pop();
      if (last !== undefined && this.items.length > 0) {
        this.items[0] = last;
        this.siftDown(0);
      }
    }
  }

  private less(i: number, j: number): boolean {
    const a = this.items[i];
    const b = this.items[j];
    if (a === undefined || b === undefined) return false;
    return a.deadline.at !== b.deadline.at ? a.deadline.at < b.deadline.at : a.seq < b.seq;
  }

  private swap(i: number, j: number): void {
    const a = this.items[i];
    const b = this.items[j];
    if (a === undefined || b === undefined) return;
    this.items[i] = b;
    this.items[j] = a;
  }

  private siftUp(index: number): void {
    let child = index;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (!this.less(child, parent)) return;
      this.swap(child, parent);
      child = parent;
    }
  }

  private siftDown(index: number): void {
    let parent = index;
    for (;;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < this.items.length && this.less(left, smallest)) smallest = left;
      if (right < this.items.length && this.less(right, smallest)) smallest = right;
      if (smallest === parent) return;
      this.swap(parent, smallest);
      parent = smallest;
    }
  }
}

import type { Room } from "@colyseus/sdk";

/**
 * Records every message a room receives from the moment it is attached, so a test can wait
 * for one that may already have arrived (no lost-race sleeps). Used by the demo, load scripts
 * and tests — SDK-side code, never imported by the server.
 */
export class Inbox {
  private readonly seen: { type: string; payload: unknown }[] = [];
  private waiters: { type: string; resolve: (p: unknown) => void; from: number }[] = [];

  constructor(room: Room) {
    room.onMessage("*", (type, payload) => {
      this.seen.push({ type: String(type), payload });
      this.waiters = this.waiters.filter((w) => {
        const hit = this.find(w.type, w.from);
        if (hit) w.resolve(hit.payload);
        return !hit;
      });
    });
  }

  /** Messages of `type` received so far. */
  all<T = Record<string, unknown>>(type: string): T[] {
    return this.seen.filter((m) => m.type === type).map((m) => m.payload as T);
  }

  /**
   * The `n`-th (0-based) message of `type`, waiting for it if needed.
   * @throws after `timeoutMs` naming the type and what did arrive.
   */
  next<T = Record<string, unknown>>(type: string, n = 0, timeoutMs = 5000): Promise<T> {
    const hit = this.find(type, n);
    if (hit) return Promise.resolve(hit.payload as T);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${type}" #${n} within ${timeoutMs} ms; got: ${this.seen.map((m) => m.type).join(", ")}`)), timeoutMs);
      this.waiters.push({ type, from: n, resolve: (p) => (clearTimeout(timer), resolve(p as T)) });
    });
  }

  private find(type: string, n: number) {
    return this.seen.filter((m) => m.type === type)[n];
  }
}


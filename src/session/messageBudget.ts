import { ParleyError } from "../errors/errorCodes.js";

/**
 * A budget of `max` messages per key in fixed windows of `windowMs` (a window opens at the first
 * message after the previous one closed). Pure and synchronous: `now` in epoch ms, so a room
 * spends it inline on every message, with no promise per message (DESIGN §11). Used for the
 * signaling budget per pair (DESIGN §5) and the message budget per connection (issue 7 §3).
 */
export class FixedWindowBudget {
  /** The open window per key; created at the first message (a room's budget that is never spent holds no map). */
  private windows: Map<string, { startedAt: number; used: number }> | undefined;

  /**
   * @param max messages per key per window
   * @param windowMs window length in ms
   * @param refusal the message of the `RATE_LIMITED` error (e.g. "too many messages on this connection")
   */
  constructor(
    readonly max: number,
    readonly windowMs: number,
    private readonly refusal: string,
  ) {}

  /**
   * Takes one message from `key`'s budget.
   * @throws ParleyError `RATE_LIMITED` with `retryAfterSeconds` (≥ 1) when spent (not counted).
   */
  consume(key: string, now: number): void {
    this.windows ??= new Map();
    let window = this.windows.get(key);
    if (!window || now - window.startedAt >= this.windowMs) {
      window = { startedAt: now, used: 0 };
      this.windows.set(key, window);
    }
    if (window.used >= this.max) {
      const retryAfterSeconds = Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000));
      throw new ParleyError("RATE_LIMITED", this.refusal, { retryAfterSeconds });
    }
    window.used++;
  }

  /** Forgets `key` (a connection that left), so the map holds only live keys. */
  forget(key: string): void {
    this.windows?.delete(key);
  }
}

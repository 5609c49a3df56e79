import { Client, type Room } from "@colyseus/sdk";
import type { DevTokenClaims } from "../../src/auth/devTokens.js";
import { BASE_URL, tokenFor, uniqueUser } from "./testServer.js";

/**
 * Records every message a room receives from the moment it is attached, so a test can wait
 * for one that may already have arrived (no lost-race sleeps).
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

/** A learner: an SDK client authenticated with a minted token. */
export interface Learner {
  userId: string;
  token: string;
  sdk: Client;
}

/** Creates a learner with a unique user id (`prefix-…`) and the given claims. */
export async function newLearner(prefix: string, claims: Omit<DevTokenClaims, "sub"> & { sub?: string }): Promise<Learner> {
  const userId = claims.sub ?? uniqueUser(prefix);
  const token = await tokenFor({ name: prefix, ...claims, sub: userId });
  const sdk = new Client(BASE_URL);
  sdk.auth.token = token;
  return { userId, token, sdk };
}

/** A realistic-enough unique topic-free practice ticket for `lang` at level from the token. */
export function practiceOptions(lang: string, topicCode = "daily_life.introductions", extra: Record<string, unknown> = {}) {
  return { queue: lang, targetLanguageCode: lang, topicCode, ...extra };
}

/**
 * Resolves when `predicate(room.state)` holds after a patch (or already holds).
 * @throws after `timeoutMs`.
 */
export function waitForState<S>(room: Room<unknown, S>, predicate: (state: S) => boolean, timeoutMs = 5000): Promise<void> {
  if (room.state && predicate(room.state)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`state condition not met within ${timeoutMs} ms`)), timeoutMs);
    room.onStateChange((state: S) => {
      if (predicate(state)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

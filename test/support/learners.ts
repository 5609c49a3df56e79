import { Client, type Room } from "@colyseus/sdk";
export { Inbox } from "../../src/client/roomInbox.js";
import type { DevTokenClaims } from "../../src/auth/devTokens.js";
import { BASE_URL, tokenFor, uniqueUser } from "./testServer.js";

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

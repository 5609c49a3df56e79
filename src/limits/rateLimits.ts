import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config/config.js";
import { ParleyError } from "../errors/errorCodes.js";

/** The rate limits of seed 002 §7.3, each keyed as documented. */
export interface RateLimits {
  /** Match requests per user per hour (key: userId). */
  matchRequests: RateLimiterAbstract;
  /** Session joins per user per minute (key: userId). */
  sessionJoins: RateLimiterAbstract;
  /** Signaling messages per session per minute (key: sessionId). */
  signaling: RateLimiterAbstract;
  /** REST calls per user per minute (key: userId or IP). */
  rest: RateLimiterAbstract;
}

/** Memory-backed limiters (embedded default, DESIGN §1). */
export function createMemoryRateLimits(quotas: Config["quotas"]): RateLimits {
  return {
    matchRequests: new RateLimiterMemory({ keyPrefix: "match", points: quotas.matchRequestsPerHour, duration: 3600 }),
    sessionJoins: new RateLimiterMemory({ keyPrefix: "join", points: quotas.sessionJoinsPerMinute, duration: 60 }),
    signaling: new RateLimiterMemory({ keyPrefix: "signal", points: quotas.signalingPerMinute, duration: 60 }),
    rest: new RateLimiterMemory({ keyPrefix: "rest", points: quotas.restPerMinute, duration: 60 }),
  };
}

/**
 * Consumes one point of `limiter` for `key`.
 * @throws ParleyError `RATE_LIMITED` with `retryAfterSeconds` when the budget is spent; a
 *   limiter backend failure is rethrown as is.
 */
export async function consumeOrThrow(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (res) {
    if (res instanceof RateLimiterRes) {
      throw new ParleyError("RATE_LIMITED", `too many ${what}`, { retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) });
    }
    throw res;
  }
}

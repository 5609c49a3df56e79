import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config/config.js";
import { ParleyError } from "../errors/errorCodes.js";

/** The rate limits of seed 002 §7.3, each keyed as documented. */
export interface RateLimits {
  /** Match requests per user per hour (key: userId). */
  matchRequests: RateLimiterAbstract;
  /** Session joins per user per minute (key: userId). */
  sessionJoins: RateLimiterAbstract;
  /** REST calls per user per minute (key: userId or IP). */
  rest: RateLimiterAbstract;
}

/** Budget of each limiter: key prefix, points and window in seconds (seed 002 §7.3). */
function budgets(quotas: Config["quotas"]): Record<keyof RateLimits, { keyPrefix: string; points: number; duration: number }> {
  return {
    matchRequests: { keyPrefix: "match", points: quotas.matchRequestsPerHour, duration: 3600 },
    sessionJoins: { keyPrefix: "join", points: quotas.sessionJoinsPerMinute, duration: 60 },
    rest: { keyPrefix: "rest", points: quotas.restPerMinute, duration: 60 },
  };
}

/** Memory-backed limiters (embedded default, DESIGN §1): per process. */
export function createMemoryRateLimits(quotas: Config["quotas"]): RateLimits {
  const b = budgets(quotas);
  return {
    matchRequests: new RateLimiterMemory(b.matchRequests),
    sessionJoins: new RateLimiterMemory(b.sessionJoins),
    rest: new RateLimiterMemory(b.rest),
  };
}

/** Prefix of every rate-limit key in Redis (`parley:rl:match:<userId>`, …). */
export const REDIS_RATE_LIMIT_PREFIX = "parley:rl:";

/**
 * Redis-backed limiters (`REDIS_URL`, DESIGN §1): one budget shared by every process. Each has
 * a memory limiter as `insuranceLimiter`, so a Redis outage degrades to per-process limits
 * instead of failing the requests.
 * @param redis an ioredis client; best with `enableOfflineQueue: false`, so that a command
 *   fails at once (and the insurance limiter answers) while Redis is unreachable
 */
export function createRedisRateLimits(quotas: Config["quotas"], redis: Redis): RateLimits {
  const b = budgets(quotas);
  const limiter = (budget: { keyPrefix: string; points: number; duration: number }) =>
    new RateLimiterRedis({
      ...budget,
      keyPrefix: `${REDIS_RATE_LIMIT_PREFIX}${budget.keyPrefix}`,
      storeClient: redis,
      insuranceLimiter: new RateLimiterMemory(budget),
    });
  return {
    matchRequests: limiter(b.matchRequests),
    sessionJoins: limiter(b.sessionJoins),
    rest: limiter(b.rest),
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

/**
 * Checks that `limiter` has a point left for `key` without consuming it: for a step whose point
 * is consumed later, where the action really happens (a REST session join returns a seat
 * reservation; the conversation room consumes the point when the seat is used).
 * @throws ParleyError `RATE_LIMITED` with `retryAfterSeconds` when the budget is spent
 */
export async function assertBudgetLeft(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
  const res = await limiter.get(key);
  if (res && res.remainingPoints <= 0) {
    throw new ParleyError("RATE_LIMITED", `too many ${what}`, { retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) });
  }
}

import { ParleyError } from "../errors/errorCodes.js";
import type { Tier } from "./sessionLifecycle.js";

/** The rolling quota window, in **milliseconds**: 7 days (DESIGN §6, seed 002 §6.5). */
export const QUOTA_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** `FREE_TIER_WEEKLY_LIMIT` default: conversations per rolling 7 days for the free tier. */
export const DEFAULT_FREE_TIER_WEEKLY_LIMIT = 3;

/** How far ahead a premium user may schedule, in **milliseconds**: 7 days (seed 002 §6.5). */
export const MAX_SCHEDULE_AHEAD_MS = 7 * 24 * 60 * 60 * 1000;

/** Start (epoch ms, inclusive) of the rolling quota window ending at `now`. */
export function quotaWindowStart(now: number): number {
  return now - QUOTA_WINDOW_MS;
}

/** Result of {@link weeklyQuota}. */
export interface QuotaStatus {
  /** Conversations counted in the window. */
  used: number;
  /** The limit, or null for premium (unlimited). */
  limit: number | null;
  /** Conversations still allowed **including** the one being requested; null when unlimited. */
  remaining: number | null;
}

/**
 * Checks the free-tier conversation quota before a match request (DESIGN §6, seed 002 §6.5).
 * The caller counts the user's conversations that started (became active) within
 * [`quotaWindowStart(now)`, `now`) — expired sessions, which never started, do not count.
 * @param input.limit @default 3 (`FREE_TIER_WEEKLY_LIMIT`)
 * @throws ParleyError `DAILY_LIMIT_REACHED` (403) for a free user with `conversationsInWindow >= limit`.
 */
export function weeklyQuota(input: { tier: Tier; conversationsInWindow: number; limit?: number }): QuotaStatus {
  const used = input.conversationsInWindow;
  if (input.tier === "premium") return { used, limit: null, remaining: null };
  const limit = input.limit ?? DEFAULT_FREE_TIER_WEEKLY_LIMIT;
  if (used >= limit) {
    throw new ParleyError(
      "DAILY_LIMIT_REACHED",
      `free tier: ${limit} conversations per 7 days reached; upgrade to premium for unlimited conversations`,
    );
  }
  return { used, limit, remaining: limit - used };
}

/**
 * Checks the matchmaking `mode`/`scheduledFor` of a request (DESIGN §4 "Scheduled mode",
 * seed 002 §6.5). `mode: "now"` must not carry `scheduledFor`; `mode: "scheduled"` is premium only
 * and needs `scheduledFor` (epoch ms) strictly after `now` and at most 7 days ahead (inclusive).
 * @throws ParleyError `PREMIUM_REQUIRED` (403) for a free user scheduling (checked first);
 *   `INVALID_REQUEST` (400) when `scheduledFor` is missing, not finite, not in the future,
 *   more than 7 days ahead, or given with `mode: "now"`.
 */
export function assertCanSchedule(input: {
  tier: Tier;
  mode: "now" | "scheduled";
  scheduledFor?: number;
  now: number;
}): void {
  const { tier, mode, scheduledFor, now } = input;
  if (mode === "now") {
    if (scheduledFor !== undefined) throw new ParleyError("INVALID_REQUEST", "scheduledFor requires mode \"scheduled\"");
    return;
  }
  if (tier !== "premium") throw new ParleyError("PREMIUM_REQUIRED", "scheduling conversations is a premium feature");
  if (scheduledFor === undefined || !Number.isFinite(scheduledFor)) {
    throw new ParleyError("INVALID_REQUEST", "scheduledFor is required with mode \"scheduled\"");
  }
  if (scheduledFor <= now) throw new ParleyError("INVALID_REQUEST", "scheduledFor must be in the future");
  if (scheduledFor - now > MAX_SCHEDULE_AHEAD_MS) {
    throw new ParleyError("INVALID_REQUEST", "scheduledFor must be at most 7 days ahead");
  }
}

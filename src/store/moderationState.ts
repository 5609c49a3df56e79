import type { ModerationResolution, UserModerationRecord } from "./records.js";

/**
 * The moderation state after a moderator's `resolution` (both stores apply this): the flag is
 * cleared, the resolution kept as `lastResolution`, `warn` adds a warning and `ban` sets
 * `bannedUntil` (a later ban replaces an earlier one; `dismiss` and `warn` leave a ban as is).
 */
export function resolvedState(current: UserModerationRecord, resolution: ModerationResolution): UserModerationRecord {
  const { flaggedAt: _flaggedAt, ...rest } = current;
  return {
    ...rest,
    flaggedForReview: false,
    warnings: current.warnings + (resolution.action === "warn" ? 1 : 0),
    ...(resolution.action === "ban" && resolution.bannedUntil ? { bannedUntil: resolution.bannedUntil } : {}),
    lastResolution: structuredClone(resolution),
  };
}

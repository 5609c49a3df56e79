import type { UserModerationRecord } from "../store/records.js";

/**
 * The moderation state of a reported user as the admin API shows it (`GET /api/admin/reports`
 * entries' `reportedUser`, `POST /api/admin/reports/:userId/resolve`): times as ISO strings; a
 * user with no stored state is unflagged, never warned nor banned.
 */
export function reportedUserView(userId: string, state: UserModerationRecord | undefined) {
  const resolution = state?.lastResolution;
  return {
    userId,
    flaggedForReview: state?.flaggedForReview ?? false,
    ...(state?.flaggedAt ? { flaggedAt: state.flaggedAt.toISOString() } : {}),
    ...(state?.bannedUntil ? { bannedUntil: state.bannedUntil.toISOString() } : {}),
    warnings: state?.warnings ?? 0,
    ...(resolution
      ? {
          lastResolution: {
            action: resolution.action,
            moderatorUserId: resolution.moderatorUserId,
            at: resolution.at.toISOString(),
            ...(resolution.note ? { note: resolution.note } : {}),
            ...(resolution.bannedUntil ? { bannedUntil: resolution.bannedUntil.toISOString() } : {}),
          },
        }
      : {}),
  };
}

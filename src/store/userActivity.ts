import type { SessionRecord, SessionStatus } from "./records.js";

/**
 * What admitting a ticket must know of a user's sessions (DESIGN §4, §6), read in one go by
 * `SessionRepository.activitySince`: the answers of `liveByUser`, `countCountedSince` and
 * `partnersSince` for one `since`.
 */
export interface UserSessionActivity {
  /** The user is in a live (`waiting`/`active`) session they have not left. */
  inLiveSession: boolean;
  /** Sessions with the user created at or after `since` that did not expire (weekly quota). */
  countedSince: number;
  /** Users who shared a session with the user that started at or after `since`. */
  partnersSince: string[];
}

/** The fields of a session {@link activityOf} reads. */
export type ActivitySession = Pick<SessionRecord, "status" | "createdAt" | "startedAt"> & { participants: Pick<SessionRecord["participants"][number], "userId" | "leftAt">[] };

const LIVE: ReadonlySet<SessionStatus> = new Set(["waiting", "active"]);

/**
 * {@link UserSessionActivity} of `userId` from `sessions` — any superset of their sessions that
 * are live or were created, started or ended at or after `since` (others are ignored).
 */
export function activityOf(sessions: Iterable<ActivitySession>, userId: string, since: Date): UserSessionActivity {
  let inLiveSession = false;
  let countedSince = 0;
  const partners = new Set<string>();
  for (const s of sessions) {
    const me = s.participants.find((p) => p.userId === userId);
    if (!me) continue;
    if (LIVE.has(s.status) && !me.leftAt) inLiveSession = true;
    if (s.status !== "expired" && s.createdAt >= since) countedSince++;
    if (s.startedAt && s.startedAt >= since) for (const p of s.participants) if (p.userId !== userId) partners.add(p.userId);
  }
  return { inLiveSession, countedSince, partnersSince: [...partners] };
}

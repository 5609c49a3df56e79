import { randomUUID } from "node:crypto";
import { z } from "zod";
import { ParleyError } from "../errors/errorCodes.js";
import { events } from "../events/eventBuilders.js";
import type { ModerationResolution, ReportRecord, UserModerationRecord } from "../store/records.js";
import type { ModerationRepository, Store } from "../store/repositories.js";

/**
 * A user is flagged for review once more than this many *distinct* users reported them since
 * the last moderator resolution (DESIGN §7 "> 3 reports on a user → flagged for review").
 */
export const FLAG_AFTER_DISTINCT_REPORTERS = 3;

/** Longest ban a moderator can give, in days. */
export const MAX_BAN_DAYS = 365;

const DAY_MS = 24 * 3600 * 1000;

/** A report as `POST /sessions/:id/report` receives it (validated by `reportBodySchema`). */
export interface ReportBody {
  reportedUserId: string;
  reason: string;
  details?: string;
  block: boolean;
}

/**
 * Body of `POST /api/admin/reports/:userId/resolve`: `action` `dismiss` | `warn` | `ban`;
 * `days` (1–365) required with `ban` and refused otherwise; `note` ≤ 1000 characters.
 */
export const resolutionBodySchema = z
  .strictObject({
    action: z.enum(["dismiss", "warn", "ban"]),
    days: z.int().min(1).max(MAX_BAN_DAYS).optional(),
    note: z.string().trim().min(1).max(1000).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.action === "ban" && body.days === undefined) ctx.addIssue({ code: "custom", path: ["days"], message: "a ban needs days (1–365)" });
    if (body.action !== "ban" && body.days !== undefined) ctx.addIssue({ code: "custom", path: ["days"], message: "days only go with a ban" });
  });

/** A moderator's decision as the admin API receives it. */
export type ResolutionBody = z.infer<typeof resolutionBodySchema>;

/** True while the user's ban runs (`now` epoch ms). */
export function isBanned(state: UserModerationRecord | undefined, now: number): boolean {
  return state?.bannedUntil !== undefined && state.bannedUntil.getTime() > now;
}

/**
 * Refuses a banned user (matchmaking admission, REST and SDK alike).
 * @param now epoch milliseconds
 * @throws ParleyError `BANNED` (403) naming the end of the ban
 */
export async function assertNotBanned(moderation: ModerationRepository, userId: string, now: number): Promise<void> {
  assertStateNotBanned(await moderation.userState(userId), now);
}

/**
 * {@link assertNotBanned} on a moderation state read already (admission reads it beside the others).
 * @throws ParleyError `BANNED` (403) naming the end of the ban
 */
export function assertStateNotBanned(state: UserModerationRecord | undefined, now: number): void {
  if (isBanned(state, now)) throw new ParleyError("BANNED", `you are banned from matchmaking until ${state?.bannedUntil?.toISOString()}`);
}

/**
 * Files a participant's report of another participant of a session (DESIGN §7): the report
 * with its `participant.reported` event; a block when asked (never matched again); and, when
 * more than {@link FLAG_AFTER_DISTINCT_REPORTERS} distinct users reported that user since
 * their last resolution, the flag "for review" on the user with a `participant.flagged` event
 * (once: the flag write is conditional). Distinct reporters are counted again after the
 * report is stored, so two reports made at once cannot both miss the threshold.
 * `participant.reported` carries `reportCount` (distinct reporters since the last resolution,
 * this one included) and `flaggedForReview` as known when the report is written; under
 * concurrent reports `participant.flagged` is the authoritative signal.
 * @param now epoch milliseconds
 * @returns the report's id and whether the reported user is flagged for review now
 * @throws ParleyError `SESSION_NOT_FOUND`, `NOT_A_PARTICIPANT` (the reporter), `INVALID_REQUEST`
 *   (oneself, or not a participant), `ALREADY_REPORTED` (409: that user, by this reporter, in
 *   this session)
 */
export async function submitReport(
  store: Store,
  sessionId: string,
  reporterUserId: string,
  body: ReportBody,
  now: number,
): Promise<{ reportId: string; flaggedForReview: boolean }> {
  const session = await store.sessions.get(sessionId);
  if (!session) throw new ParleyError("SESSION_NOT_FOUND", `session ${sessionId} not found`);
  const participantIds = new Set(session.participants.map((p) => p.userId));
  if (!participantIds.has(reporterUserId)) throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
  const reported = body.reportedUserId;
  if (reported === reporterUserId) throw new ParleyError("INVALID_REQUEST", "body: reportedUserId: you cannot report yourself");
  if (!participantIds.has(reported)) throw new ParleyError("INVALID_REQUEST", "body: reportedUserId: not a participant of this session");

  const state = await store.moderation.userState(reported);
  const since = state?.lastResolution?.at;
  const reportCount = (await store.moderation.countDistinctReporters(reported, since, reporterUserId)) + 1;
  const report: ReportRecord = {
    id: randomUUID(),
    sessionId,
    reporterUserId,
    reportedUserId: reported,
    reason: body.reason,
    ...(body.details ? { details: body.details } : {}),
    block: body.block,
    createdAt: new Date(now),
  };
  const reportedEvent = events.participantReported({
    reportId: report.id,
    sessionId,
    reporterUserId,
    reportedUserId: reported,
    reason: body.reason,
    block: body.block,
    reportCount,
    flaggedForReview: state?.flaggedForReview === true || reportCount > FLAG_AFTER_DISTINCT_REPORTERS,
  }, now);
  await store.moderation.createReport(report, { events: [reportedEvent] });
  if (body.block) await store.moderation.block(reporterUserId, reported);

  if (state?.flaggedForReview) return { reportId: report.id, flaggedForReview: true };
  const distinctReporters = await store.moderation.countDistinctReporters(reported, since);
  if (distinctReporters <= FLAG_AFTER_DISTINCT_REPORTERS) return { reportId: report.id, flaggedForReview: false };
  const flaggedEvent = events.participantFlagged({
    userId: reported,
    distinctReporters,
    flaggedAt: new Date(now).toISOString(),
    lastReportId: report.id,
    sessionId,
  }, now);
  await store.moderation.flagForReview(reported, new Date(now), { events: [flaggedEvent] });
  return { reportId: report.id, flaggedForReview: true };
}

/**
 * A moderator's resolution of the reports against `userId`: the flag is cleared and reports
 * made so far stop counting toward a new one; `warn` adds a warning; `ban` refuses the user
 * matchmaking for `days` days from `now` (403 `BANNED`). Nothing is published; the caller
 * writes the audit entry.
 * @param now epoch milliseconds
 * @returns the user's moderation state after the resolution
 * @throws ParleyError `NOT_FOUND` (404) when nobody reported the user and they have no
 *   moderation state
 */
export async function resolveReports(
  store: Store,
  userId: string,
  moderatorUserId: string,
  body: ResolutionBody,
  now: number,
): Promise<UserModerationRecord> {
  if ((await store.moderation.countReportsAgainst(userId)) === 0 && !(await store.moderation.userState(userId))) {
    throw new ParleyError("NOT_FOUND", `nobody reported user ${userId}`);
  }
  const resolution: ModerationResolution = {
    action: body.action,
    moderatorUserId,
    at: new Date(now),
    ...(body.note ? { note: body.note } : {}),
    ...(body.action === "ban" && body.days !== undefined ? { bannedUntil: new Date(now + body.days * DAY_MS) } : {}),
  };
  return store.moderation.resolve(userId, resolution);
}

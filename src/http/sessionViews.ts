import type { IceServer } from "../auth/turnCredentials.js";
import { averageRating } from "../session/ratingRules.js";
import { selectNextPrompt } from "../session/promptSelection.js";
import type { AuditRecord } from "../store/repositories.js";
import type { MatchRequestRecord, ParticipantRecord, ReportRecord, SessionRecord } from "../store/records.js";
import type { PromptType, Topic } from "../topics/topic.js";
import { topicAccess, type TopicLearner } from "../topics/topicAccess.js";

/**
 * Response shaping of the REST API (seed 002 §3.2): records in, JSON-ready objects out (ISO
 * dates, optional fields left out rather than `null`). No I/O here.
 */

/** `GET /match-request/status` (seed 002 §3.2); `waitedSeconds` runs until matched, else until now (capped at expiry). */
export function matchStatusView(record: MatchRequestRecord, now: number) {
  const until = record.matchedAt?.getTime() ?? (record.status === "pending" ? now : Math.min(now, record.expiresAt.getTime()));
  return {
    matchRequest: {
      id: record.id,
      status: record.status,
      ...(record.matchedSessionId ? { sessionId: record.matchedSessionId } : {}),
      waitedSeconds: Math.max(0, Math.floor((until - record.createdAt.getTime()) / 1000)),
      expiresAt: record.expiresAt.toISOString(),
      targetLanguageCode: record.targetLanguageCode,
      topicCode: record.topicCode,
      sessionType: record.sessionType,
      // Once matched, why (DESIGN §10 "Explainable match").
      ...(record.matchExplanation ? { ...record.matchExplanation } : {}),
    },
  };
}

/** One entry of `GET /topics` (seed 002 §3.2) with the display texts and why it is locked. */
export function topicSummaryView(topic: Topic, learner: TopicLearner) {
  const access = topicAccess(topic, learner);
  return {
    code: topic.code,
    targetLanguageCode: topic.targetLanguageCode,
    nameKey: topic.nameKey,
    descriptionKey: topic.descriptionKey,
    name: topic.name,
    description: topic.description,
    level: topic.level,
    category: topic.category,
    ...(topic.imageUrl ? { imageUrl: topic.imageUrl } : {}),
    estimatedDurationMinutes: topic.estimatedDurationMinutes,
    popularityScore: topic.popularityScore,
    ...(topic.requiredSkills?.length ? { requiredSkills: topic.requiredSkills } : {}),
    isUnlocked: access.unlocked,
    ...(access.reason ? { lockReason: access.reason } : {}),
  };
}

const PROMPT_TYPE_RANK: Readonly<Record<PromptType, number>> = { icebreaker: 0, main: 1, follow_up: 2 };

/**
 * `GET /topics/:code`: the summary plus the prompts' keys, types and order. Prompt texts are
 * not listed: learners discover them during the conversation.
 */
export function topicDetailsView(topic: Topic, learner: TopicLearner) {
  return {
    topic: {
      ...topicSummaryView(topic, learner),
      prompts: [...topic.prompts]
        .sort((a, b) => PROMPT_TYPE_RANK[a.type] - PROMPT_TYPE_RANK[b.type] || a.order - b.order)
        .map((p) => ({ promptKey: p.promptKey, type: p.type, order: p.order })),
    },
  };
}

/** A participant as every session view shows it (seed 002 §3.2 `participants[]`). */
function participantView(p: ParticipantRecord) {
  return {
    userId: p.userId,
    displayName: p.displayName,
    ...(p.avatarUrl ? { avatarUrl: p.avatarUrl } : {}),
    nativeLanguageCode: p.nativeLanguageCode,
    targetLanguageCode: p.targetLanguageCode,
  };
}

/** Participants of a session still in it (group members who left are not shown). */
function seated(session: SessionRecord): ParticipantRecord[] {
  return session.participants.filter((p) => !p.leftAt);
}

/**
 * The group fields of a session view (seed 000, DESIGN §7): `type`, `hostUserId`,
 * `minParticipants`, `maxParticipants`, `seatsLeft`, `scheduledStartAt?`, and `inviteCode` of a
 * private group when `withInviteCode` (views for its participants only). Empty for a pair.
 */
function groupFields(session: SessionRecord, withInviteCode: boolean) {
  if (session.sessionType !== "group" || session.type === undefined) return {};
  const max = session.maxParticipants ?? 0;
  return {
    type: session.type,
    ...(session.hostUserId ? { hostUserId: session.hostUserId } : {}),
    ...(withInviteCode && session.inviteCode ? { inviteCode: session.inviteCode } : {}),
    minParticipants: session.minParticipants ?? 2,
    maxParticipants: max,
    seatsLeft: Math.max(0, max - seated(session).length),
    ...(session.scheduledStartAt ? { scheduledStartAt: session.scheduledStartAt.toISOString() } : {}),
  };
}

/**
 * `POST /sessions/:id/join` and `POST /sessions/join-by-code` 200 body, and the 201 body of
 * `POST /sessions` (seed 002 §3.2 + DESIGN §7 `reservation`, seed 000 group fields). It goes to
 * a participant, so a private group's `inviteCode` is in it (to share).
 */
export function joinView(session: SessionRecord, topic: Topic | undefined, iceServers: IceServer[], reservation: unknown) {
  const firstPromptKey = session.prompts[0]?.promptKey ?? (topic && selectNextPrompt(topic, [])?.promptKey);
  return {
    session: {
      id: session.id,
      status: session.status,
      sessionType: session.sessionType,
      ...groupFields(session, true),
      targetLanguageCode: session.targetLanguageCode,
      participants: seated(session).map(participantView),
      topic: {
        code: session.topicCode,
        nameKey: topic?.nameKey ?? `topics.${session.topicCode}.name`,
        ...(topic ? { name: topic.name } : {}),
        ...(firstPromptKey ? { firstPromptKey } : {}),
      },
      webrtcConfig: { iceServers },
    },
    reservation,
  };
}

/** Seconds the session lasted, or has lasted so far while active. */
function durationOf(session: SessionRecord, now: number): number {
  if (session.status === "active" && session.startedAt) return Math.max(0, Math.floor((now - session.startedAt.getTime()) / 1000));
  return session.durationSeconds;
}

/**
 * `GET /sessions/:id` 200 body (seed 002 §3.2) plus `sessionType`, `endReason`, `averageRating`
 * and, for a group, its fields (seed 000; `inviteCode` only when `viewerIsParticipant`).
 */
export function sessionDetailsView(session: SessionRecord, now: number, viewerIsParticipant = true) {
  const average = averageRating(session.ratings.map((r) => r.rating));
  return {
    session: {
      id: session.id,
      status: session.status,
      sessionType: session.sessionType,
      ...groupFields(session, viewerIsParticipant),
      targetLanguageCode: session.targetLanguageCode,
      targetLevel: session.targetLevel,
      topicCode: session.topicCode,
      participants: session.participants.map((p) => ({
        ...participantView(p),
        role: p.role,
        spokenSeconds: p.spokenSeconds,
        turnCount: p.turnCount,
      })),
      durationSeconds: durationOf(session, now),
      createdAt: session.createdAt.toISOString(),
      ...(session.startedAt ? { startedAt: session.startedAt.toISOString() } : {}),
      ...(session.endedAt ? { endedAt: session.endedAt.toISOString() } : {}),
      ...(session.endReason ? { endReason: session.endReason } : {}),
      transcriptAvailable: session.transcriptId !== undefined,
      ...(average !== undefined ? { averageRating: average } : {}),
    },
  };
}

/**
 * One entry of `GET /sessions` (public groups, seed 000): what a learner needs to pick a group
 * — never an invite code (public groups have none).
 */
export function groupListItemView(session: SessionRecord, topic: Topic | undefined) {
  return {
    id: session.id,
    status: session.status,
    ...groupFields(session, false),
    targetLanguageCode: session.targetLanguageCode,
    targetLevel: session.targetLevel,
    topic: { code: session.topicCode, nameKey: topic?.nameKey ?? `topics.${session.topicCode}.name`, ...(topic ? { name: topic.name } : {}) },
    participants: seated(session).map(participantView),
    createdAt: session.createdAt.toISOString(),
  };
}

/** One entry of `GET /history` (seed 002 §3.2) as seen by `userId`. */
export function historyItemView(session: SessionRecord, userId: string, topic: Topic | undefined) {
  const partners = session.participants.filter((p) => p.userId !== userId).map((p) => p.displayName);
  const myRating = session.ratings.find((r) => r.userId === userId)?.rating;
  return {
    sessionId: session.id,
    status: session.status,
    sessionType: session.sessionType,
    targetLanguageCode: session.targetLanguageCode,
    topicCode: session.topicCode,
    topicNameKey: topic?.nameKey ?? `topics.${session.topicCode}.name`,
    partnerDisplayName: partners.join(", "),
    durationSeconds: session.durationSeconds,
    completedAt: (session.endedAt ?? session.updatedAt).toISOString(),
    ...(myRating !== undefined ? { myRating } : {}),
    transcriptAvailable: session.transcriptId !== undefined,
  };
}

/** One entry of `GET /api/admin/reports`. */
export function reportView(report: ReportRecord) {
  return {
    id: report.id,
    sessionId: report.sessionId,
    reporterUserId: report.reporterUserId,
    reportedUserId: report.reportedUserId,
    reason: report.reason,
    ...(report.details ? { details: report.details } : {}),
    block: report.block,
    createdAt: report.createdAt.toISOString(),
  };
}

/** One entry of `GET /api/admin/audit`. */
export function auditView(entry: AuditRecord) {
  return {
    id: entry.id,
    actorUserId: entry.actorUserId,
    action: entry.action,
    target: entry.target,
    ...(entry.details ? { details: entry.details } : {}),
    at: entry.at.toISOString(),
  };
}

/** `{ items-key: [...], total, hasMore }` of a paginated list. */
export function page<K extends string, T>(key: K, items: T[], total: number, offset: number): Record<K, T[]> & { total: number; hasMore: boolean } {
  return { [key]: items, total, hasMore: offset + items.length < total } as Record<K, T[]> & { total: number; hasMore: boolean };
}

import type { ChatMessageRecord } from "../chat/chatRecords.js";
import { ParleyError } from "../errors/errorCodes.js";
import type { LanguageSpeakingStats, ParticipantRecord, SessionRecord } from "../store/records.js";
import { talkShares } from "./talkBalance.js";

/**
 * The body of `GET /api/conversations/sessions/:id/summary` (DESIGN §10 "Session summary"): what
 * a learner looks at after a call. Seconds are seconds; `talkShare` is 0–1 over the whole session.
 */
export interface SessionSummary {
  sessionId: string;
  status: SessionRecord["status"];
  sessionType: SessionRecord["sessionType"];
  topicCode: string;
  durationSeconds: number;
  me: { userId: string; spokenSeconds: number; talkShare: number; turnCount: number; byLanguage: Record<string, LanguageSpeakingStats> };
  partners: { userId: string; displayName: string; spokenSeconds: number; talkShare: number }[];
  /** Prompts shown to everyone, in order, with the language each was shown in. */
  prompts: { promptKey: string; category: SessionRecord["prompts"][number]["category"]; languageCode: string }[];
  /** Corrections of my messages, oldest first; `from` = the corrector's userId; `offsetSeconds` since the start. */
  corrections: { original: string; corrected: string; note?: string; offsetSeconds: number; from: string }[];
  ratingGiven?: number;
  ratingsReceived: { rating: number; feedback?: string }[];
  /** Short-lived presigned URL of the recording's manifest, as `GET /sessions/:id` serves it. */
  recordingUrl?: string;
}

/** Rounds a 0–1 share to 3 decimals. */
function roundShare(share: number): number {
  return Math.round(share * 1000) / 1000;
}

/** Stored per-language stats, or (sessions stored before them) the totals in the session's language. */
function byLanguageOf(p: ParticipantRecord, session: SessionRecord): Record<string, LanguageSpeakingStats> {
  if (p.byLanguage) return p.byLanguage;
  return p.spokenSeconds > 0 || p.turnCount > 0 ? { [session.targetLanguageCode]: { spokenSeconds: p.spokenSeconds, turnCount: p.turnCount } } : {};
}

/**
 * Builds the summary of `session` for participant `userId` (DESIGN §10). Pure.
 * - talk shares: as stored at the end, else from the stored spoken seconds;
 * - duration: the stored one once ended; while active, whole seconds since `startedAt` at `now` (epoch ms);
 * - corrections: `chat_correct` messages of the session's chat (`messages`, any order, all of the
 *   channel) that correct a message I sent, deleted ones left out;
 * - ratings: mine as `ratingGiven`, the others' as `ratingsReceived`.
 * @param recordingUrl the presigned URL to show (`recordingAccess`), when there is one
 * @throws ParleyError `NOT_A_PARTICIPANT` when `userId` was never in the session
 */
export function sessionSummaryView(session: SessionRecord, userId: string, messages: readonly ChatMessageRecord[], now: number, recordingUrl?: string): SessionSummary {
  const me = session.participants.find((p) => p.userId === userId);
  if (!me) throw new ParleyError("NOT_A_PARTICIPANT", "you are not a participant of this session");
  const computed = talkShares(Object.fromEntries(session.participants.map((p) => [p.userId, p.spokenSeconds])));
  const shareOf = (p: ParticipantRecord) => roundShare(p.talkShare ?? computed[p.userId] ?? 0);
  const live = session.status === "active" && session.startedAt;
  const durationSeconds = live ? Math.max(0, Math.floor((now - (session.startedAt?.getTime() ?? now)) / 1000)) : session.durationSeconds;

  const byId = new Map(messages.map((m) => [m.id, m]));
  const corrections = [...messages]
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .filter((m) => m.kind === "correction" && !m.isDeleted && m.correction && byId.get(m.correction.messageId)?.sender.userId === userId)
    .map((m) => {
      const c = m.correction as NonNullable<ChatMessageRecord["correction"]>;
      return { original: c.original, corrected: c.corrected, ...(c.note ? { note: c.note } : {}), offsetSeconds: c.offsetSeconds, from: m.sender.userId };
    });

  const given = session.ratings.find((r) => r.userId === userId);
  return {
    sessionId: session.id,
    status: session.status,
    sessionType: session.sessionType,
    topicCode: session.topicCode,
    durationSeconds,
    me: { userId, spokenSeconds: me.spokenSeconds, talkShare: shareOf(me), turnCount: me.turnCount, byLanguage: byLanguageOf(me, session) },
    partners: session.participants.filter((p) => p.userId !== userId).map((p) => ({ userId: p.userId, displayName: p.displayName, spokenSeconds: p.spokenSeconds, talkShare: shareOf(p) })),
    prompts: session.prompts.map((p) => ({ promptKey: p.promptKey, category: p.category, languageCode: p.languageCode ?? session.targetLanguageCode })),
    corrections,
    ...(given ? { ratingGiven: given.rating } : {}),
    ratingsReceived: session.ratings.filter((r) => r.userId !== userId).map((r) => ({ rating: r.rating, ...(r.feedback ? { feedback: r.feedback } : {}) })),
    ...(recordingUrl ? { recordingUrl } : {}),
  };
}

/**
 * Talk-time balance (DESIGN §10 "Talk-time balance"): over a sliding window of the last
 * {@link TALK_BALANCE_WINDOW_SECONDS} with at least {@link TALK_BALANCE_MIN_SPEECH_SECONDS} of
 * speech in it, a participant holding more than the threshold share of the talk time — 70% in a
 * pair, 2/N in a group of N — is dominant; the dominant one is told to invite the others and the
 * quietest to take their turn, at most once per {@link TALK_BALANCE_COOLDOWN_SECONDS} per session.
 * Pure: time comes in as `now`, epoch ms; nothing here sends anything.
 */

/** Length of the sliding window, in seconds. */
export const TALK_BALANCE_WINDOW_SECONDS = 180;
/** Speech the window must hold (all participants together) before any nudge, in seconds. */
export const TALK_BALANCE_MIN_SPEECH_SECONDS = 60;
/** Minimum time between two nudges of one session, in seconds. */
export const TALK_BALANCE_COOLDOWN_SECONDS = 180;
/** Dominance threshold of a pair (share of the window's talk time). */
export const PAIR_DOMINANCE_SHARE = 0.7;

/** One nudge: who gets `talk_balance` with which suggestion, and their own share of the window (0–1). */
export interface TalkBalanceNudge {
  dominant: { userId: string; share: number };
  quiet: { userId: string; share: number };
}

/** Dominance threshold for `participantCount` participants: 70% for a pair, 2/N for a group. */
export function dominanceShare(participantCount: number): number {
  return participantCount <= 2 ? PAIR_DOMINANCE_SHARE : 2 / participantCount;
}

/** A closed or open speaking interval, epoch ms (`end` undefined while speaking). */
interface Interval {
  start: number;
  end?: number;
}

/**
 * Sliding-window talk time per participant and the nudge rule. Feed it the same voice-activity
 * edges as the speaking stats (`edge`), and call {@link TalkBalance.check} on the room's tick.
 */
export class TalkBalance {
  private readonly intervals = new Map<string, Interval[]>();
  private lastNudgeAt = Number.NEGATIVE_INFINITY;

  /** A voice-activity edge of `userId` at `now` (epoch ms); repeated edges are ignored. */
  edge(userId: string, speaking: boolean, now: number): void {
    const list = this.intervals.get(userId) ?? [];
    this.intervals.set(userId, list);
    const open = list[list.length - 1];
    const isOpen = open !== undefined && open.end === undefined;
    if (speaking && !isOpen) list.push({ start: now });
    if (!speaking && isOpen) open.end = Math.max(open.start, now);
  }

  /** Seconds `userId` spoke within the window ending at `now`. */
  spokenInWindow(userId: string, now: number): number {
    const from = now - TALK_BALANCE_WINDOW_SECONDS * 1000;
    let ms = 0;
    for (const interval of this.intervals.get(userId) ?? []) {
      const start = Math.max(interval.start, from);
      const end = Math.min(interval.end ?? now, now);
      if (end > start) ms += end - start;
    }
    return ms / 1000;
  }

  /**
   * The nudge due at `now` for `participantIds` (those present), or null: none when fewer than
   * two participants, less than {@link TALK_BALANCE_MIN_SPEECH_SECONDS} of speech in the window,
   * nobody above {@link dominanceShare}, or a nudge less than the cooldown ago. A returned nudge
   * starts the cooldown. The quiet one is the participant with the smallest share (the earliest
   * listed on ties).
   */
  check(participantIds: readonly string[], now: number): TalkBalanceNudge | null {
    this.prune(now);
    if (participantIds.length < 2) return null;
    if (now - this.lastNudgeAt < TALK_BALANCE_COOLDOWN_SECONDS * 1000) return null;
    const spoken = participantIds.map((userId) => ({ userId, seconds: this.spokenInWindow(userId, now) }));
    const total = spoken.reduce((sum, s) => sum + s.seconds, 0);
    if (total < TALK_BALANCE_MIN_SPEECH_SECONDS) return null;
    const shares = spoken.map((s) => ({ userId: s.userId, share: s.seconds / total }));
    const dominant = shares.reduce((a, b) => (b.share > a.share ? b : a));
    if (!(dominant.share > dominanceShare(participantIds.length))) return null;
    const quiet = shares.reduce((a, b) => (b.share < a.share ? b : a));
    this.lastNudgeAt = now;
    return { dominant, quiet };
  }

  /**
   * The earliest moment (epoch ms, ≥ `now`) at which {@link check} could return a nudge for
   * `participantIds`, assuming no new edge comes (an edge can only move it earlier: ask again
   * after each). Undefined when none can come without new speech: fewer than two participants,
   * or nobody speaking and less than {@link TALK_BALANCE_MIN_SPEECH_SECONDS} in the window (it
   * only shrinks then). While someone speaks and the window holds less than that, the moment
   * it can hold enough; otherwise `now` (shares drift as the window slides: check at the
   * caller's resolution). Never before the cooldown ends. Lets a room sleep while its
   * participants are silent (DESIGN §11).
   */
  nextCheckAt(participantIds: readonly string[], now: number): number | undefined {
    if (participantIds.length < 2) return undefined;
    const total = participantIds.reduce((sum, userId) => sum + this.spokenInWindow(userId, now), 0);
    const speaking = participantIds.some((userId) => {
      const last = this.intervals.get(userId)?.at(-1);
      return last !== undefined && last.end === undefined;
    });
    if (!speaking && total < TALK_BALANCE_MIN_SPEECH_SECONDS) return undefined;
    const enough = total < TALK_BALANCE_MIN_SPEECH_SECONDS ? now + (TALK_BALANCE_MIN_SPEECH_SECONDS - total) * 1000 : now;
    return Math.max(enough, this.lastNudgeAt + TALK_BALANCE_COOLDOWN_SECONDS * 1000);
  }

  /** Drops intervals that ended before the window (memory stays bounded over a long session). */
  private prune(now: number): void {
    const from = now - TALK_BALANCE_WINDOW_SECONDS * 1000;
    for (const [userId, list] of this.intervals) {
      const kept = list.filter((i) => i.end === undefined || i.end > from);
      this.intervals.set(userId, kept);
    }
  }
}

/**
 * Each participant's share (0–1) of the session's talk time so far (`talkShare` of DESIGN §5),
 * from total spoken seconds per user; all zero while nobody has spoken.
 */
export function talkShares(spokenSeconds: Readonly<Record<string, number>>): Record<string, number> {
  const total = Object.values(spokenSeconds).reduce((sum, s) => sum + s, 0);
  return Object.fromEntries(Object.entries(spokenSeconds).map(([userId, s]) => [userId, total > 0 ? s / total : 0]));
}

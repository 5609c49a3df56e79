/**
 * A participant's speaking statistics at one moment (DESIGN §5 participant fields, seed 002 §2.1
 * `spokenSeconds`, `turnCount`).
 */
export interface SpeakingSnapshot {
  /** Seconds spoken, open interval included, rounded to 0.1 s (e.g. `12.3`). */
  spokenSeconds: number;
  /** Number of false→true `speaking` edges. */
  turnCount: number;
  /** Whether an interval is open now. */
  speaking: boolean;
}

interface Track {
  /** First moment seen (epoch ms), the origin of the wall-time cap. */
  origin: number;
  /** Last moment accounted for (epoch ms); later events are clamped to it. */
  last: number;
  spokenMs: number;
  turns: number;
  /** Start of the open speaking interval (epoch ms), if speaking. */
  openSince: number | undefined;
}

/** Options of {@link SpeakingStats}. */
export interface SpeakingStatsOptions {
  /** Session start (epoch ms): edges before it are counted from it. */
  startedAt?: number;
}

/**
 * Speaking time and turns from voice-activity edges (`speaking { speaking }`, DESIGN §5–6).
 * Pure: every call takes `now` (epoch ms).
 *
 * - `spokenSeconds` accrues while speaking; a turn is a false→true edge; a repeated edge with the
 *   same value is ignored.
 * - Time never runs backwards: an event earlier than the participant's last one (or than
 *   `startedAt`) is clamped to it, so no interval is negative, and spoken time can never exceed
 *   the wall time since the participant's first edge.
 * - Internally milliseconds; reported `spokenSeconds` are rounded to 0.1 s.
 */
export class SpeakingStats {
  private readonly tracks = new Map<string, Track>();
  private readonly startedAt: number;

  constructor(options: SpeakingStatsOptions = {}) {
    this.startedAt = options.startedAt ?? -Infinity;
  }

  /**
   * A voice-activity edge from `userId`.
   * @returns the new snapshot, or null when ignored (same value as the current state).
   * @throws RangeError when `now` is not a finite number.
   */
  edge(userId: string, speaking: boolean, now: number): SpeakingSnapshot | null {
    const track = this.track(userId, now);
    const at = this.advance(track, now);
    if (speaking === (track.openSince !== undefined)) return null;
    if (speaking) {
      track.openSince = at;
      track.turns += 1;
    } else {
      this.closeOpen(track, at);
    }
    return this.view(track, at);
  }

  /**
   * Opens a speaking interval of `userId` at `now` without counting a turn: the speaker was
   * already speaking when these stats began to apply (the tandem switch carries an ongoing turn
   * into the new language's stats, DESIGN §10).
   * @returns the new snapshot, or null when already speaking.
   * @throws RangeError when `now` is not a finite number.
   */
  resume(userId: string, now: number): SpeakingSnapshot | null {
    const track = this.track(userId, now);
    const at = this.advance(track, now);
    if (track.openSince !== undefined) return null;
    track.openSince = at;
    return this.view(track, at);
  }

  /**
   * Closes a stale open interval (the participant disconnected or the session ended) without
   * counting a turn.
   * @returns the new snapshot, or null when `userId` was not speaking.
   */
  close(userId: string, now: number): SpeakingSnapshot | null {
    const track = this.tracks.get(userId);
    if (track === undefined || track.openSince === undefined) return null;
    const at = this.advance(track, now);
    this.closeOpen(track, at);
    return this.view(track, at);
  }

  /**
   * {@link close} for every participant.
   * @returns the userIds whose open interval was closed.
   */
  closeAll(now: number): string[] {
    const closed: string[] = [];
    for (const userId of this.tracks.keys()) {
      if (this.close(userId, now) !== null) closed.push(userId);
    }
    return closed;
  }

  /** Statistics of `userId` at `now` (zeros for someone never seen). Changes nothing. */
  snapshot(userId: string, now: number): SpeakingSnapshot {
    const track = this.tracks.get(userId);
    if (track === undefined) return { spokenSeconds: 0, turnCount: 0, speaking: false };
    return this.view(track, Number.isFinite(now) ? Math.max(now, track.last) : track.last);
  }

  /** True while anyone has an open speaking interval. */
  isAnyoneSpeaking(): boolean {
    for (const track of this.tracks.values()) if (track.openSince !== undefined) return true;
    return false;
  }

  /** {@link snapshot} of everyone seen, by userId. */
  snapshotAll(now: number): Record<string, SpeakingSnapshot> {
    const all: Record<string, SpeakingSnapshot> = {};
    for (const userId of this.tracks.keys()) all[userId] = this.snapshot(userId, now);
    return all;
  }

  private track(userId: string, now: number): Track {
    if (!Number.isFinite(now)) throw new RangeError("now must be a finite epoch ms");
    let track = this.tracks.get(userId);
    if (track === undefined) {
      const origin = Math.max(now, this.startedAt);
      track = { origin, last: origin, spokenMs: 0, turns: 0, openSince: undefined };
      this.tracks.set(userId, track);
    }
    return track;
  }

  private advance(track: Track, now: number): number {
    if (!Number.isFinite(now)) throw new RangeError("now must be a finite epoch ms");
    track.last = Math.max(now, track.last);
    return track.last;
  }

  private closeOpen(track: Track, at: number): void {
    if (track.openSince !== undefined) track.spokenMs += at - track.openSince;
    track.openSince = undefined;
  }

  private view(track: Track, at: number): SpeakingSnapshot {
    const open = track.openSince === undefined ? 0 : at - track.openSince;
    const spokenMs = Math.min(track.spokenMs + open, at - track.origin);
    return {
      spokenSeconds: Math.round(spokenMs / 100) / 10,
      turnCount: track.turns,
      speaking: track.openSince !== undefined,
    };
  }
}

import { ParleyError } from "../errors/errorCodes.js";
import type { CefrLevel } from "../topics/cefr.js";

/** Options of a {@link WaitEstimator}. */
export interface WaitEstimatorOptions {
  /**
   * Weight of each new sample in the exponential moving average, in (0, 1]:
   * `average ← average + alpha × (sample − average)`. 0.2 ≈ the last ~10 waits dominate.
   * @default 0.2
   */
  alpha?: number;
  /** Seconds returned when nothing at all has been recorded yet. @default 30 */
  defaultSeconds?: number;
  /**
   * An average whose last sample is older than this (ms) is ignored by `estimate(…, now)`
   * and the next fallback is used. @default 1_800_000 (30 min)
   */
  maxAgeMs?: number;
}

interface Average {
  seconds: number;
  samples: number;
  lastRecordedAt: number;
}

/**
 * Estimated wait of a new match request, from recent **real** waits (DESIGN §4:
 * "`estimatedWaitTimeSeconds` comes from recent real waits of that language and level (moving
 * average), not a constant"; seed 002 §3.2 `estimatedWaitTimeSeconds`).
 *
 * Keeps an exponential moving average (per sample, weight `alpha`) per (targetLanguageCode,
 * level), one per language (all levels) and one overall. `estimate` falls back from the
 * (language, level) average to the language average, then to the overall average, then to
 * `defaultSeconds` (30) — skipping averages older than `maxAgeMs` when `now` is given. A sample
 * recorded into an average that went stale restarts it.
 *
 * What to record is the caller's choice: the room records both tickets' waits at each match
 * (`(matchedAt − createdAt) / 1000`). Waits are in **seconds**; instants in epoch **ms**.
 */
export class WaitEstimator {
  private readonly alpha: number;
  private readonly defaultSeconds: number;
  private readonly maxAgeMs: number;
  private readonly byLevel = new Map<string, Average>();
  private readonly byLanguage = new Map<string, Average>();
  private overall: Average | undefined;

  /** @throws ParleyError `INVALID_REQUEST` for `alpha` outside (0, 1] or a negative default / max age. */
  constructor(options: WaitEstimatorOptions = {}) {
    this.alpha = options.alpha ?? 0.2;
    this.defaultSeconds = options.defaultSeconds ?? 30;
    this.maxAgeMs = options.maxAgeMs ?? 30 * 60 * 1000;
    if (!(this.alpha > 0 && this.alpha <= 1)) {
      throw new ParleyError("INVALID_REQUEST", `alpha must be in (0, 1] (got ${this.alpha})`);
    }
    if (!(this.defaultSeconds >= 0) || !(this.maxAgeMs >= 0)) {
      throw new ParleyError("INVALID_REQUEST", "defaultSeconds and maxAgeMs must be ≥ 0");
    }
  }

  /**
   * Records one real wait.
   * @param targetLanguageCode the ticket's target language, e.g. `"en"`.
   * @param waitedSeconds seconds from request to match (negative or non-finite values are ignored).
   * @param now epoch ms of the match.
   */
  record(targetLanguageCode: string, level: CefrLevel, waitedSeconds: number, now: number): void {
    if (!Number.isFinite(waitedSeconds) || waitedSeconds < 0) return;
    const key = levelKey(targetLanguageCode, level);
    this.byLevel.set(key, this.fold(this.byLevel.get(key), waitedSeconds, now));
    this.byLanguage.set(targetLanguageCode, this.fold(this.byLanguage.get(targetLanguageCode), waitedSeconds, now));
    this.overall = this.fold(this.overall, waitedSeconds, now);
  }

  /**
   * Estimated wait in whole **seconds** (rounded, ≥ 0) for a new request in
   * (`targetLanguageCode`, `level`).
   * @param now epoch ms; when given, averages not updated within `maxAgeMs` are skipped.
   */
  estimate(targetLanguageCode: string, level: CefrLevel, now?: number): number {
    const candidates = [
      this.byLevel.get(levelKey(targetLanguageCode, level)),
      this.byLanguage.get(targetLanguageCode),
      this.overall,
    ];
    for (const average of candidates) {
      if (average === undefined) continue;
      if (now !== undefined && now - average.lastRecordedAt > this.maxAgeMs) continue;
      return Math.max(0, Math.round(average.seconds));
    }
    return this.defaultSeconds;
  }

  /** Number of samples recorded for (`targetLanguageCode`, `level`). */
  sampleCount(targetLanguageCode: string, level: CefrLevel): number {
    return this.byLevel.get(levelKey(targetLanguageCode, level))?.samples ?? 0;
  }

  private fold(previous: Average | undefined, sample: number, now: number): Average {
    // A stale average restarts from the new sample instead of dragging old conditions along.
    if (previous === undefined || now - previous.lastRecordedAt > this.maxAgeMs) {
      return { seconds: sample, samples: (previous?.samples ?? 0) + 1, lastRecordedAt: now };
    }
    return {
      seconds: previous.seconds + this.alpha * (sample - previous.seconds),
      samples: previous.samples + 1,
      lastRecordedAt: Math.max(previous.lastRecordedAt, now),
    };
  }
}

function levelKey(targetLanguageCode: string, level: CefrLevel): string {
  return `${targetLanguageCode}:${level}`;
}

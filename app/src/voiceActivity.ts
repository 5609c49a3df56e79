/**
 * Local voice activity for the `speaking` message (DESIGN §5): a WebAudio `AnalyserNode` level
 * meter on the microphone, and a detector that turns levels into speaking edges with hysteresis
 * (two thresholds and two hold times), so a breath or a pause between words sends nothing.
 */

/** Thresholds (RMS of the signal, 0–1) and hold times (ms) of {@link VoiceActivityDetector}. */
export interface VoiceActivityOptions {
  /** Level above which speech may start. @default 0.03 (about −30 dBFS) */
  onLevel: number;
  /** Level below which speech may stop; below `onLevel`. @default 0.015 */
  offLevel: number;
  /** How long the level must stay above `onLevel` before "speaking". @default 100 ms */
  onHoldMs: number;
  /** How long the level must stay below `offLevel` before "silent". @default 700 ms */
  offHoldMs: number;
}

const DEFAULTS: VoiceActivityOptions = { onLevel: 0.03, offLevel: 0.015, onHoldMs: 100, offHoldMs: 700 };

/** Turns a stream of levels into speaking edges. Pure: time is passed in. */
export class VoiceActivityDetector {
  private readonly options: VoiceActivityOptions;
  private speakingNow = false;
  /** Since when the level has been on the other side of the threshold, or undefined. */
  private crossingSince: number | undefined;

  constructor(options: Partial<VoiceActivityOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Whether the last edge was "speaking". */
  get speaking(): boolean {
    return this.speakingNow;
  }

  /**
   * Feeds one level measured at `now` (ms).
   * @returns the new state when it changed (an edge), else `undefined`.
   */
  feed(level: number, now: number): boolean | undefined {
    const { onLevel, offLevel, onHoldMs, offHoldMs } = this.options;
    const crossing = this.speakingNow ? level < offLevel : level > onLevel;
    if (!crossing) {
      this.crossingSince = undefined;
      return undefined;
    }
    this.crossingSince ??= now;
    if (now - this.crossingSince < (this.speakingNow ? offHoldMs : onHoldMs)) return undefined;
    this.speakingNow = !this.speakingNow;
    this.crossingSince = undefined;
    return this.speakingNow;
  }

  /** Forces "silent" (end of a session); returns true when that is an edge. */
  reset(): boolean {
    const was = this.speakingNow;
    this.speakingNow = false;
    this.crossingSince = undefined;
    return was;
  }
}

/**
 * Measures the RMS level of a microphone stream every `intervalMs` with an `AnalyserNode` and
 * hands it to `onLevel(level 0–1, now ms)`. A timer, not `requestAnimationFrame`, so it keeps
 * running (throttled) in a background tab.
 */
export class MicLevelMeter {
  private readonly context: AudioContext;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly analyser: AnalyserNode;
  private readonly samples: Float32Array<ArrayBuffer>;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(stream: MediaStream, onLevel: (level: number, now: number) => void, intervalMs = 50) {
    this.context = new AudioContext();
    this.source = this.context.createMediaStreamSource(stream);
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.samples = new Float32Array(this.analyser.fftSize);
    this.source.connect(this.analyser);
    // Created from a click, but resume() anyway: some browsers start contexts suspended.
    this.context.resume().catch(() => undefined);
    this.timer = setInterval(() => onLevel(this.level(), performance.now()), intervalMs);
  }

  /** The current RMS level, 0–1. */
  level(): number {
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const s of this.samples) sum += s * s;
    return Math.sqrt(sum / this.samples.length);
  }

  /** Stops measuring and closes the audio context. */
  stop(): void {
    clearInterval(this.timer);
    this.source.disconnect();
    this.context.close().catch(() => undefined);
  }
}

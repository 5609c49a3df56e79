/**
 * Tandem half-time switch (DESIGN §10 "Tandem half-time switch"): a tandem session runs half its
 * time limit in each participant's target language, the initiator's first. At half time — or
 * earlier, once every participant sent `request_language_switch` — the active language flips
 * once. Pure: time is `now`, epoch ms.
 */

/** What {@link LanguageSwitch} needs. */
export interface LanguageSwitchOptions {
  /** The initiator's target language (active first), then the partner's. */
  languages: readonly [string, string];
  /** Participants whose requests count toward an early switch. */
  participantIds: readonly string[];
  /** When the session became active, epoch ms. */
  startedAt: number;
  /** The session's time limit, in seconds (the switch comes at half of it). */
  limitSeconds: number;
}

/** The switch, once it happened: the new language and when, epoch ms. */
export interface LanguageSwitchEvent {
  activeLanguageCode: string;
  at: number;
  /** `half_time` at the scheduled instant, `requested` when everyone asked first. */
  cause: "half_time" | "requested";
}

/** The active language of one tandem session, and its single switch. */
export class LanguageSwitch {
  /** Scheduled switch instant, epoch ms. */
  readonly switchAt: number;
  private readonly languages: readonly [string, string];
  private readonly participants: ReadonlySet<string>;
  private readonly requests = new Set<string>();
  private switched?: LanguageSwitchEvent;

  /** @throws RangeError when the two languages are equal or `limitSeconds` is not positive */
  constructor(options: LanguageSwitchOptions) {
    if (options.languages[0] === options.languages[1]) throw new RangeError("a tandem switch needs two different languages");
    if (!(options.limitSeconds > 0)) throw new RangeError("limitSeconds must be positive");
    this.languages = options.languages;
    this.participants = new Set(options.participantIds);
    this.switchAt = options.startedAt + (options.limitSeconds * 1000) / 2;
  }

  /** The language in use at the time of the last call (the initiator's target until the switch). */
  get activeLanguageCode(): string {
    return this.switched ? this.switched.activeLanguageCode : this.languages[0];
  }

  /** True once the switch happened. */
  get hasSwitched(): boolean {
    return this.switched !== undefined;
  }

  /** The switch due at `now` (at or after {@link switchAt}), once; null otherwise. */
  due(now: number): LanguageSwitchEvent | null {
    if (this.switched || now < this.switchAt) return null;
    return this.flip(now, "half_time");
  }

  /**
   * `request_language_switch` from `userId` at `now`: the switch happens at once when every
   * participant has asked; null otherwise (also after the switch, and for a non-participant).
   */
  request(userId: string, now: number): LanguageSwitchEvent | null {
    if (this.switched || !this.participants.has(userId)) return null;
    this.requests.add(userId);
    if (this.requests.size < this.participants.size) return null;
    return this.flip(now, "requested");
  }

  private flip(at: number, cause: LanguageSwitchEvent["cause"]): LanguageSwitchEvent {
    this.switched = { activeLanguageCode: this.languages[1], at, cause };
    return this.switched;
  }
}

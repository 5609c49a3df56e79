import type { Topic, TopicPrompt } from "../topics/topic.js";
import { promptCategory, selectNextPrompt, type PromptCategory } from "./promptSelection.js";

/** A prompt as displayed in a session (seed 002 §2.1 `prompts[]`, DESIGN §5 `currentPrompt`). */
export interface ShownPrompt {
  /** The topic prompt (its `text` is what `new_prompt` carries). */
  prompt: TopicPrompt;
  /** Same as `prompt.promptKey`, so a list of these feeds {@link selectNextPrompt} directly. */
  promptKey: string;
  /** `icebreaker` | `main_topic` | `follow_up`. */
  category: PromptCategory;
  /** When it was displayed (epoch ms). */
  displayedAt: number;
  /** The language of the topic it came from (`topic.targetLanguageCode`). */
  languageCode: string;
}

/** Options of {@link PromptScheduler}; intervals in **seconds** (DESIGN §6, seed 002 §6.3). */
export interface PromptSchedulerOptions {
  topic: Topic;
  /** `PROMPT_INTERVAL_MIN` (seconds). @default 180 */
  intervalMinSeconds?: number;
  /** `PROMPT_INTERVAL_MAX` (seconds). @default 300 */
  intervalMaxSeconds?: number;
  /** Most prompts per session, icebreaker included. @default 5 */
  maxPrompts?: number;
  /** Uniform random number in [0, 1) — inject a seeded one in tests. */
  random: () => number;
}

/**
 * Timing of a session's prompts (DESIGN §6, seed 002 §6.3): the icebreaker at start, then one
 * every uniformly random `intervalMinSeconds`–`intervalMaxSeconds`, at most `maxPrompts` in all
 * (requested ones included). Pure: the room calls {@link due} from its clock at {@link nextAt}.
 * Each displayed prompt reschedules the next from the moment it was displayed.
 */
export class PromptScheduler {
  private topic: Topic;
  private readonly minMs: number;
  private readonly maxMs: number;
  /** Most prompts per session. */
  readonly maxPrompts: number;
  private readonly random: () => number;
  private readonly history: ShownPrompt[] = [];
  private next: number | undefined;
  private stopped = false;

  /** @throws RangeError when the interval bounds or `maxPrompts` are inconsistent. */
  constructor(options: PromptSchedulerOptions) {
    const min = options.intervalMinSeconds ?? 180;
    const max = options.intervalMaxSeconds ?? 300;
    if (!(min >= 0 && max >= min)) throw new RangeError("prompt intervals need 0 <= min <= max");
    this.maxPrompts = options.maxPrompts ?? 5;
    if (!Number.isInteger(this.maxPrompts) || this.maxPrompts < 1) throw new RangeError("maxPrompts must be >= 1");
    this.topic = options.topic;
    this.minMs = min * 1000;
    this.maxMs = max * 1000;
    this.random = options.random;
  }

  /** Prompts displayed so far, oldest first. */
  get shown(): readonly ShownPrompt[] {
    return this.history;
  }

  /** How many prompts were displayed. */
  get count(): number {
    return this.history.length;
  }

  /** The last displayed prompt (the room's `currentPrompt`), or undefined. */
  get current(): ShownPrompt | undefined {
    return this.history[this.history.length - 1];
  }

  /**
   * When the next automatic prompt is due (epoch ms); undefined before {@link start}, after
   * {@link stop}, once `maxPrompts` were shown, or when the topic has nothing left to show.
   */
  get nextAt(): number | undefined {
    return this.next;
  }

  /**
   * Displays the first prompt (the icebreaker) at `now` and schedules the next.
   * @returns the prompt, or undefined when the topic has no prompt.
   * @throws Error when called twice (a programming error).
   */
  start(now: number): ShownPrompt | undefined {
    if (this.history.length > 0) throw new Error("PromptScheduler.start called twice");
    return this.show(now);
  }

  /**
   * The next prompt when its time has come (`now >= nextAt`), displayed at `now`; the following
   * one is then scheduled. Only one prompt per call, however late.
   * @returns the prompt, or undefined when nothing is due.
   */
  due(now: number): ShownPrompt | undefined {
    if (this.next === undefined || now < this.next) return undefined;
    return this.show(now);
  }

  /**
   * `request_next_prompt`: the next prompt now, and a fresh interval for the one after.
   * @returns the prompt, or **undefined** (nothing thrown) when `maxPrompts` were already shown,
   *   the scheduler is stopped, or the topic has nothing to show — the room decides what to tell.
   */
  requestNext(now: number): ShownPrompt | undefined {
    return this.show(now);
  }

  /**
   * Tandem half-time switch (DESIGN §10): later prompts come from `topic` — the same topic code
   * in the other language, whose prompt keys are the same, so the session goes on with the next
   * unused prompt — and one is displayed at once, even when `maxPrompts` were already shown (the
   * new half opens with a prompt; automatic ones stay within the maximum).
   * @returns the prompt, or undefined when stopped or the topic has nothing to show.
   */
  switchTopic(topic: Topic, now: number): ShownPrompt | undefined {
    this.topic = topic;
    return this.show(now, true);
  }

  /** Stops automatic prompts (session ended): `nextAt` becomes undefined, nothing more is shown. */
  stop(): void {
    this.stopped = true;
    this.next = undefined;
  }

  private show(now: number, pastMax = false): ShownPrompt | undefined {
    if (this.stopped || (!pastMax && this.history.length >= this.maxPrompts)) return undefined;
    const prompt = selectNextPrompt(this.topic, this.history);
    if (prompt === undefined) {
      this.next = undefined;
      return undefined;
    }
    const shown: ShownPrompt = {
      prompt,
      promptKey: prompt.promptKey,
      category: promptCategory(prompt.type),
      displayedAt: now,
      languageCode: this.topic.targetLanguageCode,
    };
    this.history.push(shown);
    this.next = this.history.length < this.maxPrompts ? now + this.interval() : undefined;
    return shown;
  }

  /** A random interval in [min, max] ms, rounded to the ms; out-of-range randoms are clamped. */
  private interval(): number {
    const r = this.random();
    const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
    return Math.round(this.minMs + unit * (this.maxMs - this.minMs));
  }
}

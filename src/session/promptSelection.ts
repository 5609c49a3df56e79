import type { PromptType, Topic, TopicPrompt } from "../topics/topic.js";

/** Prompt category as sent in `new_prompt` and stored in a session (seed 002 §2.1, DESIGN §5). */
export type PromptCategory = "icebreaker" | "main_topic" | "follow_up";

/** Maps a topic's prompt `type` to the wire/stored category: `main` → `main_topic`. */
export function promptCategory(type: PromptType): PromptCategory {
  return type === "main" ? "main_topic" : type;
}

/** Priority after the first prompt (seed 002 §6.3): lower goes first. */
const PRIORITY: Readonly<Record<PromptType, number>> = { follow_up: 1, main: 2, icebreaker: 3 };
/** Preference for the very first prompt: the icebreaker, else a main prompt, else a follow-up. */
const FIRST_PRIORITY: Readonly<Record<PromptType, number>> = { icebreaker: 1, main: 2, follow_up: 3 };

function best(prompts: readonly TopicPrompt[], priority: Readonly<Record<PromptType, number>>): TopicPrompt | undefined {
  let chosen: TopicPrompt | undefined;
  for (const p of prompts) {
    if (
      chosen === undefined ||
      priority[p.type] < priority[chosen.type] ||
      (priority[p.type] === priority[chosen.type] && p.order < chosen.order)
    ) {
      chosen = p;
    }
  }
  return chosen;
}

/**
 * Chooses the next prompt of a session (seed 002 §6.3 as amended by DESIGN §6).
 *
 * - Nothing shown yet: the icebreaker with the lowest `order` (a topic without an icebreaker
 *   starts with its lowest-order main prompt, then follow-up).
 * - Then, among prompts not shown yet: `follow_up` > `main` > `icebreaker`, ties by `order`
 *   (then by position in `topic.prompts`).
 * - When every prompt has been shown: the main prompts are recycled round-robin — the main prompt
 *   whose last showing is the oldest (ties by `order`).
 *
 * @param shown prompts already displayed in this session, oldest first (keys not in the topic
 *   are ignored).
 * @returns the prompt, or undefined when the topic has no prompt, or everything was shown and it
 *   has no main prompt to recycle.
 */
export function selectNextPrompt(topic: Topic, shown: readonly { promptKey: string }[]): TopicPrompt | undefined {
  if (shown.length === 0) return best(topic.prompts, FIRST_PRIORITY);
  const lastShown = new Map<string, number>();
  shown.forEach((s, index) => lastShown.set(s.promptKey, index));
  const unused = topic.prompts.filter((p) => !lastShown.has(p.promptKey));
  if (unused.length > 0) return best(unused, PRIORITY);

  let chosen: TopicPrompt | undefined;
  let chosenAt = Infinity;
  for (const p of topic.prompts) {
    if (p.type !== "main") continue;
    const at = lastShown.get(p.promptKey) ?? -1;
    if (chosen === undefined || at < chosenAt || (at === chosenAt && p.order < chosen.order)) {
      chosen = p;
      chosenAt = at;
    }
  }
  return chosen;
}

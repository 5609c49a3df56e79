/**
 * The demo client's view of DESIGN §10 in a pair conversation: the active language and the tandem
 * half-time switch (with a "switch now" request), the talk-time balance nudge, and the session
 * summary shown after the call. Reads elements of `index.html` by id; the room and REST calls
 * come from `main.ts`.
 */
import type { Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import type { LanguageSwitchMessage, TalkBalanceMessage } from "../../src/protocol/index.js";
import type { SessionSummary } from "../../src/session/sessionSummary.js";
import { sessionSummary } from "./api.js";

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} missing from index.html`);
  return found as T;
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
const minutes = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;

/** Live language and balance indicators of one conversation room; `dispose` before the next. */
export class TalkInsights {
  private nudgeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly room: Room<unknown, ConversationState>,
    private readonly userId: string,
    private readonly languageName: (code: string) => string,
  ) {
    el("talk-nudge").hidden = true;
    el("session-summary").hidden = true;
    el<HTMLButtonElement>("switch-language").disabled = false;
    room.onMessage("language_switch", (msg: LanguageSwitchMessage) => {
      el("talk-language-note").textContent = `Switched: now speak ${this.languageName(msg.activeLanguageCode)}.`;
      el<HTMLButtonElement>("switch-language").hidden = true;
    });
    room.onMessage("talk_balance", (msg: TalkBalanceMessage) => this.nudge(msg));
  }

  /** Renders the active language, the switch time and my share of the talk time from the synced state. */
  render(state: ConversationState): void {
    const tandem = state.sessionType === "tandem";
    el("talk-language").textContent = state.activeLanguageCode ? this.languageName(state.activeLanguageCode) : "";
    const pending = tandem && state.switchAt > 0 && state.activeLanguageCode === state.targetLanguageCode && state.status === "active";
    el("talk-switch-at").textContent = pending ? `· switches in ${minutes(Math.max(0, (state.switchAt - Date.now()) / 1000))}` : "";
    el<HTMLButtonElement>("switch-language").hidden = !pending;
    const me = state.participants?.get(this.userId);
    el("talk-share").textContent = me ? `you ${percent(me.talkShare)} of the talk time` : "";
  }

  private nudge(msg: TalkBalanceMessage): void {
    const box = el("talk-nudge");
    box.textContent =
      msg.suggestion === "invite_partner"
        ? `You did ${percent(msg.share)} of the talking lately: ask your partner a question.`
        : `Your turn! You spoke ${percent(msg.share)} of the last minutes: try the follow-up prompt.`;
    box.dataset.suggestion = msg.suggestion;
    box.hidden = false;
    clearTimeout(this.nudgeTimer);
    this.nudgeTimer = setTimeout(() => (box.hidden = true), 20_000);
  }

  /** Asks for the switch now; it happens when the partner asks too. */
  requestSwitch(): void {
    this.room.send("request_language_switch", {});
    el<HTMLButtonElement>("switch-language").disabled = true;
    el("talk-language-note").textContent = "Switch requested: it happens when your partner asks too.";
  }

  /** Stops the nudge timer and clears the notes (the conversation is over or replaced). */
  dispose(): void {
    clearTimeout(this.nudgeTimer);
    el("talk-nudge").hidden = true;
    el("talk-language-note").textContent = "";
  }
}

/** Fetches the summary of `sessionId` and shows it in `#session-summary`; says so when it cannot. */
export async function showSessionSummary(token: string, sessionId: string, languageName: (code: string) => string): Promise<SessionSummary | undefined> {
  const box = el("session-summary");
  box.hidden = false;
  box.textContent = "Loading your summary…";
  try {
    const summary = await sessionSummary(token, sessionId);
    renderSummary(box, summary, languageName);
    return summary;
  } catch (err) {
    box.textContent = `No summary: ${err instanceof Error ? err.message : String(err)}`;
    return undefined;
  }
}

function renderSummary(box: HTMLElement, s: SessionSummary, languageName: (code: string) => string): void {
  box.replaceChildren();
  const add = (tag: string, text: string, parent: HTMLElement = box) => {
    const node = document.createElement(tag);
    node.textContent = text;
    parent.append(node);
    return node;
  };
  add("h3", "Your summary");
  add("p", `${minutes(s.durationSeconds)} · you spoke ${minutes(s.me.spokenSeconds)} (${percent(s.me.talkShare)}) in ${s.me.turnCount} turn(s)`);
  const languages = Object.entries(s.me.byLanguage);
  if (languages.length > 1) {
    const list = add("ul", "");
    for (const [code, stats] of languages) add("li", `${languageName(code)}: ${minutes(stats.spokenSeconds)}, ${stats.turnCount} turn(s)`, list);
  }
  for (const partner of s.partners) add("p", `${partner.displayName}: ${minutes(partner.spokenSeconds)} (${percent(partner.talkShare)})`);
  if (s.prompts.length > 0) add("p", `Prompts covered: ${s.prompts.length} (${[...new Set(s.prompts.map((p) => p.languageCode))].map(languageName).join(", ")})`);
  add("h4", s.corrections.length > 0 ? "Corrections you received" : "No corrections this time");
  const corrections = add("ul", "");
  corrections.id = "summary-corrections";
  for (const c of s.corrections) add("li", `${minutes(c.offsetSeconds)} — “${c.original}” → “${c.corrected}”${c.note ? ` (${c.note})` : ""}`, corrections);
  if (s.ratingsReceived.length > 0) add("p", `Your partner rated it ${s.ratingsReceived.map((r) => `${r.rating}/5${r.feedback ? ` “${r.feedback}”` : ""}`).join(", ")}`);
  if (s.recordingUrl) {
    const link = add("a", "Recording (link valid 15 minutes)") as HTMLAnchorElement;
    link.href = s.recordingUrl;
    link.rel = "noopener";
    link.target = "_blank";
  }
}

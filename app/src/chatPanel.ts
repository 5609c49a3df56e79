/**
 * The chat panel of the demo client (DESIGN §5 "Chat payloads"), for a `conversation` room and
 * for a `lounge` room alike: the message list (replies, reactions from the fixed set, read marks,
 * edit and delete of one's own messages, corrections shown as "original → corrected"), a
 * typing line and a composer. DOM built with `textContent` only (no HTML from messages).
 */
import type { Room } from "@colyseus/sdk";
import type { ChatMessageView, ChatServerMessages } from "../../src/chat/chatMessages.js";
import { REACTION_EMOJIS } from "../../src/chat/chatRecords.js";
import type { NotificationView } from "../../src/notifications/notificationRecords.js";

/** Who uses the panel; moderators may delete others' messages (lounges). */
export interface ChatPanelOptions {
  userId: string;
  moderator: boolean;
  /** A `notification` pushed through this room (for the bell). */
  onNotification?: (notification: NotificationView) => void;
}

/** How long the author may edit, in ms (the server enforces it: 15 minutes). */
const EDIT_WINDOW_MS = 15 * 60 * 1000;
/** How long a "… is typing" line stays without a new `typing`, in ms. */
const TYPING_SHOWN_MS = 3000;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, onClick: () => void, title?: string): HTMLButtonElement {
  const b = el("button", "link", label);
  b.type = "button";
  if (title) b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

/** A chat panel bound to one room until {@link dispose}. */
export class ChatPanel {
  private readonly messages = new Map<string, ChatMessageView>();
  private readonly order: string[] = [];
  private readonly readCursors = new Map<string, string>();
  private readonly typing = new Map<string, number>();
  private readonly list = el("ol", "chat-list");
  private readonly typingLine = el("p", "hint chat-typing");
  private readonly replyLine = el("p", "hint chat-reply");
  private readonly input = el("textarea", "chat-input");
  private readonly unsubscribe: (() => void)[] = [];
  private replyTo: string | null = null;
  private lastTypingSent = 0;
  private typingTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly container: HTMLElement,
    private readonly room: Room,
    private readonly options: ChatPanelOptions,
  ) {
    container.replaceChildren();
    container.hidden = false;
    const form = el("form", "chat-composer");
    this.input.rows = 2;
    this.input.maxLength = 2000;
    this.input.placeholder = "Write a message… (@name mentions)";
    this.input.setAttribute("aria-label", "Message");
    this.input.addEventListener("input", () => this.sendTyping());
    this.input.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    const send = el("button", "", "Send");
    send.type = "submit";
    form.append(this.replyLine, this.input, send);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.replyLine.hidden = true;
    this.list.setAttribute("aria-live", "polite");
    container.append(this.list, this.typingLine, form);
    const on = <K extends keyof ChatServerMessages>(type: K, handler: (payload: ChatServerMessages[K]) => void) => this.unsubscribe.push(room.onMessage(type, handler));
    on("chat_history", (h) => {
      for (const m of h.messages) this.upsert(m);
      for (const [userId, id] of Object.entries(h.readCursors)) this.readCursors.set(userId, id);
      this.render();
      this.markRead();
    });
    on("chat_message", (m) => {
      this.typing.delete(m.sender.userId);
      this.upsert(m);
      this.render();
      this.markRead();
    });
    on("chat_updated", (m) => {
      this.upsert(m);
      this.render();
    });
    on("chat_read", (r) => {
      this.readCursors.set(r.userId, r.upToMessageId);
      this.render();
    });
    on("typing", (t) => {
      this.typing.set(t.userId, Date.now());
      this.renderTyping();
    });
    this.unsubscribe.push(room.onMessage("notification", (n: { notification: NotificationView }) => options.onNotification?.(n.notification)));
    this.typingTimer = setInterval(() => this.renderTyping(), 1000);
  }

  /** Stops listening and empties the container. */
  dispose(): void {
    for (const off of this.unsubscribe) off();
    clearInterval(this.typingTimer);
    this.container.replaceChildren();
    this.container.hidden = true;
  }

  private upsert(m: ChatMessageView): void {
    if (!this.messages.has(m.id)) this.order.push(m.id);
    this.messages.set(m.id, m);
    this.order.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private nameOf(userId: string): string {
    for (const m of this.messages.values()) if (m.sender.userId === userId) return m.sender.displayName;
    return userId;
  }

  private send(): void {
    const text = this.input.value.trim();
    if (!text) return;
    this.room.send("chat_send", { text, clientMessageId: crypto.randomUUID(), ...(this.replyTo ? { replyTo: this.replyTo } : {}) });
    this.input.value = "";
    this.setReply(null);
  }

  private sendTyping(): void {
    const now = Date.now();
    if (now - this.lastTypingSent < 2000) return;
    this.lastTypingSent = now;
    this.room.send("typing", {});
  }

  /** Moves my read cursor to the newest message someone else wrote. */
  private markRead(): void {
    const newest = [...this.order].reverse().map((id) => this.messages.get(id)).find((m) => m && m.sender.userId !== this.options.userId);
    if (newest && this.readCursors.get(this.options.userId) !== newest.id) this.room.send("chat_read", { upToMessageId: newest.id });
  }

  private setReply(id: string | null): void {
    this.replyTo = id;
    const target = id ? this.messages.get(id) : undefined;
    this.replyLine.hidden = !target;
    this.replyLine.replaceChildren();
    if (target) this.replyLine.append(`Replying to ${target.sender.displayName}: “${target.text.slice(0, 60)}” `, button("cancel", () => this.setReply(null)));
  }

  private renderTyping(): void {
    const now = Date.now();
    const names = [...this.typing].filter(([userId, at]) => userId !== this.options.userId && now - at < TYPING_SHOWN_MS).map(([userId]) => this.nameOf(userId));
    this.typingLine.textContent = names.length ? `${names.join(", ")} ${names.length === 1 ? "is" : "are"} typing…` : "";
  }

  private render(): void {
    const readers = new Map<string, string[]>();
    for (const [userId, id] of this.readCursors) if (userId !== this.options.userId) readers.set(id, [...(readers.get(id) ?? []), this.nameOf(userId)]);
    this.list.replaceChildren(...this.order.map((id) => this.renderMessage(this.messages.get(id) as ChatMessageView, readers.get(id) ?? [])));
    this.list.lastElementChild?.scrollIntoView({ block: "nearest" });
  }

  private renderMessage(m: ChatMessageView, readBy: string[]): HTMLLIElement {
    const mine = m.sender.userId === this.options.userId;
    const li = el("li", `chat-message${mine ? " mine" : ""}${m.kind === "correction" ? " correction" : ""}`);
    li.dataset.messageId = m.id;
    const head = el("p", "chat-head");
    head.append(el("strong", "", m.sender.displayName), el("span", "hint", ` ${new Date(m.createdAt).toLocaleTimeString()}${m.isEdited ? " · edited" : ""}`));
    li.append(head);
    const parent = m.replyTo ? this.messages.get(m.replyTo) : undefined;
    if (parent && m.kind !== "correction") li.append(el("p", "hint chat-quote", `↪ ${parent.sender.displayName}: ${parent.isDeleted ? "(deleted)" : parent.text.slice(0, 80)}`));
    if (m.isDeleted) li.append(el("p", "hint", "Message deleted"));
    else if (m.correction) {
      const fix = el("p", "chat-text");
      fix.append(el("del", "", m.correction.original), " → ", el("ins", "", m.correction.corrected));
      li.append(fix);
      if (m.correction.note) li.append(el("p", "hint", m.correction.note));
    } else li.append(el("p", "chat-text", m.text));
    if (!m.isDeleted) {
      const reactions = el("p", "chat-reactions");
      for (const emoji of REACTION_EMOJIS) {
        const users = m.reactions[emoji] ?? [];
        const on = users.includes(this.options.userId);
        const b = button(users.length ? `${emoji} ${users.length}` : emoji, () => this.room.send("chat_react", { messageId: m.id, emoji, on: !on }), on ? "Take back" : "React");
        b.setAttribute("aria-pressed", String(on));
        if (!users.length) b.classList.add("chat-reaction-empty");
        reactions.append(b);
      }
      li.append(reactions);
      const actions = el("p", "chat-actions");
      actions.append(button("Reply", () => this.setReply(m.id)));
      if (mine && m.kind === "text" && Date.now() - Date.parse(m.createdAt) < EDIT_WINDOW_MS) {
        actions.append(
          button("Edit", () => {
            const text = window.prompt("Edit your message", m.text);
            if (text !== null && text.trim()) this.room.send("chat_edit", { messageId: m.id, text });
          }),
        );
      }
      if (mine || this.options.moderator) actions.append(button("Delete", () => window.confirm("Delete this message?") && this.room.send("chat_delete", { messageId: m.id })));
      if (!mine && m.kind === "text") {
        actions.append(
          button("Correct", () => {
            const original = window.prompt("Which words to correct? (copy them from the message)", m.text);
            if (!original) return;
            const corrected = window.prompt(`Correct “${original}” to:`, original);
            if (!corrected) return;
            const note = window.prompt("A note? (optional)") ?? "";
            this.room.send("chat_correct", { messageId: m.id, original, corrected, ...(note.trim() ? { note } : {}) });
          }),
        );
      }
      li.append(actions);
    }
    if (readBy.length) li.append(el("p", "hint chat-read", `✓ Seen by ${readBy.join(", ")}`));
    return li;
  }
}

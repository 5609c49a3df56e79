/**
 * The chat home of the demo client (issue 9): the notification bell (in the header), a lounge
 * per language the learner speaks or studies, and the DM list with unread counts. Opening a
 * lounge or a DM joins the `lounge` room (`joinOrCreate("lounge", { channelId })`) and shows a
 * {@link ChatPanel}. REST: `GET /api/notifications`, `POST /api/notifications/:id/read`,
 * `POST /api/notifications/read-all`, `GET /api/dms`.
 */
import type { Client, Room } from "@colyseus/sdk";
import type { NotificationView } from "../../src/notifications/notificationRecords.js";
import { ROOM_NAMES } from "../../src/protocol/roomNames.js";
import { call, type TokenClaims } from "./api.js";
import { ChatPanel } from "./chatPanel.js";

/** One row of `GET /api/dms`. */
interface DmView {
  channelId: string;
  partner: { userId: string; displayName: string };
  lastMessage?: { text: string; sender: { displayName: string } };
  unreadCount: number;
}

/** Readable texts of the notification i18n keys the server uses. */
const NOTIFICATION_TEXTS: Record<string, (p: Record<string, string | number>) => string> = {
  "notification.mention.body": (p) => `${p.from ?? "Someone"} mentioned you`,
  "notification.dm_message.body": (p) => `${p.from ?? "Someone"} sent you a message`,
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The bell, the lounges, the DMs and the open channel, until {@link dispose}. */
export class ChatHome {
  private readonly bell = el("button", "secondary bell");
  private readonly bellList = el("ul", "card bell-list");
  private readonly dmList = el("ul", "history");
  private readonly channel = el("div", "card chat");
  private notifications: NotificationView[] = [];
  private room: Room | null = null;
  private panel: ChatPanel | null = null;
  private readonly poll: ReturnType<typeof setInterval>;

  constructor(
    private readonly root: HTMLElement,
    private readonly bellSlot: HTMLElement,
    private readonly sdk: Client,
    private readonly token: string,
    private readonly claims: TokenClaims,
  ) {
    this.bell.type = "button";
    this.bell.setAttribute("aria-haspopup", "true");
    this.bellList.hidden = true;
    this.bell.addEventListener("click", () => {
      this.bellList.hidden = !this.bellList.hidden;
      if (!this.bellList.hidden) void this.refreshNotifications();
    });
    bellSlot.replaceChildren(this.bell, this.bellList);
    const languages = [...new Set([claims.nativeLanguageCode ?? "", ...Object.keys(claims.levels ?? {})].filter(Boolean))];
    const lounges = el("p", "chat-lounges");
    lounges.append("Lounges: ");
    for (const lang of languages) {
      const b = el("button", "secondary", `${lang} lounge`);
      b.type = "button";
      b.addEventListener("click", () => void this.open(`lounge:${lang}`, `${lang} lounge`));
      lounges.append(b, " ");
    }
    this.channel.hidden = true;
    root.replaceChildren(el("h3", "", "Chat"), lounges, el("h4", "", "Direct messages"), this.dmList, this.channel);
    root.hidden = false;
    void this.refresh();
    this.poll = setInterval(() => void this.refresh(), 30_000);
  }

  /** A notification pushed through a room (conversation or lounge). */
  notified(notification: NotificationView): void {
    this.notifications = [notification, ...this.notifications.filter((n) => n.id !== notification.id)];
    this.renderBell();
    void this.refreshDms();
  }

  /** Leaves the open channel and stops polling. */
  dispose(): void {
    clearInterval(this.poll);
    this.closeChannel();
    this.root.replaceChildren();
    this.bellSlot.replaceChildren();
  }

  private async refresh(): Promise<void> {
    await Promise.all([this.refreshNotifications(), this.refreshDms()]).catch(() => undefined);
  }

  private async refreshNotifications(): Promise<void> {
    const res = await call<{ notifications: NotificationView[] }>("GET", "/api/notifications?limit=20", this.token);
    this.notifications = res.notifications;
    this.renderBell();
  }

  private async refreshDms(): Promise<void> {
    const res = await call<{ dms: DmView[] }>("GET", "/api/dms", this.token);
    this.dmList.replaceChildren(
      ...res.dms.map((dm) => {
        const li = el("li");
        const b = el("button", "link", `${dm.partner.displayName}${dm.unreadCount ? ` (${dm.unreadCount} unread)` : ""}`);
        b.type = "button";
        b.addEventListener("click", () => void this.open(dm.channelId, dm.partner.displayName));
        li.append(b, el("span", "hint", dm.lastMessage ? ` — ${dm.lastMessage.sender.displayName}: ${dm.lastMessage.text.slice(0, 60)}` : ""));
        return li;
      }),
    );
    if (res.dms.length === 0) this.dmList.append(el("li", "hint", "Partners of completed conversations can message you here."));
  }

  private renderBell(): void {
    const unread = this.notifications.filter((n) => n.status !== "read").length;
    this.bell.textContent = `🔔 Notifications${unread ? ` (${unread})` : ""}`;
    this.bell.setAttribute("aria-label", `${unread} unread notifications`);
    const all = el("button", "link", "Mark all read");
    all.type = "button";
    all.addEventListener("click", () => void call("POST", "/api/notifications/read-all", this.token, {}).then(() => this.refreshNotifications()));
    this.bellList.replaceChildren(
      el("li", "", ""),
      ...this.notifications.map((n) => {
        const li = el("li", n.status === "read" ? "hint" : "");
        const describe = NOTIFICATION_TEXTS[n.bodyKey];
        const b = el("button", "link", describe ? describe(n.params) : n.bodyKey);
        b.type = "button";
        b.addEventListener("click", () => {
          void call("POST", `/api/notifications/${encodeURIComponent(n.id)}/read`, this.token, {}).then(() => this.refreshNotifications());
          const channelId = n.data.channelId;
          if (typeof channelId === "string" && !/^[0-9a-f-]{36}$/.test(channelId)) void this.open(channelId, channelId);
        });
        li.append(b);
        return li;
      }),
    );
    (this.bellList.firstElementChild as HTMLElement).append(all);
  }

  private closeChannel(): void {
    this.panel?.dispose();
    this.panel = null;
    this.room?.leave().catch(() => undefined);
    this.room = null;
  }

  private async open(channelId: string, title: string): Promise<void> {
    this.closeChannel();
    try {
      this.room = await this.sdk.joinOrCreate(ROOM_NAMES.lounge, { channelId });
    } catch (err) {
      this.channel.hidden = false;
      this.channel.replaceChildren(el("p", "alert", `Cannot open ${title}: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    this.channel.hidden = false;
    const heading = el("h4", "", title);
    const body = el("div");
    const close = el("button", "link", "Close");
    close.type = "button";
    close.addEventListener("click", () => {
      this.closeChannel();
      this.channel.hidden = true;
      void this.refreshDms();
    });
    this.channel.replaceChildren(heading, close, body);
    const moderator = (this.claims.roles ?? []).some((r) => r === "moderator" || r === "admin");
    this.panel = new ChatPanel(body, this.room, { userId: this.claims.sub, moderator, onNotification: (n) => this.notified(n) });
    this.room.onMessage("error", (msg: { code: string; message: string }) => body.prepend(el("p", "alert", `${msg.code}: ${msg.message}`)));
  }
}

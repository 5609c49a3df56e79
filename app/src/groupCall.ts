/**
 * Group conversations in the demo client (seed 000, DESIGN §5–§7): create a public or private
 * group, share its invite code, join by code or from the list of public groups, and talk in a
 * mesh — one `PeerLink` per other participant. By convention the participant who joined later
 * offers to each earlier one: the room's `participants` are in seat (join) order, so each page
 * offers to every connected participant listed before it and answers the offers of those after
 * it — both sides of a pair agree on who offers, whatever the timing of their state patches. Every participant's audio, speaking
 * badge and talk time come from the room's synced state.
 *
 * For the end-to-end test, `window.parley.group` exposes the group, its phase and one entry per
 * peer (connection state and audio counters).
 */
import type { Client, Room } from "@colyseus/sdk";
import type { ConversationState } from "../../rooms/conversationState.js";
import { createGroup, joinGroup, joinGroupByCode, listPublicGroups, type GroupJoin, type GroupView } from "./api.js";
import { PeerLink, type AudioStats } from "./peerLink.js";

/** What the page lends the group module. */
export interface GroupPage {
  sdk: Client;
  token(): string | null;
  userId(): string | null;
  /** The language and topic chosen in the setup form (topic may be empty: the server picks). */
  choice(): { targetLanguageCode: string; topicCode: string };
  startMicrophone(): Promise<MediaStream>;
  stopMicrophone(): void;
  /** Shows the group view (`true`) or returns to the setup view (`false`). */
  showGroupView(shown: boolean): void;
  status(message: string): void;
  showError(message: string): void;
  describe(err: unknown): string;
}

/** One peer of `window.parley.group.peers`. */
export interface GroupPeerDebug {
  state: RTCPeerConnectionState;
  offered: boolean;
  stats: AudioStats | null;
}

/** `window.parley.group`: the group being talked in, for tests and debugging. */
export interface GroupDebug {
  sessionId: string;
  /** True once the page is in the group's room (its seat reservation consumed). */
  joined: boolean;
  /** True once `session_ended` arrived (links closed; nothing is signaled any more). */
  ended: boolean;
  inviteCode: string | null;
  status: string;
  peers: Record<string, GroupPeerDebug>;
}

/** What main.ts calls on the group module. */
export interface GroupCall {
  /** A local voice-activity edge: sent to the group room while one is active. @returns true when sent */
  speaking(speaking: boolean): boolean;
  /** Leaves the group room, if any, and closes every peer connection. */
  leave(): void;
}

function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`missing #${id}`);
  return found as T;
}

function seconds(total: number): string {
  const s = Math.max(0, Math.floor(total));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Wires the group cards of the setup view and the group view. */
export function initGroupCall(page: GroupPage, publish: (debug: GroupDebug | null) => void): GroupCall {
  let room: Room<unknown, ConversationState> | null = null;
  let group: GroupJoin["session"] | null = null;
  let debug: GroupDebug | null = null;
  const links = new Map<string, PeerLink>();
  let statsTimer: ReturnType<typeof setInterval> | undefined;
  /** The microphone of the current group. */
  let stream: MediaStream | null = null;

  function linkTo(peerId: string, stream: MediaStream, iceServers: RTCIceServer[]): PeerLink {
    const existing = links.get(peerId);
    if (existing) return existing;
    const peer: GroupPeerDebug = { state: "new", offered: false, stats: null };
    if (debug) debug.peers[peerId] = peer;
    const link = new PeerLink(
      iceServers,
      stream,
      {
        offer: (sdp) => room?.send("offer", { sdp, targetUserId: peerId }),
        answer: (sdp) => room?.send("answer", { sdp, targetUserId: peerId }),
        candidate: (candidate) => room?.send("ice_candidate", { candidate, targetUserId: peerId }),
      },
      {
        remoteStream: (remote) => {
          const audio = audioOf(peerId);
          audio.srcObject = remote;
          audio.play().catch((err: unknown) => console.info("[parley] group audio autoplay:", page.describe(err)));
        },
        stateChange: (state) => {
          peer.state = state;
          render();
        },
        error: (err) => page.showError(`Audio connection error: ${page.describe(err)}`),
      },
    );
    links.set(peerId, link);
    return link;
  }

  function dropLink(peerId: string): void {
    links.get(peerId)?.close();
    links.delete(peerId);
    document.getElementById(`group-audio-${peerId}`)?.remove();
    if (debug) delete debug.peers[peerId];
  }

  function audioOf(peerId: string): HTMLAudioElement {
    const id = `group-audio-${peerId}`;
    const found = document.getElementById(id) as HTMLAudioElement | null;
    if (found) return found;
    const audio = Object.assign(document.createElement("audio"), { id, autoplay: true });
    el("group-audio").append(audio);
    return audio;
  }

  /** One row per participant: name, role, connection, speaking badge, talk time. */
  function render(): void {
    const state = room?.state;
    const list = el("group-participants");
    if (!state || !group) return;
    el("group-status").textContent = state.status;
    if (debug) debug.status = state.status;
    const rows: HTMLLIElement[] = [];
    for (const [userId, p] of state.participants) {
      const li = document.createElement("li");
      li.dataset.userId = userId;
      const me = userId === page.userId();
      const name = Object.assign(document.createElement("span"), { className: "name", textContent: `${p.displayName}${me ? " (you)" : ""}${userId === state.hostUserId ? " · host" : ""}` });
      const badge = Object.assign(document.createElement("span"), { className: `badge${p.speaking ? " on" : ""}`, textContent: p.speaking ? "speaking" : "silent" });
      const time = Object.assign(document.createElement("span"), { className: "hint", textContent: `talked ${seconds(p.spokenSeconds)}` });
      const link = me ? "" : (debug?.peers[userId]?.state ?? (p.connected ? "waiting for audio" : "not connected"));
      const conn = Object.assign(document.createElement("span"), { className: "hint", textContent: me ? "" : `· ${link}` });
      li.append(name, " ", badge, " ", time, " ", conn);
      rows.push(li);
    }
    list.replaceChildren(...rows);
    const isHost = state.hostUserId === page.userId();
    el<HTMLButtonElement>("group-end").hidden = !isHost;
  }

  async function refreshStats(): Promise<void> {
    for (const [peerId, link] of links) {
      const peer = debug?.peers[peerId];
      if (!peer || link.pc.connectionState === "closed") continue;
      try {
        peer.stats = await link.audioStats();
      } catch {
        // A closing connection: nothing to count.
      }
    }
  }

  async function enter(join: GroupJoin, what: string): Promise<void> {
    group = join.session;
    debug = { sessionId: join.session.id, joined: false, ended: false, inviteCode: join.session.inviteCode ?? null, status: join.session.status, peers: {} };
    publish(debug);
    el("group-title-topic").textContent = join.session.topic.name ?? join.session.topic.code;
    el("group-code-row").hidden = !join.session.inviteCode;
    el("group-code").textContent = join.session.inviteCode ?? "";
    el("group-size").textContent = `${join.session.minParticipants}–${join.session.maxParticipants} participants, ${join.session.type}`;
    page.showGroupView(true);
    page.status(`${what}. Connecting…`);
    const mic = await page.startMicrophone();
    stream = mic;
    const iceServers = join.session.webrtcConfig.iceServers as RTCIceServer[];
    const joined = await page.sdk.consumeSeatReservation<ConversationState>(join.reservation);
    room = joined;
    if (debug) debug.joined = true;
    let ended = false;
    joined.onStateChange((state) => {
      if (ended) return render();
      // Seat order (the order of `participants`) is join order: I offer to every connected
      // participant seated before me, once; those seated after me offer to me.
      const me = page.userId();
      const order = [...state.participants.keys()];
      const mine = order.indexOf(me ?? "");
      for (const [index, userId] of order.entries()) {
        const p = state.participants.get(userId);
        if (index >= mine || !p?.connected || links.has(userId)) continue;
        linkTo(userId, mic, iceServers).offer();
        const peer = debug?.peers[userId];
        if (peer) peer.offered = true;
      }
      render();
    });
    joined.onMessage("partner_joined", (msg: { partnerId: string; partnerName: string }) => page.status(`${msg.partnerName} is here.`));
    joined.onMessage("offer", (msg: { from: string; sdp: string }) => {
      if (!ended) linkTo(msg.from, mic, iceServers).acceptOffer(msg.sdp);
    });
    joined.onMessage("answer", (msg: { from: string; sdp: string }) => links.get(msg.from)?.acceptAnswer(msg.sdp));
    joined.onMessage("ice_candidate", (msg: { from: string; candidate: RTCIceCandidateInit }) => {
      if (!ended) linkTo(msg.from, mic, iceServers).addCandidate(msg.candidate);
    });
    joined.onMessage("partner_left", (msg: { partnerId: string; reason: string }) => {
      dropLink(msg.partnerId);
      page.status(msg.reason === "disconnect" ? "Someone lost their connection." : "Someone left the group.");
      render();
    });
    joined.onMessage("new_prompt", (msg: { text: string }) => {
      el("group-prompt").textContent = msg.text;
    });
    joined.onMessage("session_ended", (msg: { reason: string; durationSeconds: number }) => {
      page.status(`The group conversation is over (${msg.reason.replace(/_/g, " ")}, ${seconds(msg.durationSeconds)}).`);
      ended = true;
      if (debug) debug.ended = true;
      closeLinks();
    });
    joined.onMessage("error", (msg: { code: string; message: string }) => page.showError(`${msg.code}: ${msg.message}`));
    joined.onLeave(() => {
      if (room !== joined) return;
      room = null;
      closeLinks();
    });
    clearInterval(statsTimer);
    statsTimer = setInterval(() => void refreshStats().then(render), 1000);
  }

  function closeLinks(): void {
    clearInterval(statsTimer);
    for (const peerId of [...links.keys()]) dropLink(peerId);
  }

  function leave(): void {
    const current = room;
    room = null;
    stream = null;
    el("group-mute").setAttribute("aria-pressed", "false");
    el("group-mute").textContent = "Mute";
    closeLinks();
    current?.leave().catch(() => undefined);
    group = null;
    debug = null;
    publish(null);
  }

  /** Runs a join flow with its button disabled; errors go to the page. */
  async function attempt(button: HTMLButtonElement, run: (token: string) => Promise<void>): Promise<void> {
    const token = page.token();
    if (!token) return;
    button.disabled = true;
    try {
      await run(token);
    } catch (err) {
      page.showError(`Could not join the group: ${page.describe(err)}`);
      leave();
      page.showGroupView(false);
    } finally {
      button.disabled = false;
    }
  }

  async function refreshList(): Promise<void> {
    const token = page.token();
    const list = el("group-list");
    if (!token) return;
    try {
      const { sessions } = await listPublicGroups(token, page.choice().targetLanguageCode);
      if (sessions.length === 0) {
        list.replaceChildren(Object.assign(document.createElement("li"), { textContent: "No public group is waiting in this language. Create one!" }));
        return;
      }
      list.replaceChildren(...sessions.map((g) => groupItem(g)));
    } catch (err) {
      list.replaceChildren(Object.assign(document.createElement("li"), { textContent: `Groups unavailable (${page.describe(err)}).` }));
    }
  }

  function groupItem(g: GroupView): HTMLLIElement {
    const li = document.createElement("li");
    const names = g.participants.map((p) => p.displayName).join(", ");
    li.append(`${g.topic.name ?? g.topic.code} · ${names} · ${g.seatsLeft} seat(s) left `);
    const button = Object.assign(document.createElement("button"), { type: "button", textContent: "Join", className: "secondary" });
    button.setAttribute("aria-label", `Join the group of ${names} about ${g.topic.name ?? g.topic.code}`);
    button.disabled = g.seatsLeft === 0;
    button.addEventListener("click", () => void attempt(button, async (token) => enter(await joinGroup(token, g.id), "Joined the group")));
    li.append(button);
    return li;
  }

  el<HTMLFormElement>("group-create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const { targetLanguageCode, topicCode } = page.choice();
    const type = (document.querySelector<HTMLInputElement>('input[name="groupType"]:checked')?.value ?? "public") as "public" | "private";
    const maxParticipants = Number(el<HTMLSelectElement>("gc-max").value);
    void attempt(el<HTMLButtonElement>("gc-submit"), async (token) => {
      const created = await createGroup(token, { type, targetLanguageCode, ...(topicCode ? { topicCode } : {}), maxParticipants });
      await enter(created, type === "private" ? `Group created: share the code ${created.session.inviteCode ?? ""}` : "Public group created");
    });
  });

  el<HTMLFormElement>("group-code-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const code = el<HTMLInputElement>("gj-code").value;
    if (!code.trim()) {
      page.showError("Please type the invite code you were given.");
      el("gj-code").focus();
      return;
    }
    void attempt(el<HTMLButtonElement>("gj-submit"), async (token) => enter(await joinGroupByCode(token, code), "Joined the group"));
  });

  el("group-refresh").addEventListener("click", () => void refreshList());
  el("group-copy").addEventListener("click", () => {
    const code = group?.inviteCode;
    if (!code) return;
    navigator.clipboard?.writeText(code).then(() => page.status("Invite code copied.")).catch(() => page.status(`Invite code: ${code}`));
  });
  el("group-end").addEventListener("click", () => room?.send("end_session", {}));
  el("group-mute").addEventListener("click", () => {
    const button = el("group-mute");
    const muted = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-pressed", String(muted));
    button.textContent = muted ? "Unmute" : "Mute";
    for (const track of stream?.getAudioTracks() ?? []) track.enabled = !muted;
    page.status(muted ? "Microphone muted." : "Microphone on.");
  });
  el("group-leave").addEventListener("click", () => {
    room?.send("leave_session", {});
    leave();
    page.stopMicrophone();
    page.showGroupView(false);
    page.status("You left the group.");
    void refreshList();
  });

  return {
    speaking(speaking) {
      if (!room || room.state?.status !== "active") return false;
      room.send("speaking", { speaking });
      return true;
    },
    leave,
  };
}

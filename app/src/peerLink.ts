/**
 * One audio peer connection to the partner, signaled through the `conversation` room
 * (DESIGN §5: `offer`/`answer`/`ice_candidate` with `targetUserId`). The initiator offers; the
 * other side answers. Signaling steps run one at a time, and remote ICE candidates that arrive
 * before the remote description wait for it.
 */

/** How the link sends its signaling (to the partner, through the room). */
export interface SignalingOut {
  offer(sdp: string): void;
  answer(sdp: string): void;
  candidate(candidate: RTCIceCandidateInit): void;
}

/** What the link reports to the page. */
export interface PeerLinkEvents {
  remoteStream(stream: MediaStream): void;
  stateChange(state: RTCPeerConnectionState): void;
  error(err: unknown): void;
}

/** Counters of {@link PeerLink.audioStats}; bytes since the connection began. */
export interface AudioStats {
  bytesReceived: number;
  bytesSent: number;
  packetsReceived: number;
  /** `address:port → address:port` of the selected candidate pair, when there is one. */
  selectedPair?: string;
}

export class PeerLink {
  readonly pc: RTCPeerConnection;
  private steps: Promise<unknown> = Promise.resolve();
  private readonly pendingCandidates: RTCIceCandidateInit[] = [];
  private offered = false;

  constructor(
    iceServers: RTCIceServer[],
    localStream: MediaStream,
    private readonly out: SignalingOut,
    private readonly events: PeerLinkEvents,
  ) {
    this.pc = new RTCPeerConnection({ iceServers });
    for (const track of localStream.getAudioTracks()) this.pc.addTrack(track, localStream);
    this.pc.addEventListener("icecandidate", (e) => {
      // null = end of candidates; the partner needs nothing for it.
      if (e.candidate && e.candidate.candidate) this.out.candidate(e.candidate.toJSON());
    });
    this.pc.addEventListener("track", (e) => {
      this.events.remoteStream(e.streams[0] ?? new MediaStream([e.track]));
    });
    this.pc.addEventListener("connectionstatechange", () => this.events.stateChange(this.pc.connectionState));
  }

  /** Initiator: sends an offer (again with an ICE restart when the partner came back). */
  offer(): void {
    const restart = this.offered;
    this.offered = true;
    this.step(async () => {
      const offer = await this.pc.createOffer(restart ? { iceRestart: true } : {});
      await this.pc.setLocalDescription(offer);
      this.out.offer(offer.sdp ?? "");
    });
  }

  /** Answerer: applies the partner's offer and answers it. */
  acceptOffer(sdp: string): void {
    this.step(async () => {
      await this.pc.setRemoteDescription({ type: "offer", sdp });
      await this.flushCandidates();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.out.answer(answer.sdp ?? "");
    });
  }

  /** Initiator: applies the partner's answer. */
  acceptAnswer(sdp: string): void {
    this.step(async () => {
      if (this.pc.signalingState !== "have-local-offer") return;
      await this.pc.setRemoteDescription({ type: "answer", sdp });
      await this.flushCandidates();
    });
  }

  /** Adds a candidate of the partner (kept until the remote description is set). */
  addCandidate(candidate: RTCIceCandidateInit): void {
    this.step(async () => {
      if (!this.pc.remoteDescription) this.pendingCandidates.push(candidate);
      else await this.pc.addIceCandidate(candidate);
    });
  }

  /** Inbound/outbound audio byte counters and the selected candidate pair, from `getStats()`. */
  async audioStats(): Promise<AudioStats> {
    const byId = new Map<string, RTCStats & Record<string, unknown>>();
    (await this.pc.getStats()).forEach((s: RTCStats & Record<string, unknown>) => byId.set(s.id, s));
    const stats: AudioStats = { bytesReceived: 0, bytesSent: 0, packetsReceived: 0 };
    for (const s of byId.values()) {
      if (s.type === "inbound-rtp" && s.kind === "audio") {
        stats.bytesReceived += Number(s.bytesReceived ?? 0);
        stats.packetsReceived += Number(s.packetsReceived ?? 0);
      } else if (s.type === "outbound-rtp" && s.kind === "audio") {
        stats.bytesSent += Number(s.bytesSent ?? 0);
      } else if (s.type === "transport" && typeof s.selectedCandidatePairId === "string") {
        const pair = byId.get(s.selectedCandidatePairId);
        const local = byId.get(String(pair?.localCandidateId));
        const remote = byId.get(String(pair?.remoteCandidateId));
        if (local && remote) stats.selectedPair = `${String(local.address)}:${String(local.port)} → ${String(remote.address)}:${String(remote.port)}`;
      }
    }
    return stats;
  }

  /** Closes the connection (idempotent). */
  close(): void {
    this.pc.close();
  }

  private async flushCandidates(): Promise<void> {
    for (const candidate of this.pendingCandidates.splice(0)) await this.pc.addIceCandidate(candidate);
  }

  private step(task: () => Promise<void>): void {
    this.steps = this.steps.then(task).catch((err: unknown) => this.events.error(err));
  }
}

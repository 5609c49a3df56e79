/**
 * One load generator of `bench:relay` (loadtest/relayBench.ts), run as a child process with an
 * IPC channel. It connects `--pairs` pair sessions to one relay (`--target`), tells the parent
 * `ready`, and on `load` makes every session send one message per second for `seconds` seconds:
 * the two participants take turns, each alternating an ICE candidate and a `speaking` edge
 * (so per participant 0.25 ICE candidates/s and 0.25 edges/s). Both participants of a session
 * live in this process, so sender and receiver share one clock (`performance.now()`).
 *
 * - `parley`: learners (premium, B1, `--lang`, one topic) get their sessions over REST
 *   (`POST /match-request`, `GET /match-request/status`, `POST /sessions/:id/join`) and join the
 *   `conversation` room with the SDK. ICE latency: send → partner's `ice_candidate`; speaking
 *   latency: send → the partner's synced state shows the edge.
 * - `bare`: SDK clients in a plain Colyseus relay room per pair; `raw`: plain `ws` sockets. Both
 *   forward every message; latency: send → the partner's copy.
 */
import { Client, type Room } from "@colyseus/sdk";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";
import { mintDevToken } from "../src/auth/devTokens.js";
import { loadConfig } from "../src/config/config.js";
import { INTEGRATION_JWT_SECRET } from "../test/integration/support/parleyCluster.js";

/** What the parent sends. */
export type LoadCommand = { type: "load"; seconds: number } | { type: "close" };
/** What the generator answers. */
export type LoadReport =
  | { type: "ready"; sessions: number; setupSeconds: number; failures: string[] }
  | { type: "done"; iceMs: number[]; speakingMs: number[]; sent: number; received: number; errors: Record<string, number> };

/** The topic every parley session of the bench is about (A1, no skills required). */
const TOPIC = "daily_life.introductions";
/** A host candidate as browsers send it; `usernameFragment` carries the message's sequence number. */
const CANDIDATE = "candidate:842163049 1 udp 1677729535 192.0.2.10 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-cost 999";
/** Pairs being set up at once. */
const SETUP_CONCURRENCY = 25;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** One side of a session: sends a message, and reports what it receives through the callbacks. */
interface Endpoint {
  id: string;
  send(kind: "ice" | "speaking", seq: number, speaking: boolean): void;
  close(): Promise<void>;
}

/** Receive callbacks shared by every endpoint. */
interface Sink {
  ice(seq: number): void;
  speaking(seq: number): void;
  error(code: string): void;
}

async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i).then(
          (value) => ({ status: "fulfilled", value }) as const,
          (reason: unknown) => ({ status: "rejected", reason }) as const,
        );
      }
    }),
  );
  return results;
}

async function rawPair(url: string, pair: number, sink: Sink): Promise<[Endpoint, Endpoint]> {
  const open = (side: number) =>
    new Promise<Endpoint>((resolve, reject) => {
      const socket = new WebSocket(`${url.replace(/^http/, "ws")}/?pair=${pair}`);
      socket.on("message", (data) => {
        const m = JSON.parse(String(data)) as { type: string; seq: number };
        if (m.type === "speaking") sink.speaking(m.seq);
        else sink.ice(m.seq);
      });
      socket.once("error", reject);
      socket.once("open", () =>
        resolve({
          id: String(side),
          send: (kind, seq, speaking) => socket.send(JSON.stringify(kind === "ice" ? { type: "ice_candidate", seq, candidate: { candidate: CANDIDATE, sdpMid: "0", sdpMLineIndex: 0 } } : { type: "speaking", seq, speaking })),
          close: async () => socket.close(),
        }),
      );
    });
  const a = await open(0);
  return [a, await open(1)];
}

function sdkEndpoint(id: string, room: Room, send: Endpoint["send"]): Endpoint {
  return { id, send, close: () => Promise.race([room.leave().then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 1000))]) };
}

async function barePair(url: string, pair: number, sink: Sink): Promise<[Endpoint, Endpoint]> {
  const join = async (side: number) => {
    const room = await new Client(url).joinOrCreate("bare", { pair });
    room.onMessage("*", (type, message: { seq: number }) => (type === "speaking" ? sink.speaking(message.seq) : sink.ice(message.seq)));
    return sdkEndpoint(String(side), room, (kind, seq, speaking) => (kind === "ice" ? room.send("ice_candidate", { seq, candidate: { candidate: CANDIDATE, sdpMid: "0", sdpMLineIndex: 0 } }) : room.send("speaking", { seq, speaking })));
  };
  const a = await join(0);
  return [a, await join(1)];
}

/** A parley learner: token, REST helper. */
interface Learner {
  userId: string;
  token: string;
}

async function rest<T>(url: string, learner: Learner, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}/api/conversations${path}`, {
    method,
    headers: { authorization: `Bearer ${learner.token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** The session a learner's match request ended in (polls the status until matched). */
async function matchedSession(url: string, learner: Learner): Promise<string> {
  const until = Date.now() + 60_000;
  for (;;) {
    const { matchRequest } = await rest<{ matchRequest: { status: string; sessionId?: string } }>(url, learner, "GET", "/match-request/status");
    if (matchRequest.sessionId) return matchRequest.sessionId;
    if (matchRequest.status !== "pending" || Date.now() > until) throw new Error(`match request ${matchRequest.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The parley sessions: every learner's state listener and the pending speaking edges it measures. */
async function parleyPairs(url: string, pairs: number, lang: string, sink: Sink, pendingEdges: Map<string, { seq: number; speaking: boolean }>): Promise<[Endpoint, Endpoint][]> {
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: INTEGRATION_JWT_SECRET });
  const learners = Array.from({ length: pairs * 2 }, (_, i): Learner => {
    const userId = `relay-${lang}-${process.pid}-${i}`;
    return { userId, token: mintDevToken(config, { sub: userId, name: `L${i}`, nativeLanguageCode: "it", levels: { [lang]: "B1" }, tier: "premium" }) };
  });
  // Two requests of a pair one after the other: the second is matched on arrival.
  await runPool(pairs, SETUP_CONCURRENCY, async (k) => {
    for (const learner of [learners[2 * k], learners[2 * k + 1]] as Learner[]) await rest(url, learner, "POST", "/match-request", { targetLanguageCode: lang, topicCode: TOPIC });
  });
  const sessions = new Map<string, Learner[]>();
  const matched = await runPool(learners.length, SETUP_CONCURRENCY * 2, (i) => matchedSession(url, learners[i] as Learner));
  matched.forEach((r, i) => {
    if (r.status !== "fulfilled") throw r.reason;
    sessions.set(r.value, [...(sessions.get(r.value) ?? []), learners[i] as Learner]);
  });
  const sessionList = [...sessions.entries()].filter(([, members]) => members.length === 2);
  const joined = await runPool(sessionList.length, SETUP_CONCURRENCY, async (k) => {
    const [sessionId, members] = sessionList[k] as [string, Learner[]];
    const ends = await Promise.all(
      members.map(async (learner) => {
        const partner = members.find((m) => m !== learner) as Learner;
        const { reservation } = await rest<{ reservation: Parameters<Client["consumeSeatReservation"]>[0] }>(url, learner, "POST", `/sessions/${sessionId}/join`, {});
        const sdk = new Client(url);
        sdk.auth.token = learner.token;
        const room = await sdk.consumeSeatReservation(reservation);
        room.reconnection.enabled = false;
        room.onMessage("ice_candidate", (m: { candidate: { usernameFragment?: string } }) => sink.ice(Number(m.candidate.usernameFragment)));
        room.onMessage("error", (m: { code: string }) => sink.error(m.code));
        for (const type of ["new_prompt", "partner_joined", "partner_left", "session_ended", "talk_balance", "chat_history", "language_switch"]) room.onMessage(type, () => undefined);
        room.onMessage("*", () => undefined);
        // The partner's `speaking` as this learner's synced state shows it.
        let seen = false;
        room.onStateChange((state) => {
          const speaking = (state as { participants: Map<string, { speaking: boolean }> }).participants.get(partner.userId)?.speaking ?? false;
          if (speaking === seen) return;
          seen = speaking;
          const pending = pendingEdges.get(partner.userId);
          if (pending && pending.speaking === speaking) {
            pendingEdges.delete(partner.userId);
            sink.speaking(pending.seq);
          }
        });
        return {
          room,
          endpoint: sdkEndpoint(learner.userId, room, (kind, seq, speaking) => {
            if (kind === "ice") room.send("ice_candidate", { targetUserId: partner.userId, candidate: { candidate: CANDIDATE, sdpMid: "0", sdpMLineIndex: 0, usernameFragment: String(seq) } });
            else {
              pendingEdges.set(learner.userId, { seq, speaking });
              room.send("speaking", { speaking });
            }
          }),
        };
      }),
    );
    // Active once both are in (the icebreaker prompt is in the state).
    const until = Date.now() + 30_000;
    while (ends.some((e) => (e.room.state as { status?: string }).status !== "active")) {
      if (Date.now() > until) throw new Error(`session ${sessionId} not active`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return ends.map((e) => e.endpoint) as [Endpoint, Endpoint];
  });
  const failures = joined.filter((r) => r.status === "rejected");
  if (failures.length > 0) console.error(`${failures.length} parley sessions failed to start: ${String((failures[0] as PromiseRejectedResult).reason)}`);
  return joined.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
}

async function main(): Promise<void> {
  const target = arg("target", "raw");
  const url = arg("url", "http://127.0.0.1:2641");
  const pairs = Number(arg("pairs", "100"));
  const lang = arg("lang", "en");
  const offset = Number(arg("offset", "0"));
  const sentAt = new Map<number, number>();
  const iceMs: number[] = [];
  const speakingMs: number[] = [];
  const errors: Record<string, number> = {};
  let received = 0;
  const measure = (into: number[]) => (seq: number) => {
    const at = sentAt.get(seq);
    if (at === undefined) return;
    sentAt.delete(seq);
    received++;
    into.push(performance.now() - at);
  };
  const sink: Sink = { ice: measure(iceMs), speaking: measure(speakingMs), error: (code) => (errors[code] = (errors[code] ?? 0) + 1) };
  const started = performance.now();
  let sessions: [Endpoint, Endpoint][];
  const setupFailures: string[] = [];
  if (target === "parley") sessions = await parleyPairs(url, pairs, lang, sink, new Map());
  else {
    const made = await runPool(pairs, SETUP_CONCURRENCY, (k) => (target === "bare" ? barePair(url, offset + k, sink) : rawPair(url, offset + k, sink)));
    for (const r of made) if (r.status === "rejected") setupFailures.push(String(r.reason));
    sessions = made.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  }
  process.send?.({ type: "ready", sessions: sessions.length, setupSeconds: (performance.now() - started) / 1000, failures: setupFailures.slice(0, 3) } satisfies LoadReport);

  let seq = 0;
  let sent = 0;
  process.on("message", (command: LoadCommand) => {
    if (command.type === "close") {
      void Promise.all(sessions.flat().map((e) => e.close())).finally(() => process.exit(0));
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    const speakingOf = new Map<string, boolean>();
    sessions.forEach((pair, s) => {
      let turn = 0;
      const step = () => {
        const sender = pair[turn % 2] as Endpoint;
        const kind = Math.floor(turn / 2) % 2 === 0 ? "ice" : "speaking";
        turn++;
        seq++;
        sentAt.set(seq, performance.now());
        sent++;
        const speaking = !(speakingOf.get(`${s}:${sender.id}`) ?? false);
        if (kind === "speaking") speakingOf.set(`${s}:${sender.id}`, speaking);
        sender.send(kind, seq, speaking);
      };
      // Sessions start spread over the first second, then each sends once a second.
      timers.push(setTimeout(() => timers.push(setInterval(step, 1000)), (s * 1000) / sessions.length));
    });
    setTimeout(() => {
      for (const t of timers) clearInterval(t);
      // In-flight messages get two more seconds.
      setTimeout(() => process.send?.({ type: "done", iceMs, speakingMs, sent, received, errors } satisfies LoadReport), 2000);
    }, command.seconds * 1000);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

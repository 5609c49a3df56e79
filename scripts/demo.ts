/**
 * The main job end to end against a running parley (or one it starts): two learners in a
 * tandem queue are matched, connect to their conversation room, exchange offer/answer/ICE,
 * get the icebreaker, speak, end the session, rate it and read it back from GET /history.
 * Prints each step; exits non-zero at the first step that fails.
 *
 *   npm run demo                       # uses http://127.0.0.1:3003, starts parley there if needed
 *   PARLEY_URL=http://127.0.0.1:3003 npm run demo
 */
import { Client, type Room } from "@colyseus/sdk";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mintDevToken } from "../src/auth/devTokens.js";
import { Inbox } from "../src/client/roomInbox.js";
import { loadConfig } from "../src/config/config.js";
import { ROOM_NAMES, type MatchFoundMessage } from "../src/protocol/index.js";
import { REALISTIC_AUDIO_ANSWER, REALISTIC_AUDIO_OFFER } from "../test/unit/session/fixtures/sdp.js";

const baseUrl = process.env.PARLEY_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3003}`;
const started = Date.now();
let step = 0;

function say(message: string): void {
  step += 1;
  console.log(`[${((Date.now() - started) / 1000).toFixed(2).padStart(6)} s] ${String(step).padStart(2)}. ${message}`);
}

async function healthy(): Promise<boolean> {
  try {
    return (await fetch(`${baseUrl}/healthz`)).ok;
  } catch {
    return false;
  }
}

/** Starts parley on the demo port when nothing answers there. */
async function ensureServer(): Promise<ChildProcess | undefined> {
  if (await healthy()) {
    say(`parley is running at ${baseUrl}`);
    return undefined;
  }
  const port = new URL(baseUrl).port || "3003";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: { ...process.env, PORT: port, HOST: "127.0.0.1", DATA_DIR: mkdtempSync(join(tmpdir(), "parley-demo-")), LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 100 && !(await healthy()); i++) await new Promise((r) => setTimeout(r, 100));
  if (!(await healthy())) throw new Error(`parley did not start at ${baseUrl}`);
  say(`started parley at ${baseUrl} (pid ${child.pid})`);
  return child;
}

interface Learner {
  name: string;
  userId: string;
  token: string;
  sdk: Client;
}

function learner(name: string, native: string, target: string): Learner {
  const userId = `${name.toLowerCase()}-${Math.random().toString(36).slice(2, 8)}`;
  const token = mintDevToken(loadConfig(), { sub: userId, name, nativeLanguageCode: native, levels: { [target]: "B1" } });
  const sdk = new Client(baseUrl);
  sdk.auth.token = token;
  return { name, userId, token, sdk };
}

async function main(): Promise<void> {
  const server = await ensureServer();
  const rooms: Room[] = [];
  try {
    const marie = learner("Marie", "fr", "en");
    const jean = learner("Jean", "en", "fr");
    say(`minted tokens: ${marie.name} (${marie.userId}, fr → en B1) and ${jean.name} (${jean.userId}, en → fr B1)`);

    const common = { queue: "en+fr", sessionType: "tandem" as const, topicCode: "daily_life.introductions" };
    const mmMarie = await marie.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { ...common, targetLanguageCode: "en" });
    const inMarie = new Inbox(mmMarie);
    const request = await inMarie.next<{ matchRequest: { id: string; estimatedWaitTimeSeconds: number } }>("match_request");
    say(`Marie joined matchmaking queue en+fr: ticket ${request.matchRequest.id}, estimated wait ${request.matchRequest.estimatedWaitTimeSeconds} s`);
    const mmJean = await jean.sdk.joinOrCreate(ROOM_NAMES.matchmaking, { ...common, targetLanguageCode: "fr" });
    const inJean = new Inbox(mmJean);
    say("Jean joined matchmaking queue en+fr");

    type Found = MatchFoundMessage<Parameters<Client["consumeSeatReservation"]>[0]>;
    const [foundMarie, foundJean] = await Promise.all([inMarie.next<Found>("match_found"), inJean.next<Found>("match_found")]);
    say(`match_found: session ${foundMarie.sessionId}, score ${foundMarie.compatibilityScore}, Marie ↔ ${foundMarie.partner.displayName}, initiator: ${foundMarie.isInitiator ? "Marie" : "Jean"}`);
    await Promise.all([mmMarie.leave(), mmJean.leave()]);

    const roomMarie = await marie.sdk.consumeSeatReservation(foundMarie.reservation);
    const convMarie = new Inbox(roomMarie);
    rooms.push(roomMarie);
    const roomJean = await jean.sdk.consumeSeatReservation(foundJean.reservation);
    const convJean = new Inbox(roomJean);
    rooms.push(roomJean);
    say(`both consumed their seat reservations: conversation room ${roomMarie.roomId}`);

    const joined = await convMarie.next<{ partnerName: string }>("partner_joined");
    say(`Marie got partner_joined: ${joined.partnerName}`);

    const [caller, callee, callerIn, calleeIn] = foundMarie.isInitiator
      ? [marie, jean, convMarie, convJean] as const
      : [jean, marie, convJean, convMarie] as const;
    const callerRoom = caller === marie ? roomMarie : roomJean;
    const calleeRoom = caller === marie ? roomJean : roomMarie;
    callerRoom.send("offer", { sdp: REALISTIC_AUDIO_OFFER, targetUserId: callee.userId });
    const offer = await calleeIn.next<{ from: string; sdp: string }>("offer");
    say(`${callee.name} received the offer from ${offer.from} (${offer.sdp.length} bytes of SDP)`);
    calleeRoom.send("answer", { sdp: REALISTIC_AUDIO_ANSWER, targetUserId: caller.userId });
    await callerIn.next("answer");
    say(`${caller.name} received the answer`);
    const candidate = (n: number) => ({ candidate: `candidate:${n} 1 udp 2122260223 127.0.0.1 ${50000 + n} typ host generation 0`, sdpMid: "0", sdpMLineIndex: 0 });
    callerRoom.send("ice_candidate", { candidate: candidate(1), targetUserId: callee.userId });
    calleeRoom.send("ice_candidate", { candidate: candidate(2), targetUserId: caller.userId });
    await Promise.all([calleeIn.next("ice_candidate"), callerIn.next("ice_candidate")]);
    say("ICE candidates exchanged both ways");

    const prompt = await convJean.next<{ category: string; text: string }>("new_prompt");
    say(`icebreaker prompt (${prompt.category}): "${prompt.text}"`);

    roomMarie.send("speaking", { speaking: true });
    await new Promise((r) => setTimeout(r, 1200));
    roomMarie.send("speaking", { speaking: false });
    roomJean.send("speaking", { speaking: true });
    await new Promise((r) => setTimeout(r, 800));
    roomJean.send("speaking", { speaking: false });
    say("speaking edges sent: Marie ~1.2 s, Jean ~0.8 s");

    roomMarie.send("end_session", {});
    const [endedMarie] = await Promise.all([
      convMarie.next<{ reason: string; status: string; durationSeconds: number }>("session_ended"),
      convJean.next("session_ended"),
    ]);
    say(`session_ended: status ${endedMarie.status}, reason ${endedMarie.reason}, ${endedMarie.durationSeconds} s`);

    roomMarie.send("rate", { rating: 5, feedback: "Jean was patient and funny." });
    roomJean.send("rate", { rating: 4 });
    const [ratedMarie, ratedJean] = await Promise.all([
      convMarie.next<{ averageRating: number }>("rated"),
      convJean.next<{ averageRating: number }>("rated"),
    ]);
    say(`rated: Marie 5, Jean 4 (averageRating answered: ${ratedMarie.averageRating} and ${ratedJean.averageRating})`);

    const history = await fetch(`${baseUrl}/api/conversations/history`, { headers: { Authorization: `Bearer ${marie.token}` } });
    const body = (await history.json()) as { conversations?: { sessionId: string; partnerDisplayName: string; durationSeconds: number; myRating?: number }[] };
    const entry = body.conversations?.find((c) => c.sessionId === foundMarie.sessionId);
    if (!history.ok || !entry) throw new Error(`GET /history did not list the session (${history.status}: ${JSON.stringify(body)})`);
    say(`GET /history for Marie: session with ${entry.partnerDisplayName}, ${entry.durationSeconds} s, my rating ${entry.myRating}`);
    say("demo passed");
  } finally {
    await Promise.all(rooms.map((r) => r.leave().catch(() => undefined)));
    server?.kill("SIGTERM");
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo FAILED at step ${step + 1}:`, err instanceof Error ? err.message : err);
    process.exit(1);
  },
);

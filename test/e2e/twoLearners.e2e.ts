/**
 * End-to-end: two learners in headless Chromium use the demo web client (`/app`) against a real
 * parley process, with real WebRTC audio between the two pages (fake microphones) over loopback.
 *
 * Marie (native fr, learns en B1) and Jean (native en, learns fr B1) sign in with development
 * tokens, ask for a tandem on the same topic, get matched, connect their peer connections through
 * parley's signaling, hear each other (inbound audio bytes grow), see the icebreaker, move to the
 * next prompt, end the conversation, rate it, and find it in `GET /api/conversations/history`.
 *
 * Run with `npm run test:e2e` (test/e2e/run.sh), not directly: that script installs Chromium,
 * builds the app and isolates the network. Screenshots go to test/e2e/artifacts/. Every wait is on
 * a condition (page.waitForFunction / locators), never a fixed sleep.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { writeFakeVoiceWav } from "./fakeVoice.js";
import { startParley, type ParleyProcess } from "./parleyProcess.js";
import type { ParleyDebug } from "../../app/src/main.js";

const HOST = "127.0.0.1";
const PORT = 3110;
const ARTIFACTS = join("test", "e2e", "artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const IN_NETNS = process.env.PARLEY_E2E_NETNS === "1";
const TOPIC = "daily_life.introductions";
/** Longest single wait; the whole run takes a few seconds when things work. */
const WAIT_MS = 20_000;
/** The whole run, server start to cleanup: past it, everything is stopped and the run fails. */
const OVERALL_MS = 180_000;

interface Learner {
  name: string;
  native: string;
  target: string;
  level: string;
  page: Page;
  console: string[];
}

const FAKE_VOICE = join(ARTIFACTS, "fake-voice.wav");

const CHROMIUM_ARGS = [
  "--use-fake-ui-for-media-stream",
  "--use-fake-device-for-media-stream",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Both fake microphones "talk" in bursts (see fakeVoice.ts), so speaking edges are deterministic.
  `--use-file-for-fake-audio-capture=${FAKE_VOICE}`,
  // Chromium leaves the loopback interface out of ICE gathering unless told; in the test's
  // network namespace it is the only interface there is.
  "--allow-loopback-in-peer-connection",
  // Host candidates as plain addresses, not mDNS names (nothing resolves .local here).
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/**
 * Outside a loopback-only namespace, the host's other interfaces would be offered too: drop every
 * remote candidate that is not a loopback address, so connectivity checks only go to 127.0.0.1/::1.
 */
const KEEP_ICE_ON_LOOPBACK = `(() => {
  const add = RTCPeerConnection.prototype.addIceCandidate;
  RTCPeerConnection.prototype.addIceCandidate = function (candidate, ...rest) {
    const address = candidate && typeof candidate.candidate === "string" ? candidate.candidate.split(" ")[4] : undefined;
    if (address && address !== "127.0.0.1" && address !== "::1") return Promise.resolve();
    return add.call(this, candidate, ...rest);
  };
})();`;

const t0 = Date.now();
const timings: string[] = [];

async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`  · ${title} … `);
  const result = await run();
  const ms = Date.now() - started;
  timings.push(`${title}: ${ms} ms`);
  process.stdout.write(`ok (${ms} ms)\n`);
  return result;
}

async function openLearner(browser: Browser, baseUrl: string, who: Omit<Learner, "page" | "console">): Promise<Learner> {
  // One context per learner: a fresh, separate profile (storage, permissions, devices).
  const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
  if (!IN_NETNS) await context.addInitScript(KEEP_ICE_ON_LOOPBACK);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const lines: string[] = [];
  page.on("console", (msg) => lines.push(`[${msg.type()}] ${msg.text()}`));
  page.on("pageerror", (err) => lines.push(`[pageerror] ${err.stack ?? err.message}`));
  page.on("requestfailed", (req) => lines.push(`[requestfailed] ${req.method()} ${req.url()} ${req.failure()?.errorText ?? ""}`));
  await page.goto(`${baseUrl}/app/`);
  return { ...who, page, console: lines };
}

function phase(learner: Learner, state: ParleyDebug["state"]): Promise<unknown> {
  return learner.page.waitForFunction((s) => window.parley?.state === s, state);
}

/** Inbound audio bytes of the page's peer connection, read with `getStats()`. */
function inboundAudioBytes(learner: Learner): Promise<number> {
  return learner.page.evaluate(async () => {
    const pc = window.parley.pc;
    if (!pc) return -1;
    let bytes = 0;
    (await pc.getStats()).forEach((s: { type: string; kind?: string; bytesReceived?: number }) => {
      if (s.type === "inbound-rtp" && s.kind === "audio") bytes += s.bytesReceived ?? 0;
    });
    return bytes;
  });
}

/** `local → remote` addresses of the selected ICE candidate pair. */
function selectedPair(learner: Learner): Promise<{ local: string; remote: string } | null> {
  return learner.page.evaluate(async () => {
    const pc = window.parley.pc;
    if (!pc) return null;
    const byId = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((s: Record<string, unknown> & { id: string }) => byId.set(s.id, s));
    for (const s of byId.values()) {
      if (s.type !== "transport" || typeof s.selectedCandidatePairId !== "string") continue;
      const pair = byId.get(s.selectedCandidatePairId);
      const local = byId.get(String(pair?.localCandidateId));
      const remote = byId.get(String(pair?.remoteCandidateId));
      if (local && remote) return { local: `${String(local.address)}:${String(local.port)}`, remote: `${String(remote.address)}:${String(remote.port)}` };
    }
    return null;
  });
}

async function screenshot(learner: Learner, moment: string): Promise<void> {
  await learner.page.screenshot({ path: join(ARTIFACTS, `${learner.name.toLowerCase()}-${moment}.png`), fullPage: true });
}

/** Polls `read` (every 200 ms, up to 15 s) until `done` holds; the server writes the files, so there is no event to wait on. */
async function waitUntil<T>(read: () => T, done: (value: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 15_000;
  for (;;) {
    const value = read();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`not reached within 15 s: ${what} (${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One row of `GET /history` (seed 002 §3.2). */
interface HistoryRow {
  sessionId: string;
  myRating?: number;
  partnerDisplayName?: string;
  durationSeconds: number;
}

async function historyOf(baseUrl: string, learner: Learner): Promise<{ conversations: HistoryRow[] }> {
  const token = await learner.page.evaluate(() => window.parley.token);
  assert.ok(token, `${learner.name} has a token`);
  const res = await fetch(`${baseUrl}/api/conversations/history`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET /history for ${learner.name}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as never;
}

/** Size and first four bytes of each learner's track of `sessionId` in the local recording storage (part files while recording). */
function tracksOf(dataDir: string, sessionId: string, userIds: readonly string[]): { size: number; head: string }[] {
  const dir = join(dataDir, "recordings", sessionId);
  const names = existsSync(dir) ? readdirSync(dir) : [];
  return userIds.map((userId) => {
    const name = names.find((n) => n === `${encodeURIComponent(userId)}.webm` || n.startsWith(`.${encodeURIComponent(userId)}.webm.`));
    if (!name) return { size: 0, head: "" };
    return { size: statSync(join(dir, name)).size, head: readFileSync(join(dir, name)).subarray(0, 4).toString("hex") };
  });
}

async function scenario(baseUrl: string, browser: Browser, learners: Learner[], dataDir: string): Promise<void> {
  const marie = await openLearner(browser, baseUrl, { name: "Marie", native: "fr", target: "en", level: "B1" });
  const jean = await openLearner(browser, baseUrl, { name: "Jean", native: "en", target: "fr", level: "B1" });
  learners.push(marie, jean);
  const both = [marie, jean] as const;

  await step("both sign in with a development token", async () => {
    for (const l of both) {
      const form = l.page.locator("#dev-token-form");
      await form.getByLabel("Your name").fill(l.name);
      await form.getByLabel("Native language").selectOption(l.native);
      await form.getByLabel("Language you practise").selectOption(l.target);
      await form.getByLabel("Your level").selectOption(l.level);
      await form.getByRole("button", { name: "Sign in" }).click();
    }
    await Promise.all(both.map((l) => phase(l, "ready")));
  });

  await step("both choose a tandem on the same topic (topics from GET /topics)", async () => {
    for (const l of both) {
      const form = l.page.locator("#setup-form");
      await form.locator(`#su-topic option[value="${TOPIC}"]:not([disabled])`).waitFor({ state: "attached" });
      await form.getByLabel("Topic", { exact: true }).selectOption(TOPIC);
      await form.getByLabel(/^Tandem/).check();
      // The consent sits in the form's collapsed "More options".
      await form.locator("details > summary").click();
      await form.getByLabel(/I agree to this conversation being recorded/).check();
    }
  });

  await step("Marie queues alone: wait time counts up, estimate shown", async () => {
    await marie.page.getByRole("button", { name: "Find a partner" }).click();
    await phase(marie, "waiting");
    await marie.page.waitForFunction(() => document.getElementById("wait-expires")?.textContent !== "—");
    await marie.page.waitForFunction(() => document.getElementById("wait-elapsed")?.textContent !== "0:00");
    await screenshot(marie, "waiting");
  });

  const pairs = await step("Jean queues: both matched, peer connections connected over loopback", async () => {
    await jean.page.getByRole("button", { name: "Find a partner" }).click();
    await Promise.all(both.map((l) => phase(l, "in-conversation")));
    await Promise.all(both.map((l) => l.page.waitForFunction(() => window.parley.pc?.connectionState === "connected")));
    const initiators = await Promise.all(both.map((l) => l.page.evaluate(() => window.parley.isInitiator)));
    assert.deepEqual(new Set(initiators), new Set([true, false]), "exactly one initiator");
    const seen: string[] = [];
    for (const [l, partner] of [[marie, jean], [jean, marie]] as const) {
      assert.equal(await l.page.locator("#partner-name").textContent(), partner.name);
      const pair = await selectedPair(l);
      assert.ok(pair, `${l.name} has a selected candidate pair`);
      // On the host network, a check sent from another local interface to a loopback candidate
      // comes back as a peer-reflexive candidate, whose address Chromium's stats hide: only the
      // loopback-only namespace makes this strict.
      if (IN_NETNS) assert.match(pair.remote, /^(127\.0\.0\.1|::1):/, `${l.name}'s audio goes to a loopback address`);
      seen.push(`${l.name} ${pair.local} → ${pair.remote}`);
    }
    return seen;
  });
  console.log(`      selected ICE pairs: ${pairs.join("; ")}`);

  await step("audio flows both ways (inbound-rtp bytesReceived grows)", async () => {
    for (const l of both) {
      const before = await inboundAudioBytes(l);
      // The app refreshes window.parley.stats from getStats() every second.
      await l.page.waitForFunction((b) => (window.parley.stats?.bytesReceived ?? 0) > b + 2000, before);
      const after = await inboundAudioBytes(l);
      assert.ok(after > before, `${l.name}: ${before} → ${after} bytes`);
    }
  });

  const icebreaker = await step("both see the same icebreaker prompt", async () => {
    await Promise.all(both.map((l) => l.page.waitForFunction(() => window.parley.prompt?.category === "icebreaker")));
    const [a, b] = await Promise.all(both.map((l) => l.page.locator("#prompt").textContent()));
    assert.ok(a && a.length > 5, `icebreaker text: ${a}`);
    assert.equal(a, b);
    for (const l of both) assert.equal(await l.page.locator("#prompt-category").textContent(), "icebreaker");
    return { text: a, key: await marie.page.evaluate(() => window.parley.prompt?.promptKey) };
  });

  await step("screenshots (matched)", async () => {
    await Promise.all(both.map((l) => screenshot(l, "matched")));
  });

  await step("Marie clicks Next prompt: both see the new prompt", async () => {
    await marie.page.getByRole("button", { name: "Next prompt" }).click();
    await Promise.all(both.map((l) => l.page.waitForFunction((key) => !!window.parley.prompt && window.parley.prompt.promptKey !== key, icebreaker.key)));
    const [a, b] = await Promise.all(both.map((l) => l.page.locator("#prompt").textContent()));
    assert.notEqual(a, icebreaker.text);
    assert.equal(a, b);
  });

  await step("speaking indicator: voice-activity edges reach parley and come back in state", async () => {
    // The fake voice talks 1.2 s, pauses 1.3 s: each page sends speaking true then false, and
    // sees its partner's spoken time, synced by the room, grow.
    await Promise.all(both.map((l) => l.page.waitForFunction(() => window.parley.speakingEdges >= 2)));
    await Promise.all(both.map((l) => l.page.locator("#partner-connected", { hasText: /^spoke 0:0[1-9]/ }).waitFor()));
  });

  await step("both consented: each learner's MediaRecorder track streams to storage, starts with the EBML header and grows", async () => {
    const sessionId = await marie.page.evaluate(() => window.parley.sessionId);
    const userIds = await Promise.all(both.map((l) => l.page.evaluate(() => window.parley.userId ?? "")));
    assert.ok(sessionId && userIds.every(Boolean));
    await Promise.all(both.map((l) => l.page.waitForFunction(() => (window.parley.recorder?.bytesSent ?? 0) > 0)));
    const first = await waitUntil(() => tracksOf(dataDir, sessionId, userIds), (t) => t.every((x) => x.size > 0), "both tracks in storage");
    assert.deepEqual(first.map((t) => t.head), ["1a45dfa3", "1a45dfa3"], "each track starts with the EBML header");
    await waitUntil(() => tracksOf(dataDir, sessionId, userIds), (t) => t.every((x, i) => x.size > (first[i]?.size ?? 0)), "both tracks grow with the call");
  });

  await step("Jean ends the conversation: both see the rating form", async () => {
    await jean.page.getByRole("button", { name: "End conversation" }).click();
    await Promise.all(both.map((l) => phase(l, "ended")));
    for (const l of both) {
      await l.page.getByRole("group", { name: "How was your conversation?" }).waitFor({ state: "visible" });
      await l.page.getByText("Report your partner").waitFor({ state: "visible" });
      assert.match((await l.page.locator("#ended-summary").textContent()) ?? "", /Duration: \d+:\d\d \(completed\)/);
    }
  });

  await step("screenshots (ended)", async () => {
    await Promise.all(both.map((l) => screenshot(l, "ended")));
  });

  const ratings = new Map([
    [marie, 5],
    [jean, 4],
  ]);
  await step("both rate the conversation", async () => {
    for (const [l, rating] of ratings) {
      await l.page.locator(`label[for="rate-${rating}"]`).click();
      await l.page.getByLabel("Feedback (optional)").fill(`${l.name}: merci / thanks!`);
      await l.page.getByRole("button", { name: "Send rating" }).click();
      await l.page.locator("#rate-result", { hasText: "Thank you" }).waitFor();
    }
    assert.match((await jean.page.locator("#rate-result").textContent()) ?? "", /4\.5 \/ 5/);
  });

  await step("GET /api/conversations/history shows the session to both", async () => {
    const sessionId = await marie.page.evaluate(() => window.parley.sessionId);
    assert.ok(sessionId);
    assert.equal(await jean.page.evaluate(() => window.parley.sessionId), sessionId);
    for (const [l, rating] of ratings) {
      const { conversations } = await historyOf(baseUrl, l);
      const row: HistoryRow | undefined = conversations.find((c) => c.sessionId === sessionId);
      assert.ok(row, `${l.name}'s history has ${sessionId}: ${JSON.stringify(conversations)}`);
      assert.equal(row.myRating, rating);
      assert.equal(row.partnerDisplayName, l === marie ? "Jean" : "Marie");
    }
  });

  for (const l of both) {
    assert.deepEqual(await l.page.evaluate(() => window.parley.errors), [], `${l.name} was shown no error`);
  }
}

async function main(): Promise<void> {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFakeVoiceWav(FAKE_VOICE);
  console.log(`e2e: two learners in Chromium (${IN_NETNS ? "loopback-only network namespace" : "host network, ICE filtered to loopback"})`);
  let server: ParleyProcess | undefined;
  let browser: Browser | undefined;
  const learners: Learner[] = [];
  let failed = false;
  const watchdog = setTimeout(() => {
    console.error(`\ne2e: still running after ${OVERALL_MS} ms: stopping everything`);
    void Promise.allSettled([browser?.close(), server?.stop(2000)]).then(() => process.exit(1));
  }, OVERALL_MS);
  watchdog.unref();
  try {
    server = await step(`start parley on ${HOST}:${PORT}`, () => startParley({ host: HOST, port: PORT, logFile: join(ARTIFACTS, "server.log") }));
    browser = await step("launch Chromium", () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 }));
    await scenario(server.baseUrl, browser, learners, server.dataDir);
  } catch (err) {
    failed = true;
    console.log("FAILED\n");
    console.error(err);
    for (const l of learners) {
      await l.page.screenshot({ path: join(ARTIFACTS, `${l.name.toLowerCase()}-failure.png`), fullPage: true }).catch(() => undefined);
      const state = await l.page.evaluate(() => JSON.stringify({ ...window.parley, pc: window.parley.pc?.connectionState ?? null, token: undefined })).catch(() => "?");
      console.error(`\n--- ${l.name}: window.parley = ${state}\n--- ${l.name}: browser console (${l.console.length} lines)\n${l.console.join("\n") || "(empty)"}`);
    }
    if (server) console.error(`\n--- parley log (tail of ${server.logFile})\n${server.logTail(60)}`);
  } finally {
    if (!failed && process.env.E2E_VERBOSE) {
      for (const l of learners) console.log(`\n--- ${l.name}: browser console\n${l.console.join("\n") || "(empty)"}`);
    }
    await browser?.close().catch(() => undefined);
    await server?.stop();
    clearTimeout(watchdog);
  }
  console.log(`\ne2e finished in ${Date.now() - t0} ms; screenshots in ${ARTIFACTS}/`);
  console.log(failed ? "0 passed, 1 failed" : "1 passed, 0 failed");
  process.exitCode = failed ? 1 : 0;
}

void main();

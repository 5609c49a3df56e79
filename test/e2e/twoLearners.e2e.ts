/**
 * End-to-end: two learners in headless Chromium use the demo web client (`/app`) against a real
 * parley process, with real WebRTC audio between the two pages (fake microphones) over loopback.
 *
 * Marie (native fr, learns en B1) and Jean (native en, learns fr B1) sign in with development
 * tokens, ask for a tandem on the same topic, get matched, connect their peer connections through
 * parley's signaling, hear each other (inbound audio bytes grow), see the icebreaker, move to the
 * next prompt, switch the tandem's language early (both ask), end the conversation, read their
 * session summary, rate it, and find it in `GET /api/conversations/history`.
 *
 * Run with `npm run test:e2e` (test/e2e/run.sh), not directly: that script installs Chromium,
 * builds the app and isolates the network. Screenshots go to test/e2e/artifacts/two-learners/. Every wait is on
 * a condition (page.waitForFunction / locators), never a fixed sleep.
 */
import assert from "node:assert/strict";
import { IN_NETNS, openLearner, phase, runScenario, screenshot as shoot, signIn, step, type Learner, type ScenarioContext } from "./browserHarness.js";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const TOPIC = "daily_life.introductions";

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

async function scenario({ baseUrl, browser, artifacts, learners, dataDir }: ScenarioContext): Promise<void> {
  const screenshot = (l: Learner, moment: string) => shoot(l, moment, artifacts);
  const marie = await openLearner(browser, baseUrl, { name: "Marie", native: "fr", target: "en", level: "B1" });
  const jean = await openLearner(browser, baseUrl, { name: "Jean", native: "en", target: "fr", level: "B1" });
  learners.push(marie, jean);
  const both = [marie, jean] as const;

  await step("both sign in with a development token", () => signIn(both));

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

  await step("chat: Marie writes, Jean sees it and reacts with 👍, Marie sees the reaction", async () => {
    await marie.page.getByRole("textbox", { name: "Message" }).fill("Hello Jean, nice to meet you!");
    await marie.page.locator("#talk-chat").getByRole("button", { name: "Send" }).click();
    const onJean = jean.page.locator("#talk-chat .chat-message", { hasText: "Hello Jean, nice to meet you!" });
    await onJean.waitFor();
    await onJean.getByRole("button", { name: "👍" }).click();
    await marie.page.locator("#talk-chat .chat-message", { hasText: "Hello Jean" }).getByRole("button", { name: "👍 1" }).waitFor();
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

  await step("tandem: both practise Marie's target first, both click Switch now, both see Français and a prompt of the topic in French", async () => {
    for (const l of both) {
      await l.page.locator("#talk-language", { hasText: "(en)" }).waitFor();
      await l.page.locator("#talk-switch-at", { hasText: /switches in \d+:\d\d/ }).waitFor();
    }
    const before = await marie.page.evaluate(() => window.parley.prompt?.promptKey);
    await marie.page.getByRole("button", { name: "Switch now" }).click();
    await marie.page.locator("#talk-language-note", { hasText: "when your partner asks too" }).waitFor();
    await jean.page.getByRole("button", { name: "Switch now" }).click();
    for (const l of both) {
      await l.page.locator("#talk-language", { hasText: "(fr)" }).waitFor();
      await l.page.locator("#talk-language-note", { hasText: "now speak" }).waitFor();
      await l.page.waitForFunction((key) => !!window.parley.prompt && window.parley.prompt.promptKey !== key, before);
    }
    await Promise.all(both.map((l) => screenshot(l, "switched")));
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

  await step("both see their session summary: talk time, time per language, prompts in both languages", async () => {
    for (const l of both) {
      const summary = l.page.locator("#session-summary");
      await summary.getByRole("heading", { name: "Your summary" }).waitFor();
      const textContent = (await summary.textContent()) ?? "";
      assert.match(textContent, /you spoke \d+:\d\d \(\d+%\)/);
      assert.match(textContent, /Prompts covered: \d+ \(English \(en\), Français \(fr\)\)/);
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

void runScenario("two-learners", "two learners", scenario);

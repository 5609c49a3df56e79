/**
 * What every Chromium end-to-end scenario shares: parley in a child process, headless Chromium
 * with fake microphones, one browser context per learner, ICE kept on loopback, timed steps,
 * screenshots, and a report of the pages' state, consoles and the server log on failure.
 * Scenarios are run with `npm run test:e2e` (test/e2e/run.sh), never directly.
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import type { ParleyDebug } from "../../app/src/main.js";
import { writeFakeVoiceWav } from "./fakeVoice.js";
import { startParley, type ParleyProcess } from "./parleyProcess.js";

const HOST = "127.0.0.1";
const PORT = 3110;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** True inside run.sh's loopback-only network namespace. */
export const IN_NETNS = process.env.PARLEY_E2E_NETNS === "1";
/** Longest single wait; a run takes a few seconds when things work. */
export const WAIT_MS = 20_000;
/** The whole run, server start to cleanup: past it, everything is stopped and the run fails. */
const OVERALL_MS = 180_000;

/** A learner's page. */
export interface Learner {
  name: string;
  native: string;
  target: string;
  level: string;
  page: Page;
  console: string[];
}

function chromiumArgs(fakeVoice: string): string[] {
  return [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Every fake microphone "talks" in bursts (see fakeVoice.ts), so speaking edges are deterministic.
    `--use-file-for-fake-audio-capture=${fakeVoice}`,
    // Chromium leaves the loopback interface out of ICE gathering unless told; in the test's
    // network namespace it is the only interface there is.
    "--allow-loopback-in-peer-connection",
    // Host candidates as plain addresses, not mDNS names (nothing resolves .local here).
    "--disable-features=WebRtcHideLocalIpsWithMdns",
  ];
}

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

/** Runs one titled step, printing its duration. */
export async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`  · ${title} … `);
  const result = await run();
  process.stdout.write(`ok (${Date.now() - started} ms)\n`);
  return result;
}

/** Opens `/app/` for a learner in a fresh browser context (its own storage and devices). */
export async function openLearner(browser: Browser, baseUrl: string, who: Omit<Learner, "page" | "console">): Promise<Learner> {
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

/** Signs learners in with the development token form and waits for the setup view. */
export async function signIn(learners: readonly Learner[]): Promise<void> {
  for (const l of learners) {
    const form = l.page.locator("#dev-token-form");
    await form.getByLabel("Your name").fill(l.name);
    await form.getByLabel("Native language").selectOption(l.native);
    await form.getByLabel("Language you practise").selectOption(l.target);
    await form.getByLabel("Your level").selectOption(l.level);
    await form.getByRole("button", { name: "Sign in" }).click();
  }
  await Promise.all(learners.map((l) => phase(l, "ready")));
}

/** Waits until the page's `window.parley.state` is `state`. */
export function phase(learner: Learner, state: ParleyDebug["state"]): Promise<unknown> {
  return learner.page.waitForFunction((s) => window.parley?.state === s, state);
}

/** Saves a full-page screenshot as `<artifacts>/<name>-<moment>.png`. */
export async function screenshot(learner: Learner, moment: string, artifacts: string): Promise<void> {
  await learner.page.screenshot({ path: join(artifacts, `${learner.name.toLowerCase()}-${moment}.png`), fullPage: true });
}

/** What a scenario gets: the server's base URL, the browser, where to put artifacts, and the list to register its learners in. */
export interface ScenarioContext {
  baseUrl: string;
  browser: Browser;
  artifacts: string;
  learners: Learner[];
  /** The server's `DATA_DIR` (local recordings, events file). */
  dataDir: string;
}

/**
 * Runs one scenario end to end: starts parley on 127.0.0.1:3110 and Chromium, runs `scenario`,
 * reports failures with every learner's `window.parley`, console and the server log, stops
 * everything, and sets the exit code.
 * @param name the scenario's name; artifacts go to `test/e2e/artifacts/<name>/`
 */
export async function runScenario(name: string, description: string, scenario: (ctx: ScenarioContext) => Promise<void>): Promise<void> {
  const artifacts = join("test", "e2e", "artifacts", name);
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const fakeVoice = join(artifacts, "fake-voice.wav");
  writeFakeVoiceWav(fakeVoice);
  console.log(`e2e: ${description} in Chromium (${IN_NETNS ? "loopback-only network namespace" : "host network, ICE filtered to loopback"})`);
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
    server = await step(`start parley on ${HOST}:${PORT}`, () => startParley({ host: HOST, port: PORT, logFile: join(artifacts, "server.log") }));
    const started = server;
    browser = await step("launch Chromium", () => chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(fakeVoice), timeout: 60_000 }));
    await scenario({ baseUrl: started.baseUrl, browser, artifacts, learners, dataDir: started.dataDir });
  } catch (err) {
    failed = true;
    console.log("FAILED\n");
    console.error(err);
    for (const l of learners) {
      await l.page.screenshot({ path: join(artifacts, `${l.name.toLowerCase()}-failure.png`), fullPage: true }).catch(() => undefined);
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
  console.log(`\ne2e ${name} finished in ${Date.now() - t0} ms; screenshots in ${artifacts}/`);
  console.log(failed ? "0 passed, 1 failed" : "1 passed, 0 failed");
  process.exitCode = failed ? 1 : 0;
}

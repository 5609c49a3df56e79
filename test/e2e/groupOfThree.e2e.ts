/**
 * End-to-end: three learners in one group conversation (seed 000) in headless Chromium, through
 * the demo web client (`/app`) against a real parley process, with real WebRTC audio in a mesh
 * (one peer connection per pair of participants, fake microphones, loopback only).
 *
 * Ana creates a private group and reads its invite code on the page; Ben and Chloé type the code
 * (loosely: lower case, with a dash) and join. Every page ends up with two peer connections, all
 * `connected`; audio bytes grow on each of the six directed links; every page lists the three
 * participants with their speaking badge and talk time; the host ends the group for everyone.
 *
 * Run with `npm run test:e2e` (test/e2e/run.sh). Every wait is on a condition, never a sleep.
 */
import assert from "node:assert/strict";
import { INVITE_CODE_PATTERN } from "../../src/groups/groupRules.js";
import { openLearner, phase, runScenario, screenshot as shoot, signIn, step, type Learner, type ScenarioContext } from "./browserHarness.js";

const TOPIC = "daily_life.introductions";

/** The user ids of a page's peers and their connection states (`window.parley.group.peers`). */
function peerStates(learner: Learner): Promise<Record<string, string>> {
  return learner.page.evaluate(() => Object.fromEntries(Object.entries(window.parley.group?.peers ?? {}).map(([id, p]) => [id, p.state])));
}

async function scenario({ baseUrl, browser, artifacts, learners }: ScenarioContext): Promise<void> {
  const screenshot = (l: Learner, moment: string) => shoot(l, moment, artifacts);
  const ana = await openLearner(browser, baseUrl, { name: "Ana", native: "es", target: "en", level: "A2" });
  const ben = await openLearner(browser, baseUrl, { name: "Ben", native: "de", target: "en", level: "A2" });
  const chloe = await openLearner(browser, baseUrl, { name: "Chloe", native: "fr", target: "en", level: "A2" });
  learners.push(ana, ben, chloe);
  const all = [ana, ben, chloe] as const;

  await step("all three sign in with a development token", () => signIn(all));

  const code = await step("Ana creates a private group and sees its invite code", async () => {
    const setup = ana.page.locator("#setup-form");
    await setup.locator(`#su-topic option[value="${TOPIC}"]:not([disabled])`).waitFor({ state: "attached" });
    await setup.getByLabel("Topic", { exact: true }).selectOption(TOPIC);
    await ana.page.getByLabel(/^Private/).check();
    await ana.page.getByRole("button", { name: "Create a group" }).click();
    await phase(ana, "group");
    const shown = (await ana.page.locator("#group-code").textContent()) ?? "";
    assert.match(shown, INVITE_CODE_PATTERN);
    assert.equal(await ana.page.evaluate(() => window.parley.group?.inviteCode), shown);
    await screenshot(ana, "created");
    return shown;
  });

  await step("Ben and Chloé type the code (lower case, with a dash) and join", async () => {
    const typed = `${code.slice(0, 4).toLowerCase()}-${code.slice(4).toLowerCase()}`;
    for (const l of [ben, chloe]) {
      await l.page.getByRole("textbox", { name: "Invite code" }).fill(typed);
      await l.page.getByRole("button", { name: "Join with a code" }).click();
      // In the room (seat reservation consumed), or refused: the page shows why.
      await l.page.waitForFunction(() => window.parley.group?.joined === true || window.parley.errors.length > 0);
      assert.deepEqual(await l.page.evaluate(() => window.parley.errors), [], `${l.name} joins the group's room`);
      await phase(l, "group");
    }
    const sessionIds = await Promise.all(all.map((l) => l.page.evaluate(() => window.parley.group?.sessionId)));
    assert.equal(new Set(sessionIds).size, 1, `one group: ${sessionIds.join(", ")}`);
  });

  await step("every page has a peer connection to each other participant, all connected", async () => {
    await Promise.all(
      all.map((l) =>
        l.page.waitForFunction(() => {
          const peers = Object.values(window.parley.group?.peers ?? {});
          return peers.length === 2 && peers.every((p) => p.state === "connected");
        }),
      ),
    );
    const ids = await Promise.all(all.map((l) => l.page.evaluate(() => window.parley.userId)));
    for (const [i, l] of all.entries()) {
      const others = ids.filter((_, j) => j !== i).sort();
      assert.deepEqual(Object.keys(await peerStates(l)).sort(), others, `${l.name}'s peers`);
    }
  });

  await step("audio bytes grow on every link (each page, each peer)", async () => {
    for (const l of all) {
      const before = await l.page.evaluate(() => Object.fromEntries(Object.entries(window.parley.group?.peers ?? {}).map(([id, p]) => [id, p.stats?.bytesReceived ?? 0])));
      assert.equal(Object.keys(before).length, 2);
      await l.page.waitForFunction(
        (b: Record<string, number>) => Object.entries(b).every(([id, bytes]) => (window.parley.group?.peers[id]?.stats?.bytesReceived ?? 0) > bytes + 2000),
        before,
      );
    }
  });

  await step("every page lists the three participants with speaking badges and growing talk time", async () => {
    for (const l of all) {
      await l.page.locator("#group-participants li").nth(2).waitFor();
      assert.equal(await l.page.locator("#group-participants li").count(), 3);
      await l.page.locator("#group-participants .badge").first().waitFor();
    }
    // The fake voices talk in bursts: everyone's spoken time, synced by the room, grows.
    await Promise.all(all.map((l) => l.page.locator("#group-participants li .hint", { hasText: /^talked 0:0[1-9]/ }).nth(2).waitFor()));
    await Promise.all(all.map((l) => screenshot(l, "talking")));
  });

  await step("Ana (the host) ends the group for everyone", async () => {
    await ana.page.getByRole("button", { name: "End for everyone" }).click();
    await Promise.all(all.map((l) => l.page.waitForFunction(() => window.parley.group?.ended === true)));
    for (const l of all) {
      assert.match((await l.page.locator("#status").textContent()) ?? "", /host ended/, `${l.name} is told the host ended it`);
      assert.deepEqual(await peerStates(l), {}, `${l.name} closed every peer connection`);
    }
  });

  for (const l of all) {
    assert.deepEqual(await l.page.evaluate(() => window.parley.errors), [], `${l.name} was shown no error`);
  }
}

void runScenario("group-of-three", "three learners in one group", scenario);

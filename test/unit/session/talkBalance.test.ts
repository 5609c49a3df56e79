import assert from "node:assert/strict";
import { dominanceShare, TalkBalance, TALK_BALANCE_COOLDOWN_SECONDS, talkShares } from "../../../src/session/talkBalance.js";

const S = 1000;

/** A balance where `a` spoke `aSeconds` and `b` `bSeconds` within [0, 180 s). */
function pairWith(aSeconds: number, bSeconds: number): TalkBalance {
  const balance = new TalkBalance();
  balance.edge("a", true, 0);
  balance.edge("a", false, aSeconds * S);
  balance.edge("b", true, 100 * S);
  balance.edge("b", false, (100 + bSeconds) * S);
  return balance;
}

describe("talk balance (DESIGN §10)", () => {
  it("nudges at 71% in a pair but not at 69%", () => {
    assert.equal(pairWith(69, 31).check(["a", "b"], 180 * S), null);
    const nudge = pairWith(71, 29).check(["a", "b"], 180 * S);
    assert.equal(nudge?.dominant.userId, "a");
    assert.equal(nudge?.quiet.userId, "b");
    assert.ok(Math.abs((nudge?.dominant.share ?? 0) - 0.71) < 1e-9);
    assert.ok(Math.abs((nudge?.quiet.share ?? 0) - 0.29) < 1e-9);
  });

  it("needs 60 s of speech in the window", () => {
    assert.equal(pairWith(50, 5).check(["a", "b"], 180 * S), null, "55 s in all");
    assert.notEqual(pairWith(55, 5).check(["a", "b"], 180 * S), null, "60 s in all");
  });

  it("counts only the last 180 s, including an interval still open", () => {
    const balance = new TalkBalance();
    balance.edge("b", true, 0);
    balance.edge("b", false, 100 * S);
    balance.edge("a", true, 200 * S);
    // At 300 s the window is [120 s, 300 s]: b's speech is out of it, a has 100 s open.
    const nudge = balance.check(["a", "b"], 300 * S);
    assert.equal(nudge?.dominant.userId, "a");
    assert.equal(nudge?.dominant.share, 1);
    assert.equal(balance.spokenInWindow("b", 300 * S), 0);
  });

  it("nudges at most once per 3 minutes per session", () => {
    const balance = pairWith(100, 10);
    assert.notEqual(balance.check(["a", "b"], 180 * S), null);
    balance.edge("a", true, 180 * S);
    assert.equal(balance.check(["a", "b"], (180 + TALK_BALANCE_COOLDOWN_SECONDS - 1) * S), null);
    assert.notEqual(balance.check(["a", "b"], (180 + TALK_BALANCE_COOLDOWN_SECONDS) * S), null);
  });

  it("uses 2/N in a group and names the quietest", () => {
    assert.equal(dominanceShare(2), 0.7);
    assert.equal(dominanceShare(4), 0.5);
    const balance = new TalkBalance();
    balance.edge("a", true, 0);
    balance.edge("a", false, 51 * S);
    balance.edge("b", true, 60 * S);
    balance.edge("b", false, 90 * S);
    balance.edge("c", true, 90 * S);
    balance.edge("c", false, 109 * S);
    // 100 s in all: a 51%, b 30%, c 19%, d 0% → a above 2/4, d the quietest.
    const nudge = balance.check(["a", "b", "c", "d"], 179 * S);
    assert.equal(nudge?.dominant.userId, "a");
    assert.equal(nudge?.quiet.userId, "d");
    assert.equal(nudge?.quiet.share, 0);
  });

  it("never nudges a participant alone", () => {
    const balance = pairWith(100, 0);
    assert.equal(balance.check(["a"], 180 * S), null);
  });

  it("talkShares gives each one's share of the whole session, zeros when silent", () => {
    assert.deepEqual(talkShares({ a: 30, b: 10 }), { a: 0.75, b: 0.25 });
    assert.deepEqual(talkShares({ a: 0, b: 0 }), { a: 0, b: 0 });
  });
});

describe("TalkBalance.nextCheckAt (DESIGN §11: no check while nothing can be due)", () => {
  const T = Date.UTC(2026, 11, 7, 10, 0, 0);
  it("is undefined for one participant, or while nobody speaks and the window holds under a minute", () => {
    const balance = new TalkBalance();
    assert.equal(balance.nextCheckAt(["a"], T), undefined);
    balance.edge("a", true, T);
    balance.edge("a", false, T + 59_000);
    assert.equal(balance.nextCheckAt(["a", "b"], T + 59_000), undefined);
  });

  it("is the moment the window can hold a minute while someone speaks, then now, then after the cooldown", () => {
    const balance = new TalkBalance();
    balance.edge("a", true, T);
    assert.equal(balance.nextCheckAt(["a", "b"], T + 20_000), T + 60_000);
    assert.equal(balance.nextCheckAt(["a", "b"], T + 61_000), T + 61_000);
    assert.ok(balance.check(["a", "b"], T + 61_000));
    assert.equal(balance.nextCheckAt(["a", "b"], T + 62_000), T + 61_000 + TALK_BALANCE_COOLDOWN_SECONDS * 1000);
  });
});

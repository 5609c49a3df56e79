/**
 * Match-quality benchmark (issue 12 "Match quality"; DESIGN §4, §10; seed 002 §6.1). A benchmark,
 * not a test: it measures and reports, it asserts no target.
 *
 * Run: `npm run bench:quality` (= `tsx loadtest/qualityBench.ts`). No network, no Colyseus, a
 * simulated clock and seeded streams (mulberry32), so the figures repeat run after run (only the
 * CPU column depends on the machine). Prints a Markdown table on stdout and writes the
 * time-to-match CDF chart to `loadtest/quality-cdf.svg` (vega-lite → vega → SVG, no browser).
 * `--verify` (`npx tsx loadtest/qualityBench.ts --verify`, ~70 s) also checks after every tick
 * that no two waiting tickets of a parley queue could have been paired (see `verifyNothingLeft`).
 *
 * Population, per rate λ ∈ {0.2, 1, 5} learners/s **per language**, 4 languages (en, fr, es, de):
 * - Poisson arrivals per language stream; one measured hour, plus 180 s of arrivals before it
 *   (the queues start empty: warm-up) and 180 s after it (late arrivals of the hour still meet
 *   later ones); then the run drains. Only arrivals of the measured hour are counted.
 * - tickets from the shared mix (`learnerMix.ts`: CEFR A1 20% A2 25% B1 25% B2 15% C1 10% C2 5%,
 *   60 Zipf topics, 12 per category, preferredPartnerLevel / accent / premium 15% mixes); the
 *   native language is one of the other three simulated languages;
 * - 30% are tandem-capable: they ask for the tandem queue `sorted(native, target).join("+")`
 *   (`queueFor`), so their reciprocal partners are the tandem learners of the other language's
 *   stream (e.g. 1/s per language → 0.1/s on each side of `en+fr`);
 * - patience: exponential, mean 90 s, capped by `maxWaitTimeSeconds` (120 s, the default): a
 *   learner still unmatched after their patience leaves (`remove`, "gave up"); one who is more
 *   patient than `maxWaitTimeSeconds` is expired by the policy ("expired").
 *
 * Policies, on the same arrivals, each called on every arrival and on a 1 s tick, as the room does:
 * - **parley**: the real `Matcher` of `src/matchmaking/` (defaults: stages 30/60/120 s,
 *   `MIN_COMPATIBILITY_SCORE` 50, `MATCH_MAX_LEVEL_GAP` 2), one Matcher per queue as one
 *   `matchmaking` actor per queue. A tandem ticket still unmatched when it reaches the any-level
 *   stage (DESIGN §4: it gets `match_suggestion` for the practice queue) is modelled as accepting:
 *   it leaves the tandem queue and joins the practice queue of its target language **keeping its
 *   arrival time and expiry** (generous to the learner: a real rejoin starts a new ticket). With
 *   the default 120 s expiry this never happens — the any-level boundary (120 s) is the expiry —
 *   so the run also has
 * - **parley, maxWait 180 s**: the same matcher with `maxWaitTimeSeconds` 180 (patience capped
 *   at 180 s instead), where the any-level stage and the tandem → practice move are reachable.
 * - **seed §6.1 rule**: seed 002 §6.1 as written (see {@link SeedRulePolicy}).
 * - **FIFO any level**: one FIFO per target language; an arrival is paired at once with the
 *   oldest learner waiting for the same target language, whatever level, topic or tandem wish
 *   (a naive queue has no tandem queue: everybody waits in their target language's queue).
 *
 * Measures, per rate and policy (arrivals of the measured hour; pairs formed during it):
 * matched within 30/60/120 s **of all arrivals**; within 60 s among learners still there at
 * 60 s (matched by then, or patient enough to still wait); expired; gave up; mean and p95
 * |level difference|; pairs more than 2 levels apart; tandem pairs among the matched
 * tandem-capable learners; pairs on the same topic; matches per CPU second spent inside the
 * policy's calls.
 */
import { cpus } from "node:os";
import path from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { Matcher, type MatchResult } from "../src/matchmaking/matcher.js";
import { MinHeap } from "../src/matchmaking/minHeap.js";
import { queueFor } from "../src/matchmaking/queueName.js";
import type { Ticket } from "../src/matchmaking/ticket.js";
import { WIDENING_STAGES, evaluatePair, pairStage, type WideningStage } from "../src/matchmaking/wideningStages.js";
import { cefrIndex } from "../src/topics/cefr.js";
import {
  ACCENTS,
  LANGUAGES,
  TOPICS,
  drawTicket,
  exponential,
  hadRecentConversation,
  mulberry32,
  percentile,
} from "./learnerMix.js";
import { renderSvg, VEGA_LITE_SCHEMA } from "./svgChart.js";

/** Arrival rates, learners per second per language. */
const RATES = [0.2, 1, 5] as const;
/** The rate the targets are stated for. */
const TARGET_RATE = 1;
const MEASURED_SECONDS = 3600;
const WARMUP_SECONDS = 180;
const COOLDOWN_SECONDS = 180;
const TANDEM_SHARE = 0.3;
const PATIENCE_MEAN_SECONDS = 90;
/** `MATCH_TIMEOUT_SECONDS`, the default `maxWaitTimeSeconds` (DESIGN §4). */
const DEFAULT_MAX_WAIT_SECONDS = 120;
const TICK_MS = 1000;
const T0 = 1_700_000_000_000;
/** The CDF is drawn up to this many seconds waited. */
const CDF_SECONDS = 180;

/** One simulated learner: the ticket parley would build, and how long they are willing to wait. */
interface Learner {
  /** Ticket with the default 120 s expiry; policies with another `maxWaitTimeSeconds` copy it. */
  ticket: Ticket;
  tandemCapable: boolean;
  /** Seconds the learner waits before leaving if still unmatched (before any expiry cap). */
  patienceSeconds: number;
  /** Arrived during the measured hour. */
  measured: boolean;
}

/** Two learners a policy paired at one instant. */
interface Pairing {
  a: Learner;
  b: Learner;
  /** parley only: the stage the pair was judged at. */
  stage?: WideningStage;
}

/** What a policy did on one tick. */
interface PolicyStep {
  pairs: Pairing[];
  expired: Learner[];
}

/** A matching policy driven by the simulator; every `now` is epoch ms of the simulated clock. */
interface Policy {
  readonly name: string;
  readonly maxWaitSeconds: number;
  /** A learner arrives; returns the pairs formed (at most one). */
  arrive(learner: Learner, now: number): Pairing[];
  /** The 1 s tick: expiries, then any pairs the wait made possible. */
  tick(now: number): PolicyStep;
  /** A waiting learner gives up. */
  leave(learner: Learner, now: number): void;
  /** Called after each tick, outside the CPU measurement (checks). */
  afterTick?(now: number): void;
}

function withMaxWait(ticket: Ticket, maxWaitSeconds: number): Ticket {
  return { ...ticket, expiresAt: ticket.createdAt + maxWaitSeconds * 1000 };
}

/** The real matcher, one {@link Matcher} per queue (one `matchmaking` actor per queue). */
class ParleyPolicy implements Policy {
  private readonly matchers = new Map<string, Matcher>();
  /** Waiting learners by ticket id, with the ticket as queued (its `queue` says which Matcher holds it). */
  private readonly waiting = new Map<string, { learner: Learner; ticket: Ticket }>();
  /** Tandem tickets moved to their practice queue at the any-level stage. */
  movedToPractice = 0;
  /** Pairs of waiting tickets checked by {@link ParleyPolicy.verifyNothingLeft}. */
  verifiedPairs = 0;

  /**
   * @param verify after every tick (outside the CPU measurement), check that no two waiting tickets of a queue could be paired
   *   (an independent check of the Matcher with `evaluatePair`, quadratic in the queue: slow).
   */
  constructor(
    readonly name: string,
    readonly maxWaitSeconds: number,
    private readonly verify = false,
  ) {}

  private matcher(queue: string): Matcher {
    let matcher = this.matchers.get(queue);
    if (matcher === undefined) {
      matcher = new Matcher({ hadRecentConversation });
      this.matchers.set(queue, matcher);
    }
    return matcher;
  }

  arrive(learner: Learner, now: number): Pairing[] {
    return this.place(learner, withMaxWait(learner.ticket, this.maxWaitSeconds), now);
  }

  private place(learner: Learner, ticket: Ticket, now: number): Pairing[] {
    this.waiting.set(ticket.id, { learner, ticket });
    const result = this.matcher(ticket.queue).add(ticket, now);
    return result === null ? [] : [this.pairing(result)];
  }

  private pairing(result: MatchResult): Pairing {
    const [older, newer] = result.tickets.map((ticket) => {
      const entry = this.waiting.get(ticket.id);
      if (entry === undefined) throw new Error(`parley matched ${ticket.id}, which is not waiting`);
      this.waiting.delete(ticket.id);
      return entry.learner;
    });
    if (older === undefined || newer === undefined) throw new Error("a match without two tickets");
    return { a: older, b: newer, stage: result.stage };
  }

  tick(now: number): PolicyStep {
    const pairs: Pairing[] = [];
    const expired: Learner[] = [];
    const suggested: Ticket[] = [];
    for (const [queue, matcher] of [...this.matchers].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const step = matcher.tick(now);
      for (const ticket of step.expired) {
        const entry = this.waiting.get(ticket.id);
        if (entry === undefined) throw new Error(`parley expired ${ticket.id}, which is not waiting`);
        this.waiting.delete(ticket.id);
        expired.push(entry.learner);
      }
      for (const match of step.matches) pairs.push(this.pairing(match));
      for (const { ticket, stage } of step.widened) {
        if (stage === "any_level" && ticket.sessionType === "tandem" && ticket.queue === queue) suggested.push(ticket);
      }
    }
    // match_suggestion accepted: the ticket moves to its practice queue, same arrival time and expiry.
    for (const ticket of suggested) {
      const entry = this.waiting.get(ticket.id);
      if (entry === undefined || this.matcher(ticket.queue).remove(ticket.id) === undefined) continue;
      this.movedToPractice += 1;
      const practice: Ticket = { ...ticket, sessionType: "practice", queue: ticket.targetLanguageCode };
      pairs.push(...this.place(entry.learner, practice, now));
    }
    return { pairs, expired };
  }

  /**
   * After a tick every ticket has been searched at its current stage, and stages only widen, so
   * no two waiting tickets of one queue may be compatible at their pair stage (DESIGN §4: the
   * stage of the longer wait). Throws naming the pair when two are.
   */
  afterTick(now: number): void {
    if (this.verify) this.verifyNothingLeft(now);
  }

  private verifyNothingLeft(now: number): void {
    const byQueue = new Map<string, Ticket[]>();
    for (const { ticket } of this.waiting.values()) {
      if (ticket.expiresAt > now) byQueue.set(ticket.queue, [...(byQueue.get(ticket.queue) ?? []), ticket]);
    }
    for (const tickets of byQueue.values()) {
      for (let i = 0; i < tickets.length; i += 1) {
        for (let j = i + 1; j < tickets.length; j += 1) {
          const [a, b] = [tickets[i], tickets[j]];
          if (a === undefined || b === undefined) continue;
          this.verifiedPairs += 1;
          const stage = pairStage(a, b, now);
          if (evaluatePair(a, b, stage, { hadRecentConversation }).compatible) {
            throw new Error(`${this.name}: ${a.id} and ${b.id} are compatible at ${stage} but both still wait at ${now - T0} ms`);
          }
        }
      }
    }
  }

  leave(learner: Learner): void {
    const entry = this.waiting.get(learner.ticket.id);
    if (entry === undefined) return;
    this.waiting.delete(learner.ticket.id);
    this.matcher(entry.ticket.queue).remove(learner.ticket.id);
  }
}

/** Seconds waited (requester) from which the seed's `calculateCompatibilityScore` accepts > 1 level apart. */
const SEED_ANY_LEVEL_SCORE_SECONDS = 60;

/**
 * `calculateCompatibilityScore(req1, req2, waitedSeconds)` of seed 002 §6.1, line for line:
 * level difference 0 → +50, 1 → +30, more → incompatible (0) while `waitedSeconds` < 60;
 * +30 when the two had no conversation in the last 7 days; +20 when `req1.preferredAccent` is
 * set and equals `req2.preferredAccent` (the seed compares the two *preferences*, not a
 * preference with an accent). No tandem or premium points: the seed's code has none.
 */
function seedCompatibilityScore(req1: Ticket, req2: Ticket, waitedSeconds: number): number {
  let score = 0;
  const levelDiff = Math.abs(cefrIndex(req1.level) - cefrIndex(req2.level));
  if (levelDiff === 0) score += 50;
  else if (levelDiff === 1) score += 30;
  else if (waitedSeconds < SEED_ANY_LEVEL_SCORE_SECONDS) return 0;
  const [first, second] = req1.userId < req2.userId ? [req1.userId, req2.userId] : [req2.userId, req1.userId];
  if (!hadRecentConversation(first, second)) score += 30;
  if (req1.preferredAccent !== undefined && req1.preferredAccent === req2.preferredAccent) score += 20;
  return score;
}

/**
 * `getMinScoreThreshold(waitedSeconds)`, which seed 002 §6.1 calls but does not define, read
 * from the stages of its text:
 * - 0–30 s "critères stricts (score ≥ 100)": 100 (the text's number);
 * - 30–60 s "élargir niveau": 50 — the text gives no number; 50 is the seed's own
 *   `MIN_COMPATIBILITY_SCORE` (§11), and lets a ±1 pair (30 + 30) through;
 * - 60–120 s "élargir topic (même catégorie)": 50 again (the stage widens the topic, not the score);
 * - > 120 s "any level": 1, i.e. any score > 0 — the floor the code's `score > bestScore`
 *   (from 0) imposes anyway.
 */
function seedMinScoreThreshold(waitedSeconds: number): number {
  if (waitedSeconds < 30) return 100;
  if (waitedSeconds < 120) return 50;
  return 1;
}

/** Seconds waited (requester) from which the seed's candidates include the topic's whole category (text, stage 3). */
const SEED_CATEGORY_SECONDS = 60;

/** Topic codes of each category, for the seed's 60–120 s stage. */
const TOPICS_BY_CATEGORY = new Map<string, string[]>();
for (const [topic] of TOPICS) TOPICS_BY_CATEGORY.set(topic.category, [...(TOPICS_BY_CATEGORY.get(topic.category) ?? []), topic.code]);

/**
 * Seed 002 §6.1 `findMatch` as written: candidates are the waiting requests of the same
 * `targetLanguageCode` and `topicCode` (the seed's Redis key `match_queue:<target>:<topic>`),
 * widened to the topics of the same category once the requester has waited 60 s (stage 3 of the
 * text; the code itself never widens the topic); each is scored by {@link seedCompatibilityScore}
 * with the **requester's** wait; the best score that reaches {@link seedMinScoreThreshold} wins,
 * ties FIFO. `preferredPartnerLevel`, premium and blocks play no part (the code ignores them);
 * tandem is impossible (same target language is mandatory, so nobody is reciprocal). Searched
 * on every arrival and, for every waiting request oldest first, on every tick.
 */
class SeedRulePolicy implements Policy {
  readonly name = "seed §6.1 rule";
  readonly maxWaitSeconds = DEFAULT_MAX_WAIT_SECONDS;
  /** Waiting tickets in arrival order (Map insertion order = createdAt order here). */
  private readonly waiting = new Map<string, { learner: Learner; ticket: Ticket }>();
  /** `target:topic` → waiting tickets, oldest first. */
  private readonly byTopic = new Map<string, Ticket[]>();

  arrive(learner: Learner, now: number): Pairing[] {
    const ticket = withMaxWait(learner.ticket, this.maxWaitSeconds);
    const partner = this.findMatch(ticket, now);
    if (partner !== undefined) return [{ a: this.take(partner.id), b: learner }];
    this.waiting.set(ticket.id, { learner, ticket });
    const key = `${ticket.targetLanguageCode}:${ticket.topicCode}`;
    const list = this.byTopic.get(key);
    if (list === undefined) this.byTopic.set(key, [ticket]);
    else list.push(ticket);
    return [];
  }

  private findMatch(request: Ticket, now: number): Ticket | undefined {
    const waited = (now - request.createdAt) / 1000;
    const threshold = seedMinScoreThreshold(waited);
    const topics = waited >= SEED_CATEGORY_SECONDS ? (TOPICS_BY_CATEGORY.get(request.topicCategory) ?? []) : [request.topicCode];
    let best: Ticket | undefined;
    let bestScore = 0;
    for (const topic of topics) {
      for (const candidate of this.byTopic.get(`${request.targetLanguageCode}:${topic}`) ?? []) {
        if (candidate.id === request.id || candidate.expiresAt <= now) continue;
        const score = seedCompatibilityScore(request, candidate, waited);
        if (score <= 0 || score < threshold) continue;
        if (score > bestScore || (score === bestScore && best !== undefined && candidate.createdAt < best.createdAt)) {
          best = candidate;
          bestScore = score;
        }
      }
    }
    return best;
  }

  /** Removes a waiting ticket; returns its learner. */
  private take(id: string): Learner {
    const entry = this.waiting.get(id);
    if (entry === undefined) throw new Error(`seed rule: ${id} is not waiting`);
    this.waiting.delete(id);
    const key = `${entry.ticket.targetLanguageCode}:${entry.ticket.topicCode}`;
    const list = this.byTopic.get(key) ?? [];
    list.splice(list.indexOf(entry.ticket), 1);
    return entry.learner;
  }

  tick(now: number): PolicyStep {
    const expired: Learner[] = [];
    for (const [id, { ticket }] of this.waiting) if (ticket.expiresAt <= now) expired.push(this.take(id));
    const pairs: Pairing[] = [];
    for (const [id, { ticket }] of [...this.waiting]) {
      if (!this.waiting.has(id)) continue; // taken by an older request in this tick
      const partner = this.findMatch(ticket, now);
      if (partner === undefined) continue;
      const partnerLearner = this.take(partner.id);
      pairs.push({ a: this.take(id), b: partnerLearner });
    }
    return { pairs, expired };
  }

  leave(learner: Learner): void {
    if (this.waiting.has(learner.ticket.id)) this.take(learner.ticket.id);
  }
}

/** The naive queue: the first two waiting learners of a target language are paired at once. */
class FifoPolicy implements Policy {
  readonly name = "FIFO any level";
  readonly maxWaitSeconds = DEFAULT_MAX_WAIT_SECONDS;
  /** target language → waiting learners, oldest first, with their expiry (epoch ms). */
  private readonly queues = new Map<string, { learner: Learner; expiresAt: number }[]>();

  arrive(learner: Learner, now: number): Pairing[] {
    const target = learner.ticket.targetLanguageCode;
    const queue = this.queues.get(target) ?? [];
    this.queues.set(target, queue);
    const index = queue.findIndex((entry) => entry.expiresAt > now);
    const partner = index < 0 ? undefined : queue.splice(index, 1)[0];
    if (partner !== undefined) return [{ a: partner.learner, b: learner }];
    queue.push({ learner, expiresAt: withMaxWait(learner.ticket, this.maxWaitSeconds).expiresAt });
    return [];
  }

  tick(now: number): PolicyStep {
    const expired: Learner[] = [];
    for (const [target, queue] of this.queues) {
      const kept = queue.filter((entry) => entry.expiresAt > now);
      for (const entry of queue) if (entry.expiresAt <= now) expired.push(entry.learner);
      this.queues.set(target, kept);
    }
    return { pairs: [], expired };
  }

  leave(learner: Learner): void {
    const queue = this.queues.get(learner.ticket.targetLanguageCode) ?? [];
    const index = queue.findIndex((entry) => entry.learner === learner);
    if (index >= 0) queue.splice(index, 1);
  }
}

/** The arrivals of one rate: 4 Poisson streams, merged in time order. */
function generateArrivals(rate: number): Learner[] {
  const learners: Learner[] = [];
  LANGUAGES.forEach((language, languageIndex) => {
    const random = mulberry32(Math.round(rate * 1000) * 16 + languageIndex);
    const natives = LANGUAGES.filter((other) => other !== language);
    let seconds = -WARMUP_SECONDS;
    for (let n = 0; ; n += 1) {
      seconds += exponential(1 / rate, random());
      if (seconds >= MEASURED_SECONDS + COOLDOWN_SECONDS) break;
      const createdAt = T0 + Math.round(seconds * 1000);
      const id = `${language}${n}`;
      const ticket = drawTicket(random, {
        id,
        userId: id,
        createdAt,
        maxWaitSeconds: DEFAULT_MAX_WAIT_SECONDS,
        targetLanguageCode: language,
        nativeLanguageCodes: natives,
        accents: ACCENTS[language],
      });
      const tandemCapable = random() < TANDEM_SHARE;
      const patienceSeconds = exponential(PATIENCE_MEAN_SECONDS, random());
      if (tandemCapable) {
        ticket.sessionType = "tandem";
        ticket.queue = queueFor(ticket);
        delete ticket.preferredPartnerNativeLanguageCode; // practice-only preference
      }
      learners.push({ ticket, tandemCapable, patienceSeconds, measured: seconds >= 0 && seconds < MEASURED_SECONDS });
    }
  });
  return learners.sort((x, y) => x.ticket.createdAt - y.ticket.createdAt || (x.ticket.id < y.ticket.id ? -1 : 1));
}

/** How one learner's wait ended. */
interface Outcome {
  kind: "matched" | "expired" | "gave_up";
  /** Epoch ms. */
  at: number;
  pair?: PairRecord;
}

interface PairRecord {
  /** Epoch ms. */
  at: number;
  levelDifference: number;
  /** Reciprocal pair (each one's native language is the other's target). */
  tandem: boolean;
  sameTopic: boolean;
  stage?: WideningStage;
}

interface RunRecord {
  outcomes: Map<Learner, Outcome>;
  pairs: PairRecord[];
  cpuSeconds: number;
}

/**
 * Runs one policy over the arrivals on the simulated clock: at equal instants, give-ups first,
 * then arrivals, then the tick. Throws when a policy pairs or expires a learner who is not
 * waiting (a bookkeeping bug of the policy or the simulator).
 */
function simulate(arrivals: readonly Learner[], policy: Policy): RunRecord {
  const waiting = new Set<Learner>();
  const outcomes = new Map<Learner, Outcome>();
  const pairs: PairRecord[] = [];
  const giveUps = new MinHeap<{ at: number; learner: Learner }>((x, y) => x.at - y.at);
  // CPU time of the process (user + system) inside the policy's calls: unlike wall time, not
  // inflated when other work on the machine takes the CPU away.
  let cpuMicros = 0;
  const timed = <T>(call: () => T): T => {
    const start = process.cpuUsage();
    const result = call();
    const used = process.cpuUsage(start);
    cpuMicros += used.user + used.system;
    return result;
  };
  const settle = (learner: Learner, outcome: Outcome): void => {
    if (!waiting.delete(learner)) throw new Error(`${policy.name}: ${learner.ticket.id} ended twice (${outcome.kind})`);
    outcomes.set(learner, outcome);
  };
  const record = (pairings: readonly Pairing[], now: number): void => {
    for (const { a, b, stage } of pairings) {
      const pair: PairRecord = {
        at: now,
        levelDifference: Math.abs(cefrIndex(a.ticket.level) - cefrIndex(b.ticket.level)),
        tandem:
          a.ticket.nativeLanguageCode === b.ticket.targetLanguageCode &&
          b.ticket.nativeLanguageCode === a.ticket.targetLanguageCode,
        sameTopic: a.ticket.topicCode === b.ticket.topicCode,
        stage,
      };
      pairs.push(pair);
      settle(a, { kind: "matched", at: now, pair });
      settle(b, { kind: "matched", at: now, pair });
    }
  };

  const first = arrivals[0];
  if (first === undefined) return { outcomes, pairs, cpuSeconds: 0 };
  let nextTick = Math.ceil(first.ticket.createdAt / TICK_MS) * TICK_MS;
  const drainedBy = (arrivals[arrivals.length - 1]?.ticket.createdAt ?? 0) + policy.maxWaitSeconds * 1000 + 10 * TICK_MS;
  let next = 0;
  while (next < arrivals.length || waiting.size > 0) {
    const arrival = arrivals[next];
    const nextArrival = arrival?.ticket.createdAt ?? Infinity;
    const nextGiveUp = giveUps.peek()?.at ?? Infinity;
    const now = Math.min(nextArrival, nextGiveUp, nextTick);
    if (nextGiveUp === now) {
      const learner = giveUps.pop()?.learner;
      if (learner !== undefined && waiting.has(learner)) {
        timed(() => policy.leave(learner, now));
        settle(learner, { kind: "gave_up", at: now });
      }
    } else if (arrival !== undefined && nextArrival === now) {
      next += 1;
      waiting.add(arrival);
      if (arrival.patienceSeconds < policy.maxWaitSeconds) {
        giveUps.push({ at: arrival.ticket.createdAt + Math.round(arrival.patienceSeconds * 1000), learner: arrival });
      }
      record(timed(() => policy.arrive(arrival, now)), now);
    } else {
      const step = timed(() => policy.tick(now));
      policy.afterTick?.(now);
      for (const learner of step.expired) settle(learner, { kind: "expired", at: now });
      record(step.pairs, now);
      nextTick += TICK_MS;
      if (now > drainedBy) break;
    }
  }
  if (waiting.size > 0) throw new Error(`${policy.name}: ${waiting.size} learners never left the queue`);
  return { outcomes, pairs, cpuSeconds: cpuMicros / 1e6 };
}

/** One row of the results table. */
interface Row {
  rate: number;
  policy: string;
  arrivals: number;
  within30: number;
  within60: number;
  within120: number;
  /** Matched within 60 s among learners matched by then or still waiting at 60 s. */
  within60StillWaiting: number;
  expired: number;
  gaveUp: number;
  pairs: number;
  meanLevelDifference: number;
  p95LevelDifference: number;
  overTwoApart: number;
  /** Reciprocal pairs among the matched tandem-capable learners. */
  tandem: number;
  /** Matched within 60 s among the learners who asked for practice only / were tandem-capable. */
  within60PracticeOnly: number;
  within60TandemCapable: number;
  sameTopic: number;
  matchesPerCpuSecond: number;
  /** Share of parley's pairs per stage. */
  stages?: Record<WideningStage, number>;
  /** Share of arrivals matched within s seconds, s = 0 … CDF_SECONDS. */
  cdf: number[];
  movedToPractice?: number;
}

function summarize(rate: number, policy: Policy, arrivals: readonly Learner[], run: RunRecord): Row {
  const measured = arrivals.filter((learner) => learner.measured);
  const waits: number[] = [];
  let expired = 0;
  let gaveUp = 0;
  let leftBefore60 = 0;
  let tandemCapableMatched = 0;
  let tandemMatched = 0;
  const within60 = { practice: 0, practiceOf: 0, tandem: 0, tandemOf: 0 };
  for (const learner of measured) {
    const outcome = run.outcomes.get(learner);
    if (outcome === undefined) throw new Error(`${policy.name}: no outcome for ${learner.ticket.id}`);
    const seconds = (outcome.at - learner.ticket.createdAt) / 1000;
    const fast = outcome.kind === "matched" && seconds <= 60 ? 1 : 0;
    if (learner.tandemCapable) {
      within60.tandem += fast;
      within60.tandemOf += 1;
    } else {
      within60.practice += fast;
      within60.practiceOf += 1;
    }
    if (outcome.kind === "matched") {
      waits.push(seconds);
      if (learner.tandemCapable) {
        tandemCapableMatched += 1;
        if (outcome.pair?.tandem === true) tandemMatched += 1;
      }
    } else {
      if (outcome.kind === "expired") expired += 1;
      else gaveUp += 1;
      if (seconds < 60) leftBefore60 += 1;
    }
  }
  waits.sort((x, y) => x - y);
  const matchedWithin = (seconds: number): number => {
    let count = 0;
    for (const wait of waits) {
      if (wait > seconds) break;
      count += 1;
    }
    return count;
  };
  const n = measured.length;
  const windowPairs = run.pairs.filter((pair) => pair.at >= T0 && pair.at < T0 + MEASURED_SECONDS * 1000);
  const differences = windowPairs.map((pair) => pair.levelDifference).sort((x, y) => x - y);
  const share = (count: number, of: number): number => (of === 0 ? Number.NaN : count / of);
  const row: Row = {
    rate,
    policy: policy.name,
    arrivals: n,
    within30: share(matchedWithin(30), n),
    within60: share(matchedWithin(60), n),
    within120: share(matchedWithin(120), n),
    within60StillWaiting: share(matchedWithin(60), n - leftBefore60),
    expired: share(expired, n),
    gaveUp: share(gaveUp, n),
    pairs: windowPairs.length,
    meanLevelDifference: share(
      differences.reduce((sum, d) => sum + d, 0),
      differences.length,
    ),
    p95LevelDifference: percentile(differences, 95),
    overTwoApart: share(differences.filter((d) => d > 2).length, differences.length),
    tandem: share(tandemMatched, tandemCapableMatched),
    within60PracticeOnly: share(within60.practice, within60.practiceOf),
    within60TandemCapable: share(within60.tandem, within60.tandemOf),
    sameTopic: share(windowPairs.filter((pair) => pair.sameTopic).length, windowPairs.length),
    matchesPerCpuSecond: run.pairs.length / run.cpuSeconds,
    cdf: Array.from({ length: CDF_SECONDS + 1 }, (_, s) => share(matchedWithin(s), n)),
  };
  if (policy instanceof ParleyPolicy) {
    const stages = Object.fromEntries(WIDENING_STAGES.map((stage) => [stage, 0])) as Record<WideningStage, number>;
    for (const pair of windowPairs) if (pair.stage !== undefined) stages[pair.stage] += 1;
    for (const stage of WIDENING_STAGES) stages[stage] = share(stages[stage], windowPairs.length);
    row.stages = stages;
    row.movedToPractice = policy.movedToPractice;
  }
  return row;
}

const percent = (value: number, digits = 1): string => (Number.isNaN(value) ? "n/a" : `${(value * 100).toFixed(digits)}%`);
const fixed = (value: number, digits = 2): string => (Number.isNaN(value) ? "n/a" : value.toFixed(digits));

function resultsTable(rows: readonly Row[]): string {
  return [
    "| learners/s per language | policy | arrivals | matched ≤ 30 s | ≤ 60 s | ≤ 120 s | ≤ 60 s among still waiting | expired | gave up | mean \\|Δlevel\\| | p95 \\|Δlevel\\| | pairs > 2 apart | tandem (of tandem-capable matched) | same topic | matches / CPU s |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows.map(
      (r) =>
        `| ${r.rate} | ${r.policy} | ${r.arrivals.toLocaleString("en-US")} | ${percent(r.within30)} | ${percent(r.within60)} | ${percent(r.within120)} | ${percent(r.within60StillWaiting)} | ${percent(r.expired)} | ${percent(r.gaveUp)} | ${fixed(r.meanLevelDifference)} | ${fixed(r.p95LevelDifference, 0)} | ${percent(r.overTwoApart)} | ${percent(r.tandem)} | ${percent(r.sameTopic)} | ${Math.round(r.matchesPerCpuSecond).toLocaleString("en-US")} |`,
    ),
  ].join("\n");
}

function splitTable(rows: readonly Row[]): string {
  return [
    "| learners/s per language | policy | matched ≤ 60 s: practice-only learners (70%) | tandem-capable learners (30%) |",
    "|---:|---|---:|---:|",
    ...rows.map((r) => `| ${r.rate} | ${r.policy} | ${percent(r.within60PracticeOnly)} | ${percent(r.within60TandemCapable)} |`),
  ].join("\n");
}

function stageTable(rows: readonly Row[]): string {
  const parley = rows.filter((r) => r.stages !== undefined);
  return [
    `| learners/s per language | policy | ${WIDENING_STAGES.join(" | ")} | tandem tickets moved to practice |`,
    `|---:|---|${WIDENING_STAGES.map(() => "---:").join("|")}|---:|`,
    ...parley.map(
      (r) =>
        `| ${r.rate} | ${r.policy} | ${WIDENING_STAGES.map((stage) => percent(r.stages?.[stage] ?? Number.NaN)).join(" | ")} | ${(r.movedToPractice ?? 0).toLocaleString("en-US")} |`,
    ),
  ].join("\n");
}

/** One target of issue 12 and how to read it. */
interface Target {
  label: string;
  value: (row: Row) => number;
  meets: (value: number) => boolean;
  /** +1 when higher is better, −1 when lower is. */
  direction: 1 | -1;
  format: (value: number) => string;
}

const TARGETS: readonly Target[] = [
  { label: "matched within 60 s, of all arrivals (≥ 95%)", value: (r) => r.within60, meets: (v) => v >= 0.95, direction: 1, format: (v) => percent(v) },
  { label: "… among learners still waiting at 60 s (≥ 95%)", value: (r) => r.within60StillWaiting, meets: (v) => v >= 0.95, direction: 1, format: (v) => percent(v) },
  { label: "mean \\|level difference\\| (≤ 0.3)", value: (r) => r.meanLevelDifference, meets: (v) => v <= 0.3, direction: -1, format: (v) => fixed(v) },
  { label: "pairs more than 2 levels apart (0%)", value: (r) => r.overTwoApart, meets: (v) => v === 0, direction: -1, format: (v) => percent(v, 2) },
  { label: "tandem among tandem-capable matched (≥ 80%)", value: (r) => r.tandem, meets: (v) => v >= 0.8, direction: 1, format: (v) => percent(v) },
];

function versus(target: Target, ours: number, theirs: number): string {
  if (ours === theirs) return "ties";
  return (ours - theirs) * target.direction > 0 ? "beats" : "loses";
}

function targetTable(rows: readonly Row[], parleyName: string, seedName: string, fifoName: string): string {
  const at = (policy: string): Row => {
    const row = rows.find((r) => r.rate === TARGET_RATE && r.policy === policy);
    if (row === undefined) throw new Error(`no row for ${policy}`);
    return row;
  };
  const [parley, seed, fifo] = [at(parleyName), at(seedName), at(fifoName)];
  return [
    `| target at ${TARGET_RATE} learner/s per language | parley | met? | seed §6.1 rule | vs seed | FIFO any level | vs FIFO |`,
    "|---|---:|---|---:|---|---:|---|",
    ...TARGETS.map((t) => {
      const [p, s, f] = [t.value(parley), t.value(seed), t.value(fifo)];
      return `| ${t.label} | ${t.format(p)} | ${t.meets(p) ? "yes" : "**no**"} | ${t.format(s)} | ${versus(t, p, s)} | ${t.format(f)} | ${versus(t, p, f)} |`;
    }),
  ].join("\n");
}

/** The time-to-match CDF per policy, one panel per rate, rendered to SVG without a browser. */
async function renderCdf(rows: readonly Row[], file: string): Promise<void> {
  const values = rows.flatMap((r) =>
    r.cdf.map((matched, seconds) => ({ rate: `${r.rate} learner/s`, policy: r.policy, seconds, matched })),
  );
  const spec: TopLevelSpec = {
    $schema: VEGA_LITE_SCHEMA,
    title: {
      text: "Time to match: share of all arrivals matched within t seconds",
      subtitle: `simulated hour per rate, 4 languages, patience exp(mean ${PATIENCE_MEAN_SECONDS} s); npm run bench:quality`,
    },
    data: { values },
    facet: {
      column: {
        field: "rate",
        type: "ordinal",
        sort: RATES.map((rate) => `${rate} learner/s`),
        title: "arrivals per language",
      },
    },
    spec: {
      width: 260,
      height: 220,
      mark: { type: "line", interpolate: "step-after", strokeWidth: 2 },
      encoding: {
        x: { field: "seconds", type: "quantitative", title: "seconds waited", scale: { domain: [0, CDF_SECONDS] }, axis: { values: [0, 30, 60, 90, 120, 150, 180] } },
        y: { field: "matched", type: "quantitative", title: "matched", scale: { domain: [0, 1] }, axis: { format: "%" } },
        color: { field: "policy", type: "nominal", title: "policy", legend: { orient: "bottom", labelLimit: 400, columns: 4 } },
      },
    },
  };
  await renderSvg(spec, file);
}

async function main(): Promise<void> {
  const started = Date.now();
  const rows: Row[] = [];
  const parleyName = "parley";
  const verify = process.argv.includes("--verify");
  let verifiedPairs = 0;
  const policiesFor = (checked: boolean): Policy[] => [
    new ParleyPolicy(parleyName, DEFAULT_MAX_WAIT_SECONDS, checked),
    new ParleyPolicy("parley, maxWait 180 s", 180, checked),
    new SeedRulePolicy(),
    new FifoPolicy(),
  ];
  // JIT warm-up, discarded: the first ~2,000 arrivals at 1/s, so that the first measured run
  // does not pay for compiling the code the later ones reuse (CPU column only).
  const warmup = generateArrivals(1).slice(0, 2000);
  for (const policy of policiesFor(false)) simulate(warmup, policy);
  for (const rate of RATES) {
    const arrivals = generateArrivals(rate);
    for (const policy of policiesFor(verify)) {
      const run = simulate(arrivals, policy);
      rows.push(summarize(rate, policy, arrivals, run));
      if (policy instanceof ParleyPolicy) verifiedPairs += policy.verifiedPairs;
      console.error(`${rate}/s ${policy.name}: ${run.pairs.length} pairs, ${run.cpuSeconds.toFixed(2)} s in the policy`);
    }
  }
  const svg = path.join(__dirname, "quality-cdf.svg");
  await renderCdf(rows, svg);
  const seconds = (Date.now() - started) / 1000;

  console.log("## Match quality\n");
  console.log(
    `node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPU (${cpus()[0]?.model ?? "?"}); total ${seconds.toFixed(1)} s\n`,
  );
  console.log(resultsTable(rows));
  console.log("\nWho waits (matched within 60 s, of each group's arrivals):\n");
  console.log(splitTable(rows));
  console.log("\nparley pairs by stage (the stage of the longer wait):\n");
  console.log(stageTable(rows));
  console.log("\nTargets (issue 12):\n");
  console.log(targetTable(rows, parleyName, new SeedRulePolicy().name, new FifoPolicy().name));
  if (verify) console.log(`\nVerified after every tick: no two waiting tickets could be paired (${verifiedPairs.toLocaleString("en-US")} pairs checked).`);
  console.log(`\nChart: ${path.relative(process.cwd(), svg)}`);
  console.log("\nReproduce: `npm run bench:quality` (seeded streams; only the CPU column varies with the machine)");
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

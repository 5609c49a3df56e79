import { randomUUID } from "node:crypto";
import type { Principal } from "../auth/principal.js";
import type { Config } from "../config/config.js";
import { ParleyError } from "../errors/errorCodes.js";
import { consumeOrThrow, type RateLimits } from "../limits/rateLimits.js";
import { assertStateNotBanned } from "../moderation/reports.js";
import { scheduledSlotOf } from "./scheduledSlots.js";
import { assertCanSchedule, QUOTA_WINDOW_MS, weeklyQuota } from "../session/quotas.js";
import type { MatchRequestRecord } from "../store/records.js";
import type { Store } from "../store/repositories.js";
import type { CefrLevel } from "../topics/cefr.js";
import { assertTopicAccessible, topicAccess } from "../topics/topicAccess.js";
import { topicLearnerOf } from "../topics/topicLearner.js";
import type { TopicCatalog } from "../topics/topicCatalog.js";
import type { MatchRequestBody } from "./matchRequestOptions.js";
import { queueFor } from "./queueName.js";
import type { Ticket } from "./ticket.js";

/** Ports used to admit a ticket. */
export interface AdmissionPorts {
  config: Config;
  store: Store;
  catalog: TopicCatalog;
  rateLimits: RateLimits;
}

/** A ticket ready to enter a queue, with what the matcher needs to know about its user. */
export interface AdmittedTicket {
  record: MatchRequestRecord;
  ticket: Ticket;
  /** Users never to be paired with this one (blocks in either direction). */
  blockedPeers: string[];
  /** Users this one talked with in the last 7 days (score component, DESIGN §4). */
  recentPartners: string[];
}

/** The recent-partner window (DESIGN §4): the same 7 days as the quota window, so one read serves both. */
const RECENT_WINDOW_MS = QUOTA_WINDOW_MS;

/** The learner's level in `language`: from the token, else the `currentLevel` option (DESIGN §4). */
function levelFor(principal: Principal, language: string, currentLevel: CefrLevel | undefined): CefrLevel {
  const fromToken = principal.levels[language];
  if (fromToken && currentLevel && currentLevel !== fromToken) {
    throw new ParleyError("INVALID_REQUEST", `currentLevel is only accepted when the token has no level for "${language}"`);
  }
  const level = fromToken ?? currentLevel;
  if (!level) throw new ParleyError("INVALID_REQUEST", `no level for "${language}": pass currentLevel`);
  return level;
}

/**
 * Checks every rule a new ticket must pass (DESIGN §4 hard rules, §6 quotas) and builds it.
 * Nothing is written. `expectedQueue` is the queue of the room the ticket will live in (its
 * `filterBy` value); `now` is epoch milliseconds.
 * A scheduled ticket (`mode: "scheduled"`) expires at its slot and keeps its holder (name,
 * avatar, tier) for a reload.
 * @throws ParleyError `INVALID_REQUEST` (wrong queue, no level, tandem without a distinct
 *   native language, a `scheduledFor` that is not a slot within 7 days), `TOPIC_NOT_FOUND`,
 *   `TOPIC_LOCKED`, `PREMIUM_REQUIRED`, `DAILY_LIMIT_REACHED`, `BANNED` (a moderator's ban runs),
 *   `ALREADY_IN_SESSION`, `RATE_LIMITED`. A ticket of the user pending elsewhere is refused
 *   when this one is stored (`matchRequests.create`: `ALREADY_MATCHED`), not here.
 * Reads (issue 11 §4): the moderation state, the user's session activity of the last 7 days
 * and their blocks, at once; acquired skills only for a topic the token leaves locked.
 */
export async function admitTicket(
  ports: AdmissionPorts,
  principal: Principal,
  body: MatchRequestBody,
  expectedQueue: string | undefined,
  now: number,
): Promise<AdmittedTicket> {
  const queue = queueFor({ sessionType: body.sessionType, targetLanguageCode: body.targetLanguageCode, nativeLanguageCode: principal.nativeLanguageCode });
  if (expectedQueue !== undefined && expectedQueue !== queue) {
    throw new ParleyError("INVALID_REQUEST", `queue must be "${queue}" for these options`);
  }
  const level = levelFor(principal, body.targetLanguageCode, body.currentLevel);
  const topic = ports.catalog.get(body.targetLanguageCode, body.topicCode);
  if (!topic || !topic.isActive) throw new ParleyError("TOPIC_NOT_FOUND", `no topic "${body.topicCode}" in "${body.targetLanguageCode}"`);
  // The acquired skills are read only when the token's own skills leave the topic locked.
  if (!topicAccess(topic, { tier: principal.tier, skills: principal.skills }).unlocked) assertTopicAccessible(topic, await topicLearnerOf(principal, ports.store.learnerSkills));
  const scheduledFor = body.scheduledFor ? Date.parse(body.scheduledFor) : undefined;
  assertCanSchedule({ tier: principal.tier, mode: body.mode, scheduledFor, now });
  // Scheduled (DESIGN §4): a quarter-hour slot; the ticket waits until the slot starts.
  const slot = body.mode === "scheduled" ? scheduledSlotOf({ tier: principal.tier, scheduledFor, now }) : undefined;

  // Every other read at once, one round trip each (issue 11 §4), checked below in the order
  // of the rules.
  const { store, config } = ports;
  // No read for a ticket pending elsewhere: storing this one refuses it (`ALREADY_MATCHED`,
  // the store's one-pending-ticket-per-user rule), which a read could not make race-free anyway.
  const [moderation, activity, blockedPeers] = await Promise.all([
    store.moderation.userState(principal.userId),
    // The quota window is also the recent-partner window (RECENT_WINDOW_MS).
    store.sessions.activitySince(principal.userId, new Date(now - QUOTA_WINDOW_MS)),
    store.moderation.blockedPeers(principal.userId),
  ]);
  assertStateNotBanned(moderation, now);
  await consumeOrThrow(ports.rateLimits.matchRequests, principal.userId, "match requests");
  if (activity.inLiveSession) throw new ParleyError("ALREADY_IN_SESSION", "you are already in a live session");
  weeklyQuota({ tier: principal.tier, conversationsInWindow: activity.countedSince, limit: config.quotas.freeTierWeeklyLimit });
  const recentPartners = activity.partnersSince;
  const maxWait = body.maxWaitTimeSeconds ?? config.matching.timeoutSeconds;
  const record: MatchRequestRecord = {
    id: randomUUID(),
    userId: principal.userId,
    queue,
    sessionType: body.sessionType,
    targetLanguageCode: body.targetLanguageCode,
    nativeLanguageCode: principal.nativeLanguageCode,
    currentLevel: level,
    preferredPartnerLevel: body.preferredPartnerLevel,
    preferredPartnerNativeLanguageCode: body.preferredPartnerNativeLanguageCode,
    topicCode: body.topicCode,
    preferredAccent: body.preferredAccent,
    mode: body.mode,
    ...(slot !== undefined ? { scheduledFor: new Date(slot), holder: { displayName: principal.displayName, ...(principal.avatarUrl ? { avatarUrl: principal.avatarUrl } : {}), tier: principal.tier } } : {}),
    maxWaitTimeSeconds: maxWait,
    recordingConsent: body.recordingConsent,
    status: "pending",
    createdAt: new Date(now),
    expiresAt: new Date(slot ?? now + maxWait * 1000),
  };
  return { record, ticket: ticketOf(record, topic.category, principal.tier === "premium", principal.accent), blockedPeers, recentPartners };
}

/** The matcher's ticket of a stored request. */
function ticketOf(record: MatchRequestRecord, topicCategory: Ticket["topicCategory"], premium: boolean, accent: string | undefined): Ticket {
  return {
    id: record.id,
    userId: record.userId,
    queue: record.queue,
    sessionType: record.sessionType,
    targetLanguageCode: record.targetLanguageCode,
    nativeLanguageCode: record.nativeLanguageCode,
    level: record.currentLevel,
    topicCode: record.topicCode,
    topicCategory,
    preferredPartnerLevel: record.preferredPartnerLevel,
    preferredPartnerNativeLanguageCode: record.preferredPartnerNativeLanguageCode,
    preferredAccent: record.preferredAccent,
    accent,
    premium,
    createdAt: record.createdAt.getTime(),
    expiresAt: record.expiresAt.getTime(),
  };
}

/**
 * The pending scheduled tickets of `queue`, as stored, for a (re)created queue room (DESIGN §4
 * "scheduled tickets survive a restart"): each with its blocks and recent partners read again
 * (at `now`, epoch ms) and its holder. A ticket whose topic is gone is left out (the cleanup job
 * expires it at its slot). The token's `accent` is not kept: a reloaded ticket has none.
 */
export async function reloadScheduledTickets(ports: Pick<AdmissionPorts, "store" | "catalog">, queue: string, now: number): Promise<{ admitted: AdmittedTicket; holder: { userId: string; displayName: string; avatarUrl?: string; tier: "free" | "premium" } }[]> {
  const reloaded = [];
  for (const record of await ports.store.matchRequests.listPendingScheduled(queue)) {
    const topic = ports.catalog.get(record.targetLanguageCode, record.topicCode);
    if (!topic) continue;
    const [blockedPeers, recentPartners] = await Promise.all([ports.store.moderation.blockedPeers(record.userId), ports.store.sessions.partnersSince(record.userId, new Date(now - RECENT_WINDOW_MS))]);
    const tier = record.holder?.tier ?? "premium";
    reloaded.push({
      admitted: { record, ticket: ticketOf(record, topic.category, tier === "premium", undefined), blockedPeers, recentPartners },
      holder: { userId: record.userId, displayName: record.holder?.displayName ?? record.userId, ...(record.holder?.avatarUrl ? { avatarUrl: record.holder.avatarUrl } : {}), tier },
    });
  }
  return reloaded;
}

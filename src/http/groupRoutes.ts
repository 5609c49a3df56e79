import { matchMaker } from "@colyseus/core";
import { Router } from "express";
import { randomUUID } from "node:crypto";
import type { Principal } from "../auth/principal.js";
import { ParleyError } from "../errors/errorCodes.js";
import { defaultGroupTopic, newInviteCode } from "../groups/groupRules.js";
import { assertNotBanned } from "../moderation/reports.js";
import { assertCanSchedule, QUOTA_WINDOW_MS, weeklyQuota } from "../session/quotas.js";
import type { ParticipantRecord, SessionRecord } from "../store/records.js";
import type { GroupListPosition } from "../store/repositories.js";
import type { CefrLevel } from "../topics/cefr.js";
import type { Topic } from "../topics/topic.js";
import { assertTopicAccessible } from "../topics/topicAccess.js";
import { topicLearnerOf } from "../topics/topicLearner.js";
import { principalOf } from "./authMiddleware.js";
import type { HttpDeps } from "./httpDeps.js";
import { parseOrThrow } from "./httpErrors.js";
import { DEFAULT_PAGE_LIMIT, emptySchema, groupCreateBodySchema, groupListQuerySchema, joinByCodeBodySchema } from "./requestSchemas.js";
import { LIVE_STATUSES, type SessionJoiner } from "./sessionJoin.js";
import { groupListItemView } from "./sessionViews.js";

/** How many invite codes `POST /sessions` draws before giving up (a clash is ~1 in 10¹¹ per live code). */
const INVITE_CODE_ATTEMPTS = 5;

/** The `cursor` of `GET /sessions`: base64url of `[createdAt epoch ms, id]` of a page's last group. */
function encodeCursor(position: GroupListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.getTime(), position.id])).toString("base64url");
}

/** @throws ParleyError `INVALID_REQUEST` for a cursor {@link encodeCursor} did not make. */
function decodeCursor(cursor: string): GroupListPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (Number.isSafeInteger(at) && typeof id === "string" && id.length > 0 && id.length <= 64) return { createdAt: new Date(at as number), id };
  } catch {
    // Not base64url JSON: refused below.
  }
  throw new ParleyError("INVALID_REQUEST", "query: cursor: not a cursor of this list (use nextCursor as given)");
}

/** The learner's level in `language`, from the token. @throws ParleyError `INVALID_REQUEST` */
function levelOf(principal: Principal, language: string): CefrLevel {
  const level = principal.levels[language];
  if (!level) throw new ParleyError("INVALID_REQUEST", `your profile has no level in "${language}"; a group needs one`);
  return level;
}

/** A group participant record for `principal` (stats start at zero). */
function participantOf(principal: Principal, language: string, role: "host" | "participant"): ParticipantRecord {
  return {
    userId: principal.userId,
    displayName: principal.displayName,
    ...(principal.avatarUrl ? { avatarUrl: principal.avatarUrl } : {}),
    nativeLanguageCode: principal.nativeLanguageCode,
    targetLanguageCode: language,
    level: levelOf(principal, language),
    role,
    tier: principal.tier,
    recordingConsent: false,
    spokenSeconds: 0,
    turnCount: 0,
  };
}

/**
 * Group sessions over REST (seed 000, DESIGN §7), mounted under `/api/conversations` by
 * `conversationRoutes`; `POST /sessions/:id/join` of a public group goes through
 * {@link GroupRoutes.seatNewcomer} there.
 *
 * - `POST /sessions` `{ type, targetLanguageCode, topicCode?, minParticipants? (2–6, default 2),
 *   maxParticipants? (2–6, default 6), scheduledStartAt? }` — 201 with the join body: the
 *   creator is the host and gets a seat reservation; a private group has an `inviteCode`.
 *   Without `topicCode` the group gets the most popular topic the host may open at their
 *   level. `INVALID_REQUEST` (bad body, min > max, no level in the language, schedule in the
 *   past or > 7 days ahead), `TOPIC_NOT_FOUND`, `TOPIC_LOCKED`, `PREMIUM_REQUIRED` (free tier
 *   scheduling), `DAILY_LIMIT_REACHED`, `BANNED`, `ALREADY_IN_SESSION`, `ALREADY_MATCHED` (a ticket is
 *   pending), `RATE_LIMITED`, `NOT_READY` (503: its room could not be opened).
 * - `GET /sessions?type=public&status=waiting|active&targetLanguageCode=&limit=&cursor=` —
 *   `{ sessions, nextCursor? }`, oldest first; private groups are never listed.
 * - `POST /sessions/join-by-code` `{ inviteCode }` — the join body. `INVALID_REQUEST`
 *   (malformed code), `SESSION_NOT_FOUND` (no group has it), `SESSION_NOT_ACTIVE`,
 *   `SESSION_FULL` (409), `FORBIDDEN` (a blocked pair with a member), and the quota, ban and
 *   topic rules of a match request.
 */
export interface GroupRoutes {
  router: Router;
  /**
   * Seats a newcomer in a live group after every rule of a join (seed 000, DESIGN §6 quotas,
   * §7 blocks): a level in the group's language, topic access, no other live session, no
   * pending ticket, the weekly quota, no block with a seated member, a free seat. Someone
   * seated already passes straight through; a moderator's ban refuses them.
   * @returns the session with the newcomer seated
   * @throws ParleyError `INVALID_REQUEST`, `TOPIC_LOCKED`, `BANNED`, `ALREADY_IN_SESSION`,
   *   `ALREADY_MATCHED`, `DAILY_LIMIT_REACHED`, `FORBIDDEN`, `SESSION_FULL`, `SESSION_NOT_ACTIVE`
   */
  seatNewcomer(session: SessionRecord, principal: Principal): Promise<SessionRecord>;
}

/** Builds the group routes of one HTTP app. */
export function groupRoutes(deps: HttpDeps, joiner: SessionJoiner): GroupRoutes {
  const { store, catalog, config } = deps;
  const router = Router();

  /** The rules every way into a new conversation shares (DESIGN §4 hard rules, §6 quotas, §7 bans). */
  async function assertFreeToTalk(principal: Principal, sessionId: string | undefined, now: number): Promise<void> {
    await assertNotBanned(store.moderation, principal.userId, now);
    const live = await store.sessions.liveByUser(principal.userId);
    if (live && live.id !== sessionId) throw new ParleyError("ALREADY_IN_SESSION", "you are already in a live session");
    if (await store.matchRequests.pendingByUser(principal.userId)) throw new ParleyError("ALREADY_MATCHED", "cancel your pending match request first");
    const counted = await store.sessions.countCountedSince(principal.userId, new Date(now - QUOTA_WINDOW_MS));
    weeklyQuota({ tier: principal.tier, conversationsInWindow: counted, limit: config.quotas.freeTierWeeklyLimit });
  }

  async function seatNewcomer(session: SessionRecord, principal: Principal): Promise<SessionRecord> {
    if (session.participants.some((p) => p.userId === principal.userId && !p.leftAt)) return session;
    if (!LIVE_STATUSES.has(session.status)) throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${session.status}`);
    const participant = participantOf(principal, session.targetLanguageCode, "participant");
    const topic = catalog.get(session.targetLanguageCode, session.topicCode);
    if (topic) assertTopicAccessible(topic, await topicLearnerOf(principal, store.learnerSkills));
    await assertFreeToTalk(principal, session.id, deps.now());
    const blocked = new Set(await store.moderation.blockedPeers(principal.userId));
    if (session.participants.some((p) => !p.leftAt && blocked.has(p.userId))) {
      throw new ParleyError("FORBIDDEN", "you cannot join this group");
    }
    return store.sessions.addGroupParticipant(session.id, { ...participant, joinedAt: new Date(deps.now()) });
  }

  /** The topic of a new group: the one asked for, or the default for the host. */
  async function topicFor(principal: Principal, language: string, code: string | undefined): Promise<Topic> {
    const learner = await topicLearnerOf(principal, store.learnerSkills);
    if (code === undefined) {
      const chosen = defaultGroupTopic(catalog.list({ targetLanguageCode: language }), levelOf(principal, language), learner);
      if (!chosen) throw new ParleyError("TOPIC_NOT_FOUND", `no topic open to you in "${language}"`);
      return chosen;
    }
    const topic = catalog.get(language, code);
    if (!topic || !topic.isActive) throw new ParleyError("TOPIC_NOT_FOUND", `no topic "${code}" in "${language}"`);
    assertTopicAccessible(topic, learner);
    return topic;
  }

  /** Inserts the group, drawing a new invite code when one is taken. */
  async function insertGroup(record: SessionRecord): Promise<SessionRecord> {
    for (let attempt = 1; ; attempt++) {
      const candidate = record.type === "private" ? { ...record, inviteCode: newInviteCode() } : record;
      try {
        await store.sessions.create(candidate);
        return candidate;
      } catch (err) {
        if (!(err instanceof ParleyError && err.code === "INVITE_CODE_TAKEN") || attempt >= INVITE_CODE_ATTEMPTS) throw err;
        deps.logger.warn({ sessionId: record.id, attempt }, "invite code taken; drawing another");
      }
    }
  }

  router.post("/sessions", async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const body = parseOrThrow(groupCreateBodySchema, req.body, "body");
    const principal = principalOf(res);
    const now = deps.now();
    const language = body.targetLanguageCode;
    const host = participantOf(principal, language, "host");
    const topic = await topicFor(principal, language, body.topicCode);
    const scheduledFor = body.scheduledStartAt === undefined ? undefined : Date.parse(body.scheduledStartAt);
    assertCanSchedule({ tier: principal.tier, mode: scheduledFor === undefined ? "now" : "scheduled", scheduledFor, now });
    await assertFreeToTalk(principal, undefined, now);
    const session = await insertGroup({
      id: randomUUID(),
      sessionType: "group",
      type: body.type,
      targetLanguageCode: language,
      topicCode: topic.code,
      targetLevel: host.level,
      status: "waiting",
      participants: [{ ...host, joinedAt: new Date(now) }],
      prompts: [],
      matchRequestIds: [],
      hostUserId: principal.userId,
      minParticipants: body.minParticipants,
      maxParticipants: body.maxParticipants,
      ...(scheduledFor === undefined ? {} : { scheduledStartAt: new Date(scheduledFor) }),
      createdAt: new Date(now),
      updatedAt: new Date(now),
      durationSeconds: 0,
      ratings: [],
    });
    try {
      await matchMaker.createRoom("conversation", { sessionId: session.id });
    } catch (err) {
      deps.logger.error({ err, sessionId: session.id }, "could not open a group's room");
      await store.sessions.transition(session.id, ["waiting"], { status: "expired", endedAt: new Date(deps.now()), endReason: "error" });
      throw new ParleyError("NOT_READY", "the group could not be opened; try again");
    }
    res.status(201).json(await joiner.join(session, principal));
  });

  router.get("/sessions", async (req, res) => {
    const query = parseOrThrow(groupListQuerySchema, req.query, "query");
    const limit = query.limit ?? DEFAULT_PAGE_LIMIT;
    const found = await store.sessions.listPublicGroups({
      status: query.status ?? "waiting",
      ...(query.targetLanguageCode ? { targetLanguageCode: query.targetLanguageCode } : {}),
      limit: limit + 1,
      ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
    });
    const sessions = found.slice(0, limit);
    const last = sessions[sessions.length - 1];
    res.json({
      sessions: sessions.map((s) => groupListItemView(s, catalog.get(s.targetLanguageCode, s.topicCode))),
      ...(found.length > limit && last ? { nextCursor: encodeCursor(last) } : {}),
    });
  });

  router.post("/sessions/join-by-code", async (req, res) => {
    parseOrThrow(emptySchema, req.query, "query");
    const { inviteCode } = parseOrThrow(joinByCodeBodySchema, req.body, "body");
    const principal = principalOf(res);
    const session = await store.sessions.findByInviteCode(inviteCode);
    if (!session) throw new ParleyError("SESSION_NOT_FOUND", "no group has this invite code");
    res.json(await joiner.join(session, principal, (s) => seatNewcomer(s, principal)));
  });

  return { router, seatNewcomer };
}

import { matchMaker } from "@colyseus/core";
import type { Principal } from "../auth/principal.js";
import { iceServersFor } from "../auth/turnCredentials.js";
import { ParleyError, isParleyError } from "../errors/errorCodes.js";
import { assertBudgetLeft } from "../limits/rateLimits.js";
import type { SessionRecord } from "../store/records.js";
import type { HttpDeps } from "./httpDeps.js";
import type { RoomCalls, RoomListing } from "./roomCalls.js";
import { joinView } from "./sessionViews.js";

/** Statuses in which a session is live (its `conversation` room runs it). */
export const LIVE_STATUSES: ReadonlySet<SessionRecord["status"]> = new Set(["waiting", "active"]);

/**
 * How long `join`/`leave`/`end` wait for a `waiting` session's room to appear, in ms: the
 * matchmaking room stores the match before it creates the conversation room.
 */
export const ROOM_APPEAR_TIMEOUT_MS = 2000;

/** The body of a successful join (see `joinView`). */
export type JoinBody = ReturnType<typeof joinView>;

/** What a seat reservation carries to the room: a group newcomer's recording consent (seed 002 §6.4). */
export interface SeatOptions {
  recordingConsent?: boolean;
}

/** The seat-reservation step shared by every way into a session (DESIGN §7). */
export interface SessionJoiner {
  /** The `conversation` room of a live session, waiting briefly for a fresh one to appear. */
  liveRoomOf(session: SessionRecord): Promise<RoomListing | undefined>;
  /**
   * Reserves a seat in the session's room for a participant and shapes the join body
   * (`reservation` + `webrtcConfig.iceServers` with TURN credentials). `beforeSeat` runs
   * after the join rate limit and before the reservation (a group seats a newcomer there) and
   * returns the session to answer with.
   * @throws ParleyError `RATE_LIMITED`, `SESSION_NOT_ACTIVE` (ended, or its room is not
   *   running), `ALREADY_IN_SESSION` (no free seat: already connected or a reservation
   *   pending), or what `beforeSeat` throws
   */
  join(session: SessionRecord, principal: Principal, beforeSeat?: (session: SessionRecord) => Promise<SessionRecord>, options?: SeatOptions): Promise<JoinBody>;
}

/** Builds the {@link SessionJoiner} of one HTTP app. */
export function createSessionJoiner(deps: HttpDeps, rooms: RoomCalls): SessionJoiner {
  const liveRoomOf = (session: SessionRecord) => rooms.awaitConversationRoom(session.id, session.status === "waiting" ? ROOM_APPEAR_TIMEOUT_MS : 0);
  return {
    liveRoomOf,
    async join(initial, principal, beforeSeat, options = {}) {
      if (!LIVE_STATUSES.has(initial.status)) throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${initial.status}`);
      // The room consumes the join's point when the seat is used (every path counts there once).
      await assertBudgetLeft(deps.rateLimits.sessionJoins, principal.userId, "session joins");
      const session = beforeSeat ? await beforeSeat(initial) : initial;
      const room = await liveRoomOf(session);
      if (!room) throw new ParleyError("SESSION_NOT_ACTIVE", "the session's room is not running");
      let reservation: unknown;
      try {
        reservation = await matchMaker.reserveSeatFor(room, options.recordingConsent !== undefined ? { recordingConsent: options.recordingConsent } : {}, principal);
      } catch (err) {
        if (isParleyError(err)) throw err;
        deps.logger.info({ err, sessionId: session.id, userId: principal.userId }, "seat reservation refused");
        throw new ParleyError("ALREADY_IN_SESSION", "no free seat in this session: already connected, or a reservation is pending");
      }
      const topic = deps.catalog.get(session.targetLanguageCode, session.topicCode);
      return joinView(session, topic, iceServersFor(deps.config.webrtc, principal.userId, deps.now()), reservation);
    },
  };
}

import { matchMaker } from "@colyseus/core";
import type { Logger } from "pino";
import { z } from "zod";
import type { ConversationRoom } from "../../rooms/ConversationRoom.js";
import type { TicketHolderAddress } from "../../rooms/gatewayDelivery.js";
import type { QueueRoom } from "../../rooms/QueueRoom.js";
import type { Principal } from "../auth/principal.js";
import { ParleyError, errorFromBody, isParleyError, type ErrorCode } from "../errors/errorCodes.js";
import type { MatchRequestBody } from "../matchmaking/matchRequestOptions.js";
import { matchRequestViewSchema, ROOM_NAMES, type MatchRequestView } from "../protocol/index.js";

/** A room listing of the matchmaker (driver cache entry). */
export type RoomListing = Awaited<ReturnType<typeof matchMaker.query>>[number];

/** How long REST waits for a room to answer a remote call, in ms. */
export const ROOM_CALL_TIMEOUT_MS = 5000;

const roomErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), retryAfterSeconds: z.number().int().positive().optional() }) });
const okSchema = z.object({ ok: z.literal(true) });

/** The 201 body of `POST /match-request` (seed 002 §3.2), as returned by the queue actor. */
export type { MatchRequestView };

/**
 * What the REST layer and the `matchmaking` gateways ask the rooms (DESIGN §1: "a room is the
 * only writer of its live state; everything else asks the room"), through
 * `matchMaker.remoteRoomCall`, which crosses processes.
 * Every answer is validated, a room's `{ error }` becomes its ParleyError, and a room that does
 * not answer becomes a 503.
 */
export interface RoomCalls {
  /** The listed `queue` actor of `queue`, if any. */
  findQueueRoom(queue: string): Promise<RoomListing | undefined>;
  /**
   * The `queue` actor of `queue`, created when there is none (creations of one queue are
   * serialised within this process; across processes its `roomId` keeps one).
   * @throws ParleyError `MATCHING_UNAVAILABLE` when it cannot be created.
   */
  queueRoomFor(queue: string): Promise<RoomListing>;
  /** The listed `conversation` room of a session (`roomId` = `sessionId`), if any. */
  findConversationRoom(sessionId: string): Promise<RoomListing | undefined>;
  /**
   * Waits up to `timeoutMs` for the session's conversation room to be listed: the queue actor
   * persists a match before it creates the room, so a fast client can see `matched` first.
   */
  awaitConversationRoom(sessionId: string, timeoutMs: number): Promise<RoomListing | undefined>;
  /**
   * `QueueRoom.addRemoteTicket`: from REST (no `holder`), or from a gateway (`holder` = where its
   * client waits for the ticket's messages).
   * @throws the room's ParleyError (`ALREADY_MATCHED`, `TOPIC_LOCKED`, …), or
   *   `MATCHING_UNAVAILABLE` when the room does not answer.
   */
  addTicket(roomId: string, principal: Principal, body: MatchRequestBody, holder?: TicketHolderAddress): Promise<MatchRequestView>;
  /**
   * A ticket into the `queue` actor of `queue` ({@link RoomCalls.queueRoomFor}, then
   * {@link RoomCalls.addTicket}). When the actor does not answer and is no longer the listed
   * one — it disposed, or was re-created, between being found and being called — the ticket
   * goes once more to the current actor (a call to a gone actor reached nobody).
   * @throws as {@link RoomCalls.addTicket}
   */
  admitToQueue(queue: string, principal: Principal, body: MatchRequestBody, holder?: TicketHolderAddress): Promise<MatchRequestView>;
  /**
   * `QueueRoom.releaseHeldTicket`: a gateway's client cancelled or left.
   * @returns whether the ticket was waiting there for that client
   * @throws ParleyError `MATCHING_UNAVAILABLE` when the room does not answer.
   */
  releaseTicket(roomId: string, ticketId: string, sessionId: string, why: "cancel" | "leave"): Promise<boolean>;
  /**
   * `QueueRoom.cancelRemoteTicket`. @returns false when the ticket is not waiting there.
   * @throws ParleyError `MATCHING_UNAVAILABLE` when the room does not answer, `INTERNAL_ERROR`
   *   when the room could not store the cancel.
   */
  cancelTicket(roomId: string, userId: string, ticketId: string): Promise<boolean>;
  /**
   * `ConversationRoom.endByUser`.
   * @throws the room's ParleyError (`SESSION_NOT_ACTIVE`, `NOT_A_PARTICIPANT`, `FORBIDDEN`), or
   *   `NOT_READY` (503) when the room does not answer.
   */
  endSession(sessionId: string, userId: string, asAdmin: boolean): Promise<void>;
  /**
   * `ConversationRoom.leaveByUser`.
   * @throws the room's ParleyError, or `NOT_READY` (503) when the room does not answer.
   */
  leaveSession(sessionId: string, userId: string): Promise<void>;
}

/** How long one probe of a room waits for its answer before it is sent again, in ms. */
export const ROOM_PROBE_INTERVAL_MS = 250;
/** How many rooms this process remembers as answering (oldest forgotten first). */
const ANSWERING_ROOMS_REMEMBERED = 10_000;

/** `matchMaker.remoteRoomCall`: `(roomId, method, args, timeoutMs)`; rejects when no answer comes in time. */
export type RemoteRoomCall = (roomId: string, method: string, args: unknown[] | undefined, timeoutMs: number) => Promise<unknown>;

/** Tuning of {@link createRoomCalls}. */
export interface RoomCallOptions {
  /** How long a room has to answer a remote call, in ms. @default ROOM_CALL_TIMEOUT_MS */
  timeoutMs?: number;
  /** The transport of remote calls. @default matchMaker.remoteRoomCall */
  remoteRoomCall?: RemoteRoomCall;
  /** The listed `queue` actor of a queue. @default a `matchMaker.query` */
  listQueueRoom?: (queue: string) => Promise<RoomListing | undefined>;
}

/** When a listing was created, in epoch ms: what tells two rooms of one `roomId` apart. */
function createdAtMs(listing: RoomListing): number {
  return new Date(listing.createdAt ?? 0).getTime();
}

const colyseusRemoteRoomCall: RemoteRoomCall = (roomId, method, args, timeoutMs) =>
  matchMaker.remoteRoomCall<QueueRoom & ConversationRoom>(roomId, method as keyof (QueueRoom & ConversationRoom), args, timeoutMs);

/** Builds the {@link RoomCalls} of one HTTP app. */
export function createRoomCalls(logger: Logger, options: RoomCallOptions = {}): RoomCalls {
  const timeoutMs = options.timeoutMs ?? ROOM_CALL_TIMEOUT_MS;
  const remote = options.remoteRoomCall ?? colyseusRemoteRoomCall;
  const creating = new Map<string, Promise<RoomListing>>();
  const answering = new Set<string>();

  /**
   * Resolves once the room answers a read-only probe. A room is listed by the driver before it
   * subscribes to its call channel (Colyseus 0.18 `handleCreateRoom`), so a call published in
   * between reaches nobody: a mutating call sent then would wait out its whole timeout. The
   * probe is only a read, so sending it again is harmless; a room that answered once is
   * remembered and costs no probe afterwards.
   */
  async function reachable(roomId: string): Promise<boolean> {
    if (answering.has(roomId)) return true;
    const deadline = Date.now() + timeoutMs;
    do {
      try {
        await remote(roomId, "roomId", undefined, Math.min(ROOM_PROBE_INTERVAL_MS, Math.max(1, deadline - Date.now())));
        if (answering.size >= ANSWERING_ROOMS_REMEMBERED) answering.delete(answering.values().next().value as string);
        answering.add(roomId);
        return true;
      } catch {
        // not subscribed yet, gone, or busy: probe again until the deadline
      }
    } while (Date.now() < deadline);
    return false;
  }

  async function call(roomId: string, method: string, args: unknown[], unavailable: ErrorCode, what: string): Promise<unknown> {
    try {
      if (!(await reachable(roomId))) throw new Error(`room ${roomId} did not answer a probe within ${timeoutMs} ms`);
      return await remote(roomId, method, args, timeoutMs);
    } catch (err) {
      if (isParleyError(err)) throw err;
      answering.delete(roomId);
      logger.warn({ err, roomId, method }, "remote room call failed");
      throw new ParleyError(unavailable, `${what} did not answer; try again`);
    }
  }

  function unexpected(roomId: string, method: string, result: unknown, unavailable: ErrorCode): ParleyError {
    logger.error({ roomId, method, result }, "unexpected answer from a room");
    return new ParleyError(unavailable, "unexpected answer from the room");
  }

  const findQueueRoom =
    options.listQueueRoom ??
    (async (queue: string): Promise<RoomListing | undefined> => {
      const rooms = await matchMaker.query({ name: ROOM_NAMES.queue, queue } as Record<string, unknown>);
      return rooms[0];
    });

  async function findConversationRoom(sessionId: string): Promise<RoomListing | undefined> {
    const room = (await matchMaker.getRoomById(sessionId)) as RoomListing | undefined;
    return room && room.name === ROOM_NAMES.conversation ? room : undefined;
  }

  const calls: RoomCalls = {
    findQueueRoom,
    findConversationRoom,

    async queueRoomFor(queue) {
      const found = await findQueueRoom(queue);
      if (found) return found;
      let pending = creating.get(queue);
      if (!pending) {
        pending = (async () => {
          const again = await findQueueRoom(queue);
          if (again) return again;
          try {
            return await matchMaker.createRoom(ROOM_NAMES.queue, { queue });
          } catch (err) {
            logger.error({ err, queue }, "could not create a queue room");
            throw new ParleyError("MATCHING_UNAVAILABLE", "matchmaking is unavailable; try again");
          }
        })().finally(() => creating.delete(queue));
        creating.set(queue, pending);
      }
      return pending;
    },

    async awaitConversationRoom(sessionId, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const room = await findConversationRoom(sessionId);
        if (room || Date.now() >= deadline) return room;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },

    async addTicket(roomId, principal, body, holder) {
      const result = await call(roomId, "addRemoteTicket", holder ? [principal, body, holder] : [principal, body], "MATCHING_UNAVAILABLE", "the matchmaking queue");
      const failed = roomErrorSchema.safeParse(result);
      if (failed.success) throw errorFromBody(failed.data.error);
      const view = matchRequestViewSchema.safeParse(result);
      if (!view.success) throw unexpected(roomId, "addRemoteTicket", result, "MATCHING_UNAVAILABLE");
      return view.data;
    },

    async admitToQueue(queue, principal, body, holder) {
      const actor = await calls.queueRoomFor(queue);
      try {
        return await calls.addTicket(actor.roomId, principal, body, holder);
      } catch (err) {
        if (!isParleyError(err) || err.code !== "MATCHING_UNAVAILABLE") throw err;
        const listed = await findQueueRoom(queue);
        if (listed && listed.roomId === actor.roomId && createdAtMs(listed) === createdAtMs(actor)) throw err;
        logger.info({ queue, roomId: actor.roomId }, "the queue actor was replaced while called: the ticket goes to the current one");
        return calls.addTicket((await calls.queueRoomFor(queue)).roomId, principal, body, holder);
      }
    },

    async releaseTicket(roomId, ticketId, sessionId, why) {
      const result = await call(roomId, "releaseHeldTicket", [ticketId, sessionId, why], "MATCHING_UNAVAILABLE", "the matchmaking queue");
      if (typeof result !== "boolean") throw unexpected(roomId, "releaseHeldTicket", result, "MATCHING_UNAVAILABLE");
      return result;
    },

    async cancelTicket(roomId, userId, ticketId) {
      const result = await call(roomId, "cancelRemoteTicket", [userId, ticketId], "MATCHING_UNAVAILABLE", "the matchmaking queue");
      const failed = roomErrorSchema.safeParse(result);
      if (failed.success) throw errorFromBody(failed.data.error);
      if (typeof result !== "boolean") throw unexpected(roomId, "cancelRemoteTicket", result, "MATCHING_UNAVAILABLE");
      return result;
    },

    async endSession(sessionId, userId, asAdmin) {
      const result = await call(sessionId, "endByUser", [userId, asAdmin], "NOT_READY", "the session's room");
      const failed = roomErrorSchema.safeParse(result);
      if (failed.success) throw errorFromBody(failed.data.error);
      if (!okSchema.safeParse(result).success) throw unexpected(sessionId, "endByUser", result, "NOT_READY");
    },

    async leaveSession(sessionId, userId) {
      const result = await call(sessionId, "leaveByUser", [userId], "NOT_READY", "the session's room");
      const failed = roomErrorSchema.safeParse(result);
      if (failed.success) throw errorFromBody(failed.data.error);
      if (!okSchema.safeParse(result).success) throw unexpected(sessionId, "leaveByUser", result, "NOT_READY");
    },
  };
  return calls;
}

import { ParleyError } from "../errors/errorCodes.js";
import type { ParticipantRecord, SessionRecord } from "./records.js";

/** What {@link seatInGroup} decided. */
export type SeatDecision =
  /** The user is seated already: nothing to write. */
  | { kind: "present" }
  /** Write these participants (the user added, or seated again after leaving). */
  | { kind: "seat"; participants: ParticipantRecord[] };

/**
 * The seat rule of a group (seed 000 `maxParticipants`, DESIGN §7 "a full group is 409
 * `SESSION_FULL`"), shared by both store implementations so it has one home: a live group
 * seats a user while fewer than `maxParticipants` participants are seated (no `leftAt`).
 * A user seated already needs nothing; one who left gets their entry back (`leftAt` cleared).
 * @throws ParleyError `SESSION_NOT_ACTIVE` when `session` is not a live (`waiting`/`active`)
 *   group, `SESSION_FULL` when no seat is left
 */
export function seatInGroup(session: SessionRecord, participant: ParticipantRecord): SeatDecision {
  if (session.sessionType !== "group" || session.maxParticipants === undefined) {
    throw new ParleyError("SESSION_NOT_ACTIVE", "only a group session takes new participants");
  }
  if (session.status !== "waiting" && session.status !== "active") throw new ParleyError("SESSION_NOT_ACTIVE", `the session is ${session.status}`);
  const existing = session.participants.find((p) => p.userId === participant.userId);
  if (existing && !existing.leftAt) return { kind: "present" };
  const seated = session.participants.filter((p) => !p.leftAt).length;
  if (seated >= session.maxParticipants) {
    throw new ParleyError("SESSION_FULL", `the group is full (${session.maxParticipants} participants)`);
  }
  const participants = existing
    ? session.participants.map((p) => (p.userId === participant.userId ? { ...p, leftAt: undefined } : p))
    : [...session.participants, participant];
  return { kind: "seat", participants: participants.map(({ leftAt, ...rest }) => (leftAt ? { ...rest, leftAt } : rest)) };
}

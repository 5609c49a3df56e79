import { ParleyError } from "../errors/errorCodes.js";
import type { SessionType } from "./ticket.js";

/** What decides a ticket's queue (DESIGN §4 "Queues"). */
export interface QueueKey {
  /** Defaults to `"practice"` when omitted, as in the join options. */
  sessionType?: SessionType;
  targetLanguageCode: string;
  nativeLanguageCode: string;
}

/**
 * The name of the matchmaking queue (one `matchmaking` room, `filterBy(["queue"])`) a request
 * belongs to (DESIGN §4 "Queues"; seed 002 §1.1):
 * - practice → the target language, e.g. `"en"`;
 * - tandem → the two languages sorted and joined by `+`, e.g. native fr learning en → `"en+fr"`
 *   (the reciprocal partner, native en learning fr, lands in the same queue).
 *
 * Language codes are compared as given (callers normalise case).
 * @throws ParleyError `INVALID_REQUEST` for a tandem request whose target equals its native
 *   language, or an empty language code.
 */
export function queueFor(key: QueueKey): string {
  const { targetLanguageCode: target, nativeLanguageCode: native } = key;
  if (target.length === 0) {
    throw new ParleyError("INVALID_REQUEST", "targetLanguageCode must not be empty");
  }
  if ((key.sessionType ?? "practice") === "practice") return target;
  if (native.length === 0) {
    throw new ParleyError("INVALID_REQUEST", "nativeLanguageCode must not be empty for a tandem request");
  }
  if (target === native) {
    throw new ParleyError(
      "INVALID_REQUEST",
      `a tandem request needs a target language different from the native one (both "${target}")`,
    );
  }
  return [target, native].sort().join("+");
}

/**
 * The `roomId` of a queue's `matchmaking` room: one queue → one room id, so that two processes
 * creating the room of one queue at the same moment are refused by the driver's atomic insert
 * but one (DESIGN §1, §4). Queue names are language codes joined by `+`, so `-` is unambiguous.
 */
export function queueRoomId(queue: string): string {
  return `queue-${queue.replaceAll("+", "-")}`;
}

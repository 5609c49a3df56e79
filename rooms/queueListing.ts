import type { RoomListing } from "../src/http/roomCalls.js";

/** A queue actor's listing metadata: its queue, waiting tickets, and those per native language (for `match_suggestion`). */
export interface QueueMetadata {
  queue: string;
  waiting: number;
  waitingByNative?: Record<string, number>;
}

/**
 * How many tickets wait in the listed queue actors `rooms` (DESIGN §4 `match_suggestion`): all
 * of them, or only those of native speakers of `nativeLanguageCode` when it is set.
 */
export function waitingIn(rooms: readonly RoomListing[], nativeLanguageCode: string | undefined): number {
  return rooms.reduce((n, r) => {
    const metadata = r.metadata as QueueMetadata | undefined;
    if (nativeLanguageCode !== undefined) return n + (metadata?.waitingByNative?.[nativeLanguageCode] ?? 0);
    return n + Number(metadata?.waiting ?? 0);
  }, 0);
}

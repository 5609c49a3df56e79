/**
 * The names of parley's Colyseus rooms (DESIGN §1): what `defineServer` registers, what
 * `joinOrCreate`/`matchMaker.createRoom`/`matchMaker.query` name, on the server and in clients.
 */
export const ROOM_NAMES = {
  /** One per queue (`filterBy(["queue"])`), DESIGN §4. */
  matchmaking: "matchmaking",
  /** One per conversation session, pair or group; `roomId` = `sessionId`, DESIGN §5. */
  conversation: "conversation",
} as const;

/** One of {@link ROOM_NAMES}. */
export type RoomName = (typeof ROOM_NAMES)[keyof typeof ROOM_NAMES];

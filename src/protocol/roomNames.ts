/**
 * The names of parley's Colyseus rooms (DESIGN §1): what `defineServer` registers, what
 * `joinOrCreate`/`matchMaker.createRoom`/`matchMaker.query` name, on the server and in clients.
 */
export const ROOM_NAMES = {
  /**
   * Where an SDK learner waits for a match (DESIGN §4, §5): one gateway per queue *and process*
   * (`filterBy(["queue", "gateway"])`, `gateway` = the process that took the matchmake request),
   * so a busy queue's sockets spread over the processes. Its tickets live in the `queue` actor.
   */
  matchmaking: "matchmaking",
  /**
   * The queue actor (DESIGN §1, §4): one per queue across processes (`roomId` = `queue-<queue>`),
   * holding every waiting ticket of the queue (SDK and REST); it has no clients.
   */
  queue: "queue",
  /** One per conversation session, pair or group; `roomId` = `sessionId`, DESIGN §5. */
  conversation: "conversation",
  /** One per persistent chat channel, lounge or DM (`filterBy(["channelId"])`), DESIGN §5. */
  lounge: "lounge",
} as const;

/** One of {@link ROOM_NAMES}. */
export type RoomName = (typeof ROOM_NAMES)[keyof typeof ROOM_NAMES];

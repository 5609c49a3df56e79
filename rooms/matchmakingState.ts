import { Schema, type } from "@colyseus/schema";

/** Synced state of a `matchmaking` gateway: its queue (set once; the waiting tickets live in the `queue` actor). */
export class MatchmakingState extends Schema {
  @type("string") queue = "";
}

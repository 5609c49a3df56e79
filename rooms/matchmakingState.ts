import { Schema, type } from "@colyseus/schema";

/** Synced state of a `matchmaking` room: its queue and how many tickets wait in it. */
export class MatchmakingState extends Schema {
  @type("string") queue = "";
  @type("uint32") waiting = 0;
}

import { MapSchema, Schema, type } from "@colyseus/schema";

/** A member with at least one socket in the room (DESIGN §5 lounge "members online"). */
export class OnlineMemberState extends Schema {
  @type("string") userId = "";
  @type("string") displayName = "";
  @type("string") avatarUrl = "";
}

/** Synced state of a `lounge` room: the channel, its slow mode (seconds, 0 = off) and who is online. */
export class LoungeState extends Schema {
  @type("string") channelId = "";
  @type("string") kind = "";
  @type("uint16") slowModeSeconds = 0;
  @type({ map: OnlineMemberState }) online = new MapSchema<OnlineMemberState>();
}

import type { Store } from "../store/repositories.js";
import { assertChannelAccess, parseChannelId, type ChannelAddress, type ChannelCaller, type DmFacts } from "./channelIds.js";

/** Sessions of a user read to find a completed conversation with the DM partner. */
const SESSIONS_SCANNED = 1000;

/**
 * The store facts a DM's access rule needs (issue 9): whether the two users completed a
 * conversation together, and whether either blocked the other.
 */
export async function dmFacts(store: Store, userId: string, partnerId: string): Promise<DmFacts> {
  const [blockedPeers, completed] = await Promise.all([
    store.moderation.blockedPeers(userId),
    store.sessions.listByUser({ userId, statuses: ["completed"], limit: SESSIONS_SCANNED, offset: 0 }),
  ]);
  return {
    blocked: blockedPeers.includes(partnerId),
    completedTogether: completed.items.some((s) => s.participants.some((p) => p.userId === partnerId)),
  };
}

/**
 * Parses `channelId` and checks that `caller` may read and write it (lounge: the language is
 * theirs; DM: one of the two, with a completed conversation together and no block).
 * @returns the parsed address
 * @throws ParleyError `INVALID_REQUEST` (not a channel id), `FORBIDDEN`
 */
export async function authorizeChannel(store: Store, channelId: unknown, caller: ChannelCaller): Promise<ChannelAddress> {
  const address = parseChannelId(channelId);
  if (address.kind === "lounge") {
    assertChannelAccess(address, caller);
    return address;
  }
  const partner = address.userIds.find((u) => u !== caller.userId);
  const facts = address.userIds.includes(caller.userId) && partner ? await dmFacts(store, caller.userId, partner) : undefined;
  assertChannelAccess(address, caller, facts);
  return address;
}

import { ParleyError } from "../errors/errorCodes.js";

/** A parsed channel id (DESIGN §5): a lounge per language, a DM per pair of users (ids sorted). */
export type ChannelAddress = { kind: "lounge"; languageCode: string } | { kind: "dm"; userIds: [string, string] };

const LANGUAGE = /^[a-z]{2,3}$/;
/** A user id inside a DM id: no `:` (the separator), 1–128 characters. */
const DM_USER = /^[^:\s]{1,128}$/;

/** `lounge:<lang>`, e.g. `lounge:en`. */
export function loungeChannelId(languageCode: string): string {
  return `lounge:${languageCode}`;
}

/**
 * `dm:<a>:<b>` with the two user ids sorted, so both users name the same channel.
 * @throws ParleyError `INVALID_REQUEST` for a DM with oneself or an id containing `:`
 */
export function dmChannelId(userA: string, userB: string): string {
  if (userA === userB) throw new ParleyError("INVALID_REQUEST", "a direct message needs two different users");
  if (!DM_USER.test(userA) || !DM_USER.test(userB)) throw new ParleyError("INVALID_REQUEST", "user ids of a direct message cannot contain ':' or spaces");
  const [a, b] = [userA, userB].sort();
  return `dm:${a}:${b}`;
}

/**
 * Parses a lounge or DM channel id.
 * @throws ParleyError `INVALID_REQUEST` for anything else (including a DM id whose ids are not sorted)
 */
export function parseChannelId(channelId: unknown): ChannelAddress {
  if (typeof channelId !== "string" || channelId.length > 300) throw new ParleyError("INVALID_REQUEST", "channelId: lounge:<lang> or dm:<userA>:<userB> expected");
  const parts = channelId.split(":");
  if (parts[0] === "lounge" && parts.length === 2 && LANGUAGE.test(parts[1] ?? "")) return { kind: "lounge", languageCode: parts[1] as string };
  if (parts[0] === "dm" && parts.length === 3) {
    const [, a = "", b = ""] = parts;
    if (DM_USER.test(a) && DM_USER.test(b) && a < b) return { kind: "dm", userIds: [a, b] };
  }
  throw new ParleyError("INVALID_REQUEST", "channelId: lounge:<lang> or dm:<userA>:<userB> (ids sorted) expected");
}

/** What {@link assertChannelAccess} needs to know about the caller. */
export interface ChannelCaller {
  userId: string;
  nativeLanguageCode: string;
  /** Languages the learner studies (token `levels`). */
  levels: Partial<Record<string, unknown>>;
  roles: readonly string[];
}

/** Facts about a DM pair that only the store knows. */
export interface DmFacts {
  /** The two users completed a conversation together. */
  completedTogether: boolean;
  /** One of them blocked the other (DESIGN §7 reports). */
  blocked: boolean;
}

/** True for moderators and admins (they moderate every lounge). */
export function isModerator(caller: Pick<ChannelCaller, "roles">): boolean {
  return caller.roles.includes("moderator") || caller.roles.includes("admin");
}

/**
 * The access rules of issue 9 / DESIGN §5: a lounge admits any learner with that language in
 * `levels` or as native language, and moderators; a DM admits only its two users, when they
 * completed a conversation together and neither blocked the other.
 * @param dm the pair's facts; required for a DM
 * @throws ParleyError `FORBIDDEN` naming the rule that refused
 */
export function assertChannelAccess(address: ChannelAddress, caller: ChannelCaller, dm?: DmFacts): void {
  if (address.kind === "lounge") {
    const lang = address.languageCode;
    if (caller.nativeLanguageCode === lang || caller.levels[lang] !== undefined || isModerator(caller)) return;
    throw new ParleyError("FORBIDDEN", `the ${lang} lounge is for learners and native speakers of ${lang}`);
  }
  if (!address.userIds.includes(caller.userId)) throw new ParleyError("FORBIDDEN", "this direct message belongs to two other users");
  if (dm?.blocked) throw new ParleyError("FORBIDDEN", "direct messages between these users are blocked");
  if (!dm?.completedTogether) throw new ParleyError("FORBIDDEN", "direct messages open after a completed conversation together");
}

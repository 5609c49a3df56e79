import { ParleyError } from "../errors/errorCodes.js";
import { REACTION_EMOJIS, type ReactionEmoji } from "./chatRecords.js";

/** Longest message text, in characters (code points) after normalization (DESIGN §5). */
export const MAX_CHAT_TEXT_CHARS = 2000;
/** Longest correction note, in characters (DESIGN §5 `chat_correct`). */
export const MAX_CORRECTION_NOTE_CHARS = 300;

/** Control characters (C0, DEL, C1) other than the newline, and lone surrogates. */
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARS = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]|\p{Cs}/u;

/**
 * A message text as stored (issue 9): Unicode NFC, `\r\n` and `\r` turned into `\n`, trimmed,
 * 1–`max` characters (code points), no control character but the newline.
 * @param what the field named in the error, e.g. `text`
 * @throws ParleyError `INVALID_REQUEST` (empty, too long, control characters)
 */
export function normalizeChatText(raw: string, what = "text", max = MAX_CHAT_TEXT_CHARS): string {
  const text = raw.replace(/\r\n?/g, "\n").normalize("NFC").trim();
  if (text.length === 0) throw new ParleyError("INVALID_REQUEST", `${what}: must not be empty`);
  const chars = [...text].length;
  if (chars > max) throw new ParleyError("INVALID_REQUEST", `${what}: at most ${max} characters (got ${chars})`);
  if (FORBIDDEN_CHARS.test(text)) throw new ParleyError("INVALID_REQUEST", `${what}: control characters are not allowed (newlines are)`);
  return text;
}

/** True when `emoji` is one of the reaction set of DESIGN §5. */
export function isReactionEmoji(emoji: string): emoji is ReactionEmoji {
  return (REACTION_EMOJIS as readonly string[]).includes(emoji);
}

/** A member mentions can name: `@displayName` or `@userId`. */
export interface MentionableMember {
  userId: string;
  displayName: string;
}

/** Characters that may end a mention (anything that is not a letter, digit, `_`, `-` or `.` followed by one). */
const WORD_CHAR = /[\p{L}\p{N}_-]/u;

/**
 * The members `text` mentions (seed 003 `metadata.mentions`): `@` followed by a member's display
 * name or user id, case-insensitively, not followed by a letter, digit, `_` or `-` (so `@Ann`
 * does not mention "Anna"). Display names may contain spaces. The longest name wins at each `@`.
 * @returns user ids in order of first mention, without duplicates (the author may be among them)
 */
export function resolveMentions(text: string, members: Iterable<MentionableMember>): string[] {
  const names: { key: string; userId: string }[] = [];
  for (const m of members) {
    names.push({ key: m.displayName.normalize("NFC").toLocaleLowerCase(), userId: m.userId });
    names.push({ key: m.userId.toLocaleLowerCase(), userId: m.userId });
  }
  names.sort((a, b) => b.key.length - a.key.length);
  const lower = text.toLocaleLowerCase();
  const found: string[] = [];
  for (let at = lower.indexOf("@"); at !== -1; at = lower.indexOf("@", at + 1)) {
    for (const { key, userId } of names) {
      if (key.length === 0 || !lower.startsWith(key, at + 1)) continue;
      const next = lower.slice(at + 1 + key.length).match(/^./u)?.[0];
      if (next !== undefined && WORD_CHAR.test(next)) continue;
      if (!found.includes(userId)) found.push(userId);
      break;
    }
  }
  return found;
}

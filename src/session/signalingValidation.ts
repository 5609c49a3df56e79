import { parse, type SessionDescription } from "sdp-transform";
import { z } from "zod";
import { ParleyError } from "../errors/errorCodes.js";
import { FixedWindowBudget } from "./messageBudget.js";

/** Largest SDP accepted in `offer`/`answer`, in UTF-8 **bytes** (DESIGN §5, seed 002 §8.3): 10 KiB. */
export const MAX_SDP_BYTES = 10 * 1024;

/** Largest ICE `candidate` string accepted, in UTF-8 **bytes** (DESIGN §5). */
export const MAX_ICE_CANDIDATE_BYTES = 1024;

/** ICE candidates accepted per participant per session (DESIGN §5, seed 002 §8.3). */
export const MAX_ICE_CANDIDATES_PER_PARTICIPANT = 50;

/** Control characters (Unicode Cc) other than TAB, LF and CR. */
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/u; // eslint-disable-line no-control-regex
/** An SDP line: `<one lowercase letter>=<value>` (RFC 8866 §5). */
const SDP_LINE = /^[a-z]=/;

function invalidSdp(why: string): ParleyError {
  // `why` never contains any part of the SDP itself (DESIGN §5: nothing of the SDP is logged).
  return new ParleyError("INVALID_SDP", `invalid SDP: ${why}`);
}

/**
 * Validates the `sdp` of an `offer`/`answer` before it is relayed (DESIGN §5 signaling rules,
 * seed 002 §8.3). The SDP is never copied into an error message.
 *
 * Accepted: a string of at most {@link MAX_SDP_BYTES} UTF-8 bytes, without control characters
 * other than `\r\n`/`\n` line ends and `\t`, whose first line is `v=0`, whose every non-empty line has the
 * `x=value` form, and which `sdp-transform` parses into a description with version 0, an origin
 * (`o=`), a name (`s=`), a timing (`t=`) and at least one well-formed media section (`m=`).
 *
 * @throws ParleyError `INVALID_SDP` when not a string or malformed; `SDP_TOO_LARGE` when over the size.
 */
export function validateSdp(sdp: unknown): void {
  if (typeof sdp !== "string") throw invalidSdp("not a string");
  if (sdp.length > MAX_SDP_BYTES || Buffer.byteLength(sdp, "utf8") > MAX_SDP_BYTES) {
    throw new ParleyError("SDP_TOO_LARGE", `SDP larger than ${MAX_SDP_BYTES} bytes`);
  }
  if (FORBIDDEN_CONTROL.test(sdp) || /\r(?!\n)/.test(sdp)) throw invalidSdp("control characters");
  const lines = sdp.split(/\r\n|\n/);
  if (lines[0] !== "v=0") throw invalidSdp("must start with v=0");
  if (!lines.every((line) => line === "" || SDP_LINE.test(line))) throw invalidSdp("malformed line");

  let parsed: Partial<SessionDescription>;
  try {
    parsed = parse(sdp);
  } catch {
    throw invalidSdp("unparsable");
  }
  if (parsed.version !== 0) throw invalidSdp("version must be 0");
  if (typeof parsed.origin !== "object" || parsed.origin === null) throw invalidSdp("missing or malformed o= line");
  if (typeof parsed.name !== "string") throw invalidSdp("missing s= line");
  if (typeof parsed.timing !== "object" || parsed.timing === null) throw invalidSdp("missing or malformed t= line");
  const media = parsed.media ?? [];
  if (media.length === 0) throw invalidSdp("no m= section");
  const wellFormed = media.every(
    (m) => typeof m.type === "string" && m.type !== "" && m.port !== undefined && typeof m.protocol === "string" && m.protocol !== "",
  );
  if (!wellFormed) throw invalidSdp("malformed m= line");
}

const noControl = (value: string): boolean => !FORBIDDEN_CONTROL.test(value) && !/[\r\n\t]/.test(value);

/**
 * zod schema of an `RTCIceCandidateInit` (W3C WebRTC §4.8.1) as relayed by `ice_candidate`.
 * Strict (unknown keys refused). `candidate` is `""` (end-of-candidates) or starts with
 * `candidate:` (RFC 8839 §5.1), ≤ {@link MAX_ICE_CANDIDATE_BYTES} bytes, no control characters;
 * a non-empty candidate needs `sdpMid` or `sdpMLineIndex` (as `addIceCandidate` does).
 */
export const iceCandidateSchema = z
  .strictObject({
    candidate: z
      .string()
      .refine((c) => Buffer.byteLength(c, "utf8") <= MAX_ICE_CANDIDATE_BYTES, "candidate too long")
      .refine(noControl, "control characters")
      .refine((c) => c === "" || c.startsWith("candidate:"), "must start with candidate:"),
    sdpMid: z.string().max(256).refine(noControl, "control characters").nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(65535).nullable().optional(),
    usernameFragment: z.string().max(256).refine(noControl, "control characters").nullable().optional(),
  })
  .refine(
    (c) => c.candidate === "" || (c.sdpMid ?? null) !== null || (c.sdpMLineIndex ?? null) !== null,
    "sdpMid or sdpMLineIndex is required",
  );

/** A validated `RTCIceCandidateInit` (output of {@link iceCandidateSchema}). */
export type IceCandidateInit = z.infer<typeof iceCandidateSchema>;

/**
 * Validates an ICE candidate of `ice_candidate` (DESIGN §5) against {@link iceCandidateSchema}.
 * @returns the candidate, typed, with only the known fields.
 * @throws ParleyError `INVALID_REQUEST` (the message names the failing field, never its value).
 */
export function validateIceCandidate(candidate: unknown): IceCandidateInit {
  const result = iceCandidateSchema.safeParse(candidate);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? "candidate" : issue.path.join(".");
    throw new ParleyError("INVALID_REQUEST", `invalid ICE candidate: ${where}: ${issue?.message ?? "invalid"}`);
  }
  return result.data;
}

/**
 * Counts ICE candidates per participant for one session: at most `max` (DESIGN §5 "ICE candidates
 * ≤ 50 per participant per session"; seed 002 §8.3). End-of-candidates messages count too.
 * One instance per session (the room owns it).
 */
export class IceCandidateBudget {
  private readonly used = new Map<string, number>();

  /** @param max candidates per participant. @default 50 */
  constructor(readonly max: number = MAX_ICE_CANDIDATES_PER_PARTICIPANT) {}

  /**
   * Takes one candidate from `userId`'s budget.
   * @returns how many remain after this one.
   * @throws ParleyError `RATE_LIMITED` when the budget is spent (a refused one is not counted).
   */
  consume(userId: string): number {
    const count = this.used.get(userId) ?? 0;
    if (count >= this.max) {
      throw new ParleyError("RATE_LIMITED", `at most ${this.max} ICE candidates per participant per session`);
    }
    this.used.set(userId, count + 1);
    return this.max - count - 1;
  }

  /** Candidates left for `userId`. */
  remaining(userId: string): number {
    return this.max - (this.used.get(userId) ?? 0);
  }
}

/**
 * Signaling messages per pair of participants in a fixed one-minute window (DESIGN §5 "≤ 100
 * signaling messages per minute per pair"; a group of N has N(N−1)/2 budgets). Pure: `now` in
 * epoch ms. One instance per session (the conversation core owns it).
 */
export class PairSignalingBudget {
  private readonly budget: FixedWindowBudget;

  /** @param max messages per pair per window. @param windowMs window length in ms. */
  constructor(
    readonly max: number = 100,
    readonly windowMs: number = 60_000,
  ) {
    this.budget = new FixedWindowBudget(max, windowMs, `at most ${max} signaling messages per minute per pair of participants`);
  }

  /**
   * Takes one message from the budget of the pair {`a`, `b`} (either direction).
   * @throws ParleyError `RATE_LIMITED` with `retryAfterSeconds` when spent (not counted).
   */
  consume(a: string, b: string, now: number): void {
    this.budget.consume(a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`, now);
  }
}

/**
 * The one table of error codes shared by REST and rooms (DESIGN §5, §7; seed 002 §3.3).
 * Each code maps to exactly one HTTP status; rooms send `{ code, message }` with the same code,
 * and join errors become `ServerError(status, "CODE: detail")`.
 */
export const ERROR_CODES = {
  INVALID_REQUEST: 400,
  SDP_TOO_LARGE: 400,
  INVALID_SDP: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_A_PARTICIPANT: 403,
  TOPIC_LOCKED: 403,
  DAILY_LIMIT_REACHED: 403,
  PREMIUM_REQUIRED: 403,
  SESSION_NOT_FOUND: 404,
  NOT_FOUND: 404,
  MATCH_REQUEST_NOT_FOUND: 404,
  TOPIC_NOT_FOUND: 404,
  ALREADY_IN_SESSION: 409,
  ALREADY_MATCHED: 409,
  SESSION_NOT_ACTIVE: 409,
  ALREADY_RATED: 409,
  SESSION_FULL: 409,
  MATCH_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_RATING: 422,
  RATING_WINDOW_CLOSED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  MATCHING_UNAVAILABLE: 503,
  NOT_READY: 503,
} as const;

/** A code of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The error every domain module, repository and handler throws for an expected failure.
 * `status` is derived from the code; `retryAfterSeconds` is set for `RATE_LIMITED`.
 */
export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message: string, options: { retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = "ParleyError";
    this.code = code;
    this.status = ERROR_CODES[code];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** True when `err` is a {@link ParleyError}. */
export function isParleyError(err: unknown): err is ParleyError {
  return err instanceof ParleyError;
}

/**
 * The JSON form of a {@link ParleyError} that crosses a process boundary (the answer of a
 * remote room call, DESIGN §1): `retryAfterSeconds` travels with a `RATE_LIMITED` error so the
 * REST answer can carry `Retry-After`.
 */
export interface ErrorBody {
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

/** The {@link ErrorBody} of `err`. */
export function errorBody(err: ParleyError): ErrorBody {
  return { code: err.code, message: err.message, ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}) };
}

/** The ParleyError an {@link ErrorBody} stands for; an unknown code becomes `INTERNAL_ERROR`. */
export function errorFromBody(body: ErrorBody): ParleyError {
  const code: ErrorCode = body.code in ERROR_CODES ? (body.code as ErrorCode) : "INTERNAL_ERROR";
  return new ParleyError(code, body.message, body.retryAfterSeconds !== undefined ? { retryAfterSeconds: body.retryAfterSeconds } : {});
}

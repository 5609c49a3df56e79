import type { ErrorRequestHandler, Response } from "express";
import type { Logger } from "pino";
import type { z } from "zod";
import { ParleyError, isParleyError } from "../errors/errorCodes.js";

/** Sends the error format of DESIGN §7: `{ error: { code, message } }` with its status. */
export function sendHttpError(res: Response, err: ParleyError): void {
  if (err.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(err.retryAfterSeconds));
  res.status(err.status).json({ error: { code: err.code, message: err.message } });
}

/**
 * Parses `input` with `schema` or throws 400 `INVALID_REQUEST` naming the first bad field.
 * Use for every body, query and path parameter (DESIGN §7).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.length ? issue.path.join(".") : where;
  throw new ParleyError("INVALID_REQUEST", `${where}: ${field}: ${issue?.message ?? "invalid"}`);
}

/**
 * The {@link ParleyError} for an error that express or body-parser raised with a 4xx `status`
 * (malformed JSON, a bad percent-escape in a path parameter, a body that is not valid gzip /
 * deflate / br data, an unsupported encoding or charset, a body over the limit): 413
 * `PAYLOAD_TOO_LARGE`, 415 `UNSUPPORTED_MEDIA_TYPE`, any other 4xx `INVALID_REQUEST` (400).
 * @returns undefined for anything else (a bug: 500).
 */
export function clientErrorOf(err: unknown): ParleyError | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; type?: unknown } | null;
  const status = typeof e?.status === "number" ? e.status : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  if (status === undefined || status < 400 || status > 499) return undefined;
  if (status === 413) return new ParleyError("PAYLOAD_TOO_LARGE", "request body too large");
  if (status === 415) return new ParleyError("UNSUPPORTED_MEDIA_TYPE", typeof e?.type === "string" ? `unsupported request body (${e.type})` : "unsupported request body");
  const what = e?.type === "entity.parse.failed" ? "malformed JSON body" : err instanceof URIError ? "malformed percent-encoding in the path" : "malformed request";
  return new ParleyError("INVALID_REQUEST", what);
}

/**
 * The last middleware: ParleyErrors keep their status and code; errors express or body-parser
 * raised with a 4xx status keep it ({@link clientErrorOf}), logged at debug level without a
 * stack; anything else is logged and answered 500 `INTERNAL_ERROR` without details.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (isParleyError(err)) return sendHttpError(res, err);
    const clientError = clientErrorOf(err);
    if (clientError) {
      logger.debug({ method: req.method, path: req.path, code: clientError.code, reason: err instanceof Error ? err.message : String(err) }, "malformed HTTP request");
      return sendHttpError(res, clientError);
    }
    logger.error({ err }, "unhandled HTTP error");
    sendHttpError(res, new ParleyError("INTERNAL_ERROR", "internal error"));
  };
}

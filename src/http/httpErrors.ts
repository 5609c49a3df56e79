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
 * The last middleware: ParleyErrors keep their status and code; body-parser errors become
 * 400 (malformed JSON) or 413 (too large); anything else is logged and answered 500
 * `INTERNAL_ERROR` without details.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (isParleyError(err)) return sendHttpError(res, err);
    const type = (err as { type?: string } | null)?.type;
    if (type === "entity.too.large") return sendHttpError(res, new ParleyError("PAYLOAD_TOO_LARGE", "request body too large"));
    if (type === "entity.parse.failed" || type === "encoding.unsupported" || type === "charset.unsupported") {
      return sendHttpError(res, new ParleyError("INVALID_REQUEST", "malformed JSON body"));
    }
    logger.error({ err }, "unhandled HTTP error");
    sendHttpError(res, new ParleyError("INTERNAL_ERROR", "internal error"));
  };
}

import { ServerError } from "@colyseus/core";
import { isParleyError } from "../src/errors/errorCodes.js";

/**
 * Converts an error thrown while authenticating or joining into the Colyseus join error of
 * DESIGN §5: `ServerError(httpStatus, "CODE: detail")`. Unexpected errors become 500.
 */
export function toJoinError(err: unknown): ServerError {
  if (err instanceof ServerError) return err;
  if (isParleyError(err)) return new ServerError(err.status, `${err.code}: ${err.message}`);
  return new ServerError(500, "INTERNAL_ERROR: internal error");
}

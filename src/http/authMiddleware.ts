import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Principal } from "../auth/principal.js";
import type { TokenVerifier } from "../auth/tokenVerifier.js";
import { ParleyError } from "../errors/errorCodes.js";
import { consumeOrThrow, type RateLimits } from "../limits/rateLimits.js";

/** The verified caller of a request, set by {@link requireAuth}. */
export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new ParleyError("UNAUTHORIZED", "missing bearer token");
  return principal;
}

/**
 * Verifies `Authorization: Bearer <JWT>` (DESIGN §3) and applies the per-user REST rate limit.
 * @throws (to the error handler) 401 `UNAUTHORIZED`, 429 `RATE_LIMITED`.
 */
export function requireAuth(verifier: TokenVerifier, rateLimits: RateLimits): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    try {
      res.locals.principal = verifier.verify(match?.[1]);
    } catch (err) {
      return next(err);
    }
    consumeOrThrow(rateLimits.rest, principalOf(res).userId, "requests").then(() => next(), next);
  };
}

/** Lets only principals having one of `roles` through. @throws 403 `FORBIDDEN`. */
export function requireRole(...roles: ("admin" | "moderator")[]): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!principal.roles.some((r) => roles.includes(r))) return next(new ParleyError("FORBIDDEN", `requires role ${roles.join(" or ")}`));
    next();
  };
}

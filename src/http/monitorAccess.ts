import { randomBytes, randomUUID } from "node:crypto";
import { parseCookie } from "cookie";
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import jwt from "jsonwebtoken";
import { ParleyError } from "../errors/errorCodes.js";
import { principalOf, requireAuth, requireRole } from "./authMiddleware.js";
import type { HttpDeps } from "./httpDeps.js";

/** Name of the Colyseus monitor's session cookie. */
export const MONITOR_COOKIE = "parley_monitor";

/** Path the cookie is sent to: the monitor's mount, nothing else. */
export const MONITOR_PATH = "/colyseus";

/** Lifetime of a monitor session, in seconds (15 minutes). */
export const MONITOR_SESSION_SECONDS = 900;

/** Audience of a monitor session token: it is accepted nowhere else, and no user token is accepted as one. */
const MONITOR_AUDIENCE = "parley:colyseus-monitor";

/** The monitor's access: the endpoint that opens a session, and the guard of `/colyseus`. */
export interface MonitorAccess {
  /** `POST /api/admin/monitor-session` (mount at that path). */
  sessionRoutes: Router;
  /** Guard of `/colyseus`: a valid monitor session cookie (when no bearer header is sent), else an admin bearer token. */
  guard: RequestHandler;
}

/**
 * Browser access to the Colyseus monitor for admins (DESIGN §7 "`/colyseus` (monitor, admin
 * only)"). A browser cannot add a bearer header to the monitor's page and API requests, so:
 * - `POST /api/admin/monitor-session` with `Authorization: Bearer <admin JWT>` answers 200
 *   `{ expiresAt }` (ISO 8601) and sets the cookie {@link MONITOR_COOKIE}: an HS256 token
 *   (audience `parley:colyseus-monitor`, `sub` = the admin, {@link MONITOR_SESSION_SECONDS}),
 *   `HttpOnly; SameSite=Strict; Path=/colyseus; Max-Age=900`, `Secure` when the request came
 *   over https or in production. The opening is written to the audit log (`monitor.session`).
 * - `/colyseus` lets a request through with that cookie (parsed with the `cookie` package),
 *   or with an admin bearer token as before; otherwise 401 `UNAUTHORIZED` / 403 `FORBIDDEN`.
 * The cookie is signed with `config.monitorSessionSecret` (see Config), or a random key of this
 * process when there is none (then a cookie works on the process that issued it only).
 * @throws (to the error handler) 401 `UNAUTHORIZED`, 403 `FORBIDDEN`, 429 `RATE_LIMITED`
 */
export function monitorAccess(deps: HttpDeps): MonitorAccess {
  const key = deps.config.monitorSessionSecret ?? randomBytes(32).toString("base64url");
  if (!deps.config.monitorSessionSecret) {
    deps.logger.warn("monitor: no MONITOR_SESSION_SECRET nor JWT_SECRET: monitor session cookies are signed with a random key of this process and work on it only");
  }
  const auth = requireAuth(deps.verifier, deps.rateLimits);
  const admin = requireRole("admin");

  const sessionRoutes = Router();
  sessionRoutes.post("/", auth, admin, async (req: Request, res: Response) => {
    const userId = principalOf(res).userId;
    const issuedAt = Math.floor(deps.now() / 1000);
    const expiresAt = issuedAt + MONITOR_SESSION_SECONDS;
    const token = jwt.sign({ sub: userId, aud: MONITOR_AUDIENCE, iat: issuedAt, exp: expiresAt }, key, { algorithm: "HS256" });
    await deps.store.audit.append({ id: randomUUID(), actorUserId: userId, action: "monitor.session", target: MONITOR_PATH, details: { expiresAt: new Date(expiresAt * 1000).toISOString() }, at: new Date(deps.now()) });
    res.cookie(MONITOR_COOKIE, token, {
      httpOnly: true,
      sameSite: "strict",
      path: MONITOR_PATH,
      maxAge: MONITOR_SESSION_SECONDS * 1000,
      secure: req.secure || deps.config.env === "production",
    });
    res.setHeader("Cache-Control", "no-store");
    res.json({ expiresAt: new Date(expiresAt * 1000).toISOString() });
  });

  const guard: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const token = req.headers.cookie ? parseCookie(req.headers.cookie)[MONITOR_COOKIE] : undefined;
    if (token !== undefined && !req.headers.authorization) {
      try {
        jwt.verify(token, key, { algorithms: ["HS256"], audience: MONITOR_AUDIENCE, clockTimestamp: Math.floor(deps.now() / 1000) });
      } catch {
        return next(new ParleyError("UNAUTHORIZED", "the monitor session is invalid or expired: open a new one with POST /api/admin/monitor-session"));
      }
      return next();
    }
    auth(req, res, (err?: unknown) => (err ? next(err) : admin(req, res, next)));
  };
  return { sessionRoutes, guard };
}

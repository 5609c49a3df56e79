import express, { type Application } from "express";
import { monitor } from "@colyseus/monitor";
import { ParleyError } from "../errors/errorCodes.js";
import { requireAuth } from "./authMiddleware.js";
import { adminRoutes } from "./adminRoutes.js";
import { chatRoutes } from "./chatRoutes.js";
import { conversationRoutes } from "./conversationRoutes.js";
import { demoAppRoutes } from "./demoAppRoutes.js";
import { errorHandler } from "./httpErrors.js";
import type { HttpDeps } from "./httpDeps.js";
import { monitorAccess, MONITOR_PATH } from "./monitorAccess.js";
import { openApiRoutes } from "./openapi.js";
import { opsRoutes } from "./opsRoutes.js";
import { localRecordingRoutes } from "./recordingAccess.js";
import type { LocalRecordingStorage } from "../storage/localRecordingStorage.js";

/** Largest accepted JSON body; larger ones get 413 `PAYLOAD_TOO_LARGE`. */
export const MAX_JSON_BODY = "32kb";

/**
 * Mounts parley's HTTP surface on the transport's express app (DESIGN §7): REST under
 * `/api/conversations`, admin under `/api/admin`, ops endpoints, and the Colyseus monitor at
 * `/colyseus` for admins (bearer token, or the session cookie of `POST /api/admin/monitor-session`,
 * see `monitorAccess.ts`). Every route validates its input; errors use one format.
 */
export function mountHttp(app: Application, deps: HttpDeps): void {
  app.disable("x-powered-by");
  app.use(express.json({ limit: MAX_JSON_BODY, strict: true }));
  app.use(opsRoutes(deps));
  app.use(openApiRoutes());
  if (deps.recordings.kind === "local") app.use(localRecordingRoutes(deps.recordings as LocalRecordingStorage));
  const auth = requireAuth(deps.verifier, deps.rateLimits);
  const monitorSessions = monitorAccess(deps);
  app.use(chatRoutes(deps, auth));
  app.use("/api/conversations", auth, conversationRoutes(deps));
  app.use("/api/admin/monitor-session", monitorSessions.sessionRoutes);
  app.use("/api/admin", auth, adminRoutes(deps));
  app.use(MONITOR_PATH, monitorSessions.guard, monitor());
  if (deps.config.serveDemoApp) app.use("/app", demoAppRoutes(deps));
  app.use("/api", (_req, _res, next) => next(new ParleyError("NOT_FOUND", "no such endpoint")));
  app.use(errorHandler(deps.logger));
}

import { Router } from "express";
import type { HttpDeps } from "./httpDeps.js";

/** REST API of seed 002 §3 under `/api/conversations`. */
export function conversationRoutes(_deps: HttpDeps): Router {
  return Router();
}

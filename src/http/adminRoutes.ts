import { Router } from "express";
import type { HttpDeps } from "./httpDeps.js";

/** Admin API (DESIGN §7) under `/api/admin`. */
export function adminRoutes(_deps: HttpDeps): Router {
  return Router();
}

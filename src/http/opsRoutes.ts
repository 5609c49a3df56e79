import { Router } from "express";
import type { HttpDeps } from "./httpDeps.js";

/** A backend `GET /readyz` checks besides the store and the event bus (e.g. Redis). */
export interface ReadinessCheck {
  /** The key in the `checks` object, e.g. `"redis"`. */
  name: string;
  /** The implementation, e.g. `"redis"`, `"local"`. */
  kind: string;
  /** Resolves when the backend answers; throws otherwise. */
  ping(): Promise<void>;
}

/** How long one readiness probe may take before it counts as down, in ms. */
export const READINESS_PROBE_TIMEOUT_MS = 2000;

/** `ping()`, failed after `timeoutMs` (a backend that hangs is not ready). */
async function within(ping: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Operations endpoints (DESIGN §7): `GET /healthz` (the process answers), `GET /readyz` (every
 * configured backend answers — store, events, and `deps.readiness` such as Redis — each within
 * {@link READINESS_PROBE_TIMEOUT_MS}; 503 naming the failing ones, and 503 `shutting_down`
 * once a graceful shutdown began, so a balancer stops sending new users), `GET /metrics`
 * (Prometheus).
 */
export function opsRoutes(deps: HttpDeps): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", service: deps.config.serviceName, uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get("/readyz", async (_req, res) => {
    const checks: Record<string, { ok: boolean; kind: string; error?: string }> = {};
    const probe = async (name: string, kind: string, ping: () => Promise<void>) => {
      try {
        await within(ping, READINESS_PROBE_TIMEOUT_MS);
        checks[name] = { ok: true, kind };
      } catch (err) {
        checks[name] = { ok: false, kind, error: err instanceof Error ? err.message : String(err) };
      }
    };
    await Promise.all([
      probe("store", deps.store.kind, () => deps.store.ping()),
      probe("events", deps.publisher.kind, () => deps.publisher.ping()),
      ...(deps.readiness ?? []).map((check) => probe(check.name, check.kind, () => check.ping())),
    ]);
    const shuttingDown = deps.isShuttingDown?.() === true;
    const ready = !shuttingDown && Object.values(checks).every((c) => c.ok);
    const status = shuttingDown ? "shutting_down" : ready ? "ready" : "not_ready";
    res.status(ready ? 200 : 503).json({ status, checks });
  });
  router.get("/metrics", async (_req, res) => {
    deps.metrics.outboxPending.set(await deps.store.outbox.pendingCount());
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}

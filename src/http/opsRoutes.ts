import { Router } from "express";
import type { HttpDeps } from "./httpDeps.js";

/**
 * Operations endpoints (DESIGN §7): `GET /healthz` (the process answers), `GET /readyz` (every
 * configured backend answers; 503 naming the failing ones), `GET /metrics` (Prometheus).
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
        await ping();
        checks[name] = { ok: true, kind };
      } catch (err) {
        checks[name] = { ok: false, kind, error: err instanceof Error ? err.message : String(err) };
      }
    };
    await Promise.all([
      probe("store", deps.store.kind, () => deps.store.ping()),
      probe("events", deps.publisher.kind, () => deps.publisher.ping()),
    ]);
    const ready = Object.values(checks).every((c) => c.ok);
    res.status(ready ? 200 : 503).json({ status: ready ? "ready" : "not_ready", checks });
  });
  router.get("/metrics", async (_req, res) => {
    deps.metrics.outboxPending.set(await deps.store.outbox.pendingCount());
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}

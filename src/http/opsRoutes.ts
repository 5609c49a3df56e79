import { Router } from "express";
import { metricsHandler, METRICS_PATH } from "../observability/metricsEndpoint.js";
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

/** A probe that did not answer in time. */
class ProbeTimeout extends Error {}

/** `ping()`, failed after `timeoutMs` (a backend that hangs is not ready). */
async function within(ping: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ProbeTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Why a readiness probe failed, as `/readyz` says it: never the backend's own error text (it may name hosts or credentials). */
export type ReadinessFailure = "timeout" | "unreachable";

/**
 * Operations endpoints (DESIGN §7): `GET /healthz` (the process answers), `GET /readyz` (every
 * configured backend answers — store, events, and `deps.readiness` such as Redis — each within
 * {@link READINESS_PROBE_TIMEOUT_MS}; 503 naming the failing ones, and 503 `shutting_down`
 * once a graceful shutdown began, so a balancer stops sending new users). `/readyz` shows only
 * each check's name, implementation kind and a {@link ReadinessFailure}; the backend's error
 * (which may carry a connection string) goes to the log at warn level.
 * `GET /metrics` (Prometheus) is mounted here only when `config.metrics.onMainPort`, behind
 * `METRICS_TOKEN` when set; otherwise it is served on `METRICS_PORT` or not at all (see Config).
 */
export function opsRoutes(deps: HttpDeps): Router {
  const router = Router();
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok", service: deps.config.serviceName, uptimeSeconds: Math.round(process.uptime()) });
  });
  router.get("/readyz", async (_req, res) => {
    const checks: Record<string, { ok: boolean; kind: string; error?: ReadinessFailure }> = {};
    const probe = async (name: string, kind: string, ping: () => Promise<void>) => {
      try {
        await within(ping, READINESS_PROBE_TIMEOUT_MS);
        checks[name] = { ok: true, kind };
      } catch (err) {
        const error: ReadinessFailure = err instanceof ProbeTimeout ? "timeout" : "unreachable";
        checks[name] = { ok: false, kind, error };
        deps.logger.warn({ err, check: name, kind }, `readiness: ${name} ${error}`);
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
  if (deps.config.metrics.onMainPort) {
    const scrape = metricsHandler(deps.metrics.registry, deps.config.metrics.token);
    router.get(METRICS_PATH, (req, res, next) => {
      scrape(req, res).catch(next);
    });
  }
  return router;
}

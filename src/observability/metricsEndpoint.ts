import { timingSafeEqual, createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

/** Path of the Prometheus exposition, on the main port and on `METRICS_PORT` alike. */
export const METRICS_PATH = "/metrics";

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.end(JSON.stringify({ error: { code, message } }));
}

/** Constant-time comparison of the presented bearer token with the configured one. */
function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = header ? /^Bearer\s+(\S+)$/i.exec(header)?.[1] : undefined;
  if (presented === undefined) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}

/**
 * Answers a scrape with `registry`'s text exposition (seed 002 §10.1). With `token`
 * (`METRICS_TOKEN`), the request must carry `Authorization: Bearer <token>`, else 401
 * `UNAUTHORIZED` with `WWW-Authenticate: Bearer`. Usable as an express handler and by
 * {@link startMetricsServer}.
 */
export function metricsHandler(registry: Registry, token?: string): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    if (token !== undefined && !tokenMatches(req.headers.authorization, token)) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
      sendError(res, 401, "UNAUTHORIZED", "metrics require the METRICS_TOKEN bearer token");
      return;
    }
    const body = await registry.metrics();
    res.statusCode = 200;
    res.setHeader("Content-Type", registry.contentType);
    res.setHeader("Cache-Control", "no-store");
    res.end(body);
  };
}

/**
 * The `METRICS_PORT` server: its own small HTTP server answering `GET /metrics` only (404
 * `NOT_FOUND` for anything else), so the scrape port can stay on an internal
 * network while the main port is public.
 * @param port 0 picks a free port (tests); read it from `server.address()`
 * @returns the listening server; close it at shutdown
 * @throws the listen error (e.g. EADDRINUSE)
 */
export async function startMetricsServer(registry: Registry, options: { port: number; host: string; token?: string }): Promise<Server> {
  const handle = metricsHandler(registry, options.token);
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path !== METRICS_PATH || (req.method !== "GET" && req.method !== "HEAD")) return sendError(res, 404, "NOT_FOUND", "only GET /metrics is served on this port");
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, "INTERNAL_ERROR", "metrics collection failed");
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

/** The port a started {@link startMetricsServer} listens on. */
export function metricsServerPort(server: Server): number {
  return (server.address() as AddressInfo).port;
}

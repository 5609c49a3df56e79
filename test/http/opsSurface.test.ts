import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Room } from "@colyseus/sdk";
import { LocalPresence } from "@colyseus/core";
import express from "express";
import jwt from "jsonwebtoken";
import pino from "pino";
import { parse as parseYaml } from "yaml";
import type { DevTokenClaims } from "../../src/auth/devTokens.js";
import { createTokenVerifier } from "../../src/auth/tokenVerifier.js";
import { loadConfig, type Config } from "../../src/config/config.js";
import { mountHttp } from "../../src/http/app.js";
import type { HttpDeps } from "../../src/http/httpDeps.js";
import { MONITOR_COOKIE, MONITOR_SESSION_SECONDS } from "../../src/http/monitorAccess.js";
import { createMemoryRateLimits } from "../../src/limits/rateLimits.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { metricsServerPort, startMetricsServer } from "../../src/observability/metricsEndpoint.js";
import { createMemoryStore } from "../../src/store/memory/memoryStore.js";
import type { Store } from "../../src/store/repositories.js";
import { Notifier } from "../../src/notifications/notifier.js";
import { TopicCatalogSync } from "../../src/topics/topicCatalogSync.js";
import { TopicCatalog } from "../../src/topics/topicCatalog.js";
import { startChildParley } from "../integration/support/parleyCluster.js";
import { clock, testServer, tokenFor, uniqueUser } from "../support/testServer.js";
import { activePair, api, assertError, leaveAll, pollFor } from "./restSupport.js";
import { createLocalRecordingStorage } from "../../src/storage/localRecordingStorage.js";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** One sample of a Prometheus text exposition. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples and the declared metric names (`# TYPE` lines) of an exposition. */
function parseExposition(text: string): { samples: Sample[]; declared: Set<string> } {
  const samples: Sample[] = [];
  const declared = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\w+)/.exec(line);
    if (type?.[1]) {
      declared.add(type[1]);
      if (type[2] === "histogram" || type[2] === "summary") for (const suffix of ["_bucket", "_sum", "_count"]) declared.add(type[1] + suffix);
      continue;
    }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m?.[1] || m[3] === undefined) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1], labels, value: Number(m[3].toLowerCase() === "nan" ? Number.NaN : m[3]) });
  }
  return { samples, declared };
}

/** The metric names a PromQL expression reads (labels, grouping clauses, functions and keywords left out). */
function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const keywords = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);
  return [...stripped.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)].map((m) => m[1] as string).filter((name) => !keywords.has(name.toLowerCase()));
}

const dashboard = JSON.parse(readFileSync("ops/grafana/parley.json", "utf8")) as { panels: { title: string; targets: { expr: string }[] }[] };
const alertRules = parseYaml(readFileSync("ops/prometheus/alerts.yml", "utf8")) as { groups: { rules: { alert: string; expr: string }[] }[] };

async function scrape(): Promise<{ samples: Sample[]; declared: Set<string> }> {
  const res = await fetch("http://127.0.0.1:2568/metrics");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
  return parseExposition(await res.text());
}

function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/**
 * A private express app with parley's HTTP surface for `config` (no Colyseus server behind it;
 * ops routes, monitor access and metrics only), on a free port.
 */
async function isolatedHttp(config: Config, store: Store = createMemoryStore()) {
  const catalog = new TopicCatalog();
  const deps: HttpDeps = {
    config,
    store,
    catalog,
    topicSync: new TopicCatalogSync({ topics: store.topics, catalog, bus: new LocalPresence(), logger: pino({ level: "silent" }) }),
    verifier: createTokenVerifier(config.jwt),
    rateLimits: createMemoryRateLimits(config.quotas),
    metrics: createMetrics({ outbox: store.outbox }),
    logger: pino({ level: "silent" }),
    publisher: { kind: "file", publish: async () => undefined, ping: async () => undefined, close: async () => undefined },
    recordings: createLocalRecordingStorage(join(tmpdir(), "parley-unused-recordings")),
    notifier: new Notifier(store.notifications, new LocalPresence(), Date.now),
    onEventsWritten: () => undefined,
    now: Date.now,
  };
  const app = express();
  mountHttp(app, deps);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (claims: Record<string, unknown>) => jwt.sign(claims, config.jwt.secret as string, { algorithm: "HS256", expiresIn: 600 });
  return { base, sign, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const ADMIN_CLAIMS: Omit<DevTokenClaims, "sub"> = { nativeLanguageCode: "en", levels: { fr: "B1" }, roles: ["admin"] };

describe("http: operator surface (seed 002 §10; /metrics, /readyz, the monitor)", () => {
  const rooms: Room[] = [];
  before(async () => {
    await testServer();
  });
  afterEach(async () => {
    await leaveAll(rooms.splice(0));
  });

  it("exposes every metric of seed 002 §10.1 with its labels and a real value after a conversation is matched, held, ended and rated", async () => {
    const p = await activePair("es", "travel.airport", "B1");
    rooms.push(...p.rooms);
    await p.ja.inbox.next("new_prompt");
    p.ja.room.send("heartbeat", {});
    const during = await pollFor("the heartbeat counted", async () => {
      const s = await scrape();
      return (valueOf(s.samples, "websocket_messages_total", { type: "heartbeat" }) ?? 0) >= 1 ? s : undefined;
    });
    assert.ok((valueOf(during.samples, "colyseus_ccu") ?? 0) >= 2, "both learners are connected clients");
    assert.ok((valueOf(during.samples, "colyseus_rooms") ?? 0) >= 1);
    assert.ok((valueOf(during.samples, "conversations_active") ?? 0) >= 1);
    assert.ok((valueOf(during.samples, "websocket_connections_active") ?? 0) >= 2);

    assert.equal((await api("POST", `/api/conversations/sessions/${p.sessionId}/end`, { token: p.a.token })).status, 200);
    await p.jb.inbox.next("session_ended");
    assert.equal((await api("POST", `/api/conversations/sessions/${p.sessionId}/rate`, { token: p.a.token, body: { rating: 5 } })).status, 200);
    assert.equal((await api("POST", `/api/conversations/sessions/${p.sessionId}/rate`, { token: p.b.token, body: { rating: 2 } })).status, 200);
    await leaveAll(rooms.splice(0));
    const { samples, declared } = await pollFor("the ratings published", async () => {
      const s = await scrape();
      return valueOf(s.samples, "conversation_ratings_window", { topic: "travel.airport" }) === 2 ? s : undefined;
    });

    assert.equal(valueOf(samples, "conversation_rating_avg", { topic: "travel.airport" }), 3.5);
    assert.ok((valueOf(samples, "match_requests_total", { language: "es", topic: "travel.airport" }) ?? 0) >= 2);
    const successRate = valueOf(samples, "match_success_rate");
    assert.ok(successRate !== undefined && successRate > 0 && successRate <= 1, `match_success_rate ${successRate}`);
    assert.ok((valueOf(samples, "match_wait_time_seconds_count", { language: "es" }) ?? 0) >= 2);
    assert.ok(samples.some((s) => s.name === "matchmaking_queue_size" && s.labels.queue === "es"));
    assert.ok((valueOf(samples, "conversations_completed_total", { language: "es", duration_range: "lt_2m" }) ?? 0) >= 1);
    assert.ok((valueOf(samples, "conversations_ended_total", { status: "completed" }) ?? 0) >= 1);
    assert.ok((valueOf(samples, "prompts_displayed_total", { type: "icebreaker" }) ?? 0) >= 1);
    assert.ok((valueOf(samples, "events_published_total") ?? 0) >= 1);
    assert.ok(Number.isFinite(valueOf(samples, "outbox_pending")));
    assert.ok(Number.isFinite(valueOf(samples, "outbox_oldest_pending_age_seconds")));
    assert.ok(declared.has("recording_upload_duration_seconds") && declared.has("recording_uploads_total"), "declared before any recording");
    await pollFor("the closed sockets counted", async () => {
      const after = await scrape();
      return (valueOf(after.samples, "websocket_disconnections_total", { kind: "clean" }) ?? 0) >= 2 ? true : undefined;
    });
  });

  it("exposes every metric the Grafana dashboard and the alert rules query", async () => {
    const { declared } = await scrape();
    const queried = new Map<string, string>();
    for (const panel of dashboard.panels) for (const target of panel.targets) for (const name of metricNamesIn(target.expr)) queried.set(name, `dashboard panel "${panel.title}"`);
    for (const group of alertRules.groups) for (const rule of group.rules) for (const name of metricNamesIn(rule.expr)) queried.set(name, `alert ${rule.alert}`);
    assert.ok(queried.size >= 15, `found the metric names (${[...queried.keys()].join(", ")})`);
    assert.ok(queried.has("match_wait_time_seconds_bucket") && queried.has("conversation_rating_avg") && !queried.has("le") && !queried.has("rate"));
    const missing = [...queried].filter(([name]) => !declared.has(name)).map(([name, where]) => `${name} (${where})`);
    assert.deepEqual(missing, [], "every queried metric is exposed");
    assert.deepEqual(metricNamesIn('sum by (queue) (rate(x_total{a="b"}[5m])) / on(job) y > bool 2'), ["x_total", "y"], "the name extraction itself");
  });

  it("/readyz names the failing backend without its error text (no connection strings)", async () => {
    const store = createMemoryStore();
    const failing: Store = { ...store, ping: () => Promise.reject(new Error("connect ECONNREFUSED mongodb://admin:hunter2@db.internal:27017/parley")) };
    const http = await isolatedHttp(loadConfig({ NODE_ENV: "test" }), failing);
    try {
      const res = await fetch(`${http.base}/readyz`);
      const text = await res.text();
      assert.equal(res.status, 503);
      assert.doesNotMatch(text, /hunter2|db\.internal|mongodb:|27017|ECONNREFUSED/);
      const body = JSON.parse(text) as { status: string; checks: Record<string, unknown> };
      assert.equal(body.status, "not_ready");
      assert.deepEqual(body.checks.store, { ok: false, kind: "memory", error: "unreachable" });
      assert.deepEqual(body.checks.events, { ok: true, kind: "file" });
    } finally {
      await http.close();
    }
  });

  it("/metrics on the main port requires METRICS_TOKEN when set, and is not served in production without METRICS_TOKEN or METRICS_PORT", async () => {
    const token = "scrape-token-0123456789";
    const guarded = await isolatedHttp(loadConfig({ NODE_ENV: "test", METRICS_TOKEN: token }));
    try {
      const none = await fetch(`${guarded.base}/metrics`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="metrics"');
      assert.equal(((await none.json()) as { error: { code: string } }).error.code, "UNAUTHORIZED");
      assert.equal((await fetch(`${guarded.base}/metrics`, { headers: { authorization: `Bearer ${token}x` } })).status, 401);
      const ok = await fetch(`${guarded.base}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /^# TYPE match_success_rate gauge$/m);
    } finally {
      await guarded.close();
    }
    const production = await isolatedHttp(loadConfig({ NODE_ENV: "production", JWT_SECRET: "production-secret-0123456789", PARLEY_EMBEDDED: "1" }));
    try {
      assert.equal((await fetch(`${production.base}/metrics`)).status, 404);
      assert.equal((await fetch(`${production.base}/healthz`)).status, 200);
    } finally {
      await production.close();
    }
    const separate = await isolatedHttp(loadConfig({ NODE_ENV: "test", METRICS_PORT: "9464" }));
    try {
      assert.equal((await fetch(`${separate.base}/metrics`)).status, 404, "with METRICS_PORT, not on the main port");
    } finally {
      await separate.close();
    }
  });

  it("the METRICS_PORT server answers GET /metrics only, behind the token when set", async () => {
    const metrics = createMetrics();
    metrics.matchRequests.inc({ language: "en", topic: "hobbies.music" });
    const server = await startMetricsServer(metrics.registry, { port: 0, host: "127.0.0.1", token: "scrape-token-0123456789" });
    const base = `http://127.0.0.1:${metricsServerPort(server)}`;
    try {
      assert.equal((await fetch(`${base}/metrics`)).status, 401);
      const ok = await fetch(`${base}/metrics?x=1`, { headers: { authorization: "Bearer scrape-token-0123456789" } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /^match_requests_total\{language="en",topic="hobbies.music"\} 1$/m);
      assert.equal((await fetch(`${base}/`)).status, 404);
      assert.equal((await fetch(`${base}/readyz`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`, { method: "POST", headers: { authorization: "Bearer scrape-token-0123456789" } })).status, 404);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("opens a 15-minute monitor session for admins only: an HttpOnly, SameSite=Strict cookie for /colyseus", async () => {
    const admin = await tokenFor({ sub: uniqueUser("admin"), ...ADMIN_CLAIMS });
    const learner = await tokenFor({ sub: uniqueUser("learner"), nativeLanguageCode: "en", levels: { fr: "B1" } });
    assertError(await api("POST", "/api/admin/monitor-session"), 401, "UNAUTHORIZED");
    assertError(await api("POST", "/api/admin/monitor-session", { token: learner }), 403, "FORBIDDEN");
    const before = Date.now();
    const res = await api<{ expiresAt: string }>("POST", "/api/admin/monitor-session", { token: admin });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const cookie = res.headers.get("set-cookie") ?? "";
    assert.match(cookie, new RegExp(`^${MONITOR_COOKIE}=[\\w-]+\\.[\\w-]+\\.[\\w-]+;`));
    const attributes = cookie.split(";").map((a) => a.trim().toLowerCase());
    assert.ok(attributes.includes("httponly") && attributes.includes("samesite=strict") && attributes.includes("path=/colyseus"), cookie);
    assert.ok(attributes.includes(`max-age=${MONITOR_SESSION_SECONDS}`), cookie);
    assert.ok(!attributes.includes("secure"), "plain http outside production: not Secure");
    const expiresAt = Date.parse(res.body.expiresAt) - clock.offsetMs;
    assert.ok(Math.abs(expiresAt - (before + MONITOR_SESSION_SECONDS * 1000)) < 5000, res.body.expiresAt);
    const audit = await api<{ entries?: { action: string }[]; items?: { action: string }[] }>("GET", "/api/admin/audit", { token: admin });
    assert.ok(JSON.stringify(audit.body).includes("monitor.session"), "written to the audit log");
  });

  it("/colyseus accepts the monitor cookie or an admin bearer token, and refuses forged, user and expired cookies", async () => {
    const admin = await tokenFor({ sub: uniqueUser("admin"), ...ADMIN_CLAIMS });
    const learner = await tokenFor({ sub: uniqueUser("learner"), nativeLanguageCode: "en", levels: { fr: "B1" } });
    const opened = await api("POST", "/api/admin/monitor-session", { token: admin });
    const session = (opened.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const monitor = (headers: Record<string, string>) => fetch("http://127.0.0.1:2568/colyseus/", { headers });

    assert.equal((await monitor({})).status, 401);
    assert.equal((await monitor({ cookie: session })).status, 200, "the cookie opens the monitor");
    assert.equal((await monitor({ cookie: `theme=dark; ${session}` })).status, 200, "among other cookies");
    assert.equal((await monitor({ authorization: `Bearer ${admin}` })).status, 200, "an admin bearer token still works");
    assert.equal((await monitor({ authorization: `Bearer ${learner}` })).status, 403);
    assert.equal((await monitor({ cookie: `${session}x` })).status, 401, "a tampered cookie");
    assert.equal((await monitor({ cookie: `${MONITOR_COOKIE}=${admin}` })).status, 401, "a user token is no monitor session");
    assert.equal((await monitor({ cookie: `${MONITOR_COOKIE}=%E0%A4%A` })).status, 401, "a malformed cookie");
    clock.offsetMs += (MONITOR_SESSION_SECONDS + 1) * 1000;
    try {
      assert.equal((await monitor({ cookie: session })).status, 401, "expired after 15 minutes");
    } finally {
      clock.offsetMs -= (MONITOR_SESSION_SECONDS + 1) * 1000;
    }
  });

  it("marks the monitor cookie Secure in production", async () => {
    const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: "production-secret-0123456789", PARLEY_EMBEDDED: "1" });
    const http = await isolatedHttp(config);
    try {
      const res = await fetch(`${http.base}/api/admin/monitor-session`, { method: "POST", headers: { authorization: `Bearer ${http.sign({ sub: "root", ...ADMIN_CLAIMS })}` } });
      assert.equal(res.status, 200);
      const cookie = res.headers.get("set-cookie") ?? "";
      assert.ok(cookie.split(";").map((a) => a.trim().toLowerCase()).includes("secure"), cookie);
      const session = cookie.split(";")[0] ?? "";
      assert.equal((await fetch(`${http.base}/colyseus/`, { headers: { cookie: session } })).status, 200);
    } finally {
      await http.close();
    }
  });

  it("a production process started by listen() serves metrics on METRICS_PORT only, behind the token, logs named levels, and closes that port at SIGTERM", async function () {
    this.timeout(60_000);
    const [port, metricsPort, token] = [3931, 9931, "scrape-token-0123456789"];
    const child = await startChildParley(port, { NODE_ENV: "production", PARLEY_EMBEDDED: "1", METRICS_PORT: String(metricsPort), METRICS_TOKEN: token });
    try {
      assert.equal((await fetch(`${child.baseUrl}/metrics`)).status, 404, "not on the main port");
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status, 401);
      const ok = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(ok.status, 200);
      assert.match(await ok.text(), /^# TYPE colyseus_ccu gauge$/m);
      const lines = child.logTail(200).split("\n").map((line) => JSON.parse(line) as { level: string; timestamp: string; msg: string; port?: number });
      assert.ok(lines.some((l) => l.msg === "metrics: GET /metrics on its own port" && l.port === metricsPort && l.level === "INFO"));
      assert.ok(lines.every((l) => /^[A-Z]+$/.test(l.level) && !Number.isNaN(Date.parse(l.timestamp))));
    } finally {
      assert.equal(await child.stop(), 0);
    }
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), "the metrics port is closed after shutdown");
  });
});

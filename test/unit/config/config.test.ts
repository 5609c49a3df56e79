import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError, DEV_JWT_SECRET, loadConfig } from "../../../src/config/config.js";

/** Every production backend set (the values are never dialled by loadConfig). */
const PRODUCTION_BACKENDS = { MONGODB_URI: "mongodb://db.internal:27017/parley", REDIS_URL: "redis://cache.internal:6379", KAFKA_BROKERS: "kafka.internal:9092" };

describe("config", () => {
  it("runs on embedded defaults with an empty environment", () => {
    const config = loadConfig({});
    assert.equal(config.port, 3003);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.jwt.usingDevSecret, true);
    assert.equal(config.matching.timeoutSeconds, 120);
    assert.equal(config.session.reconnectGraceSeconds, 20);
    assert.equal(config.ws.maxPayloadBytes, 262_144);
    assert.equal(config.ws.maxConnections, 10_000);
    assert.ok(Object.isFrozen(config.session));
  });

  it("names the variable of an invalid value", () => {
    assert.throws(() => loadConfig({ PORT: "eighty" }), (err: ConfigError) => err instanceof ConfigError && err.variable === "PORT");
    assert.throws(() => loadConfig({ MATCH_TIMEOUT_SECONDS: "5" }), /MATCH_TIMEOUT_SECONDS/);
    assert.throws(() => loadConfig({ WS_MAX_PAYLOAD_BYTES: "4096" }), /WS_MAX_PAYLOAD_BYTES/);
    assert.throws(() => loadConfig({ WS_MAX_CONNECTIONS: "0" }), /WS_MAX_CONNECTIONS/);
    assert.throws(() => loadConfig({ ENABLE_RECORDING: "maybe" }), /ENABLE_RECORDING/);
    assert.throws(() => loadConfig({ PROMPT_INTERVAL_MIN: "400", PROMPT_INTERVAL_MAX: "300" }), /PROMPT_INTERVAL_MIN/);
  });

  it("refuses production without a JWT key and the development secret in production", () => {
    assert.throws(() => loadConfig({ NODE_ENV: "production" }), /JWT_SECRET/);
    assert.throws(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: DEV_JWT_SECRET }), /JWT_SECRET/);
    const prod = loadConfig({ NODE_ENV: "production", JWT_SECRET: "s3cret-for-prod", ...PRODUCTION_BACKENDS });
    assert.equal(prod.host, "0.0.0.0");
    assert.equal(prod.serveDemoApp, false);
  });

  it("refuses production on the embedded ports, naming every missing backend variable", () => {
    const jwt = { NODE_ENV: "production", JWT_SECRET: "s3cret-for-prod" };
    assert.throws(
      () => loadConfig(jwt),
      (err: ConfigError) => err instanceof ConfigError && err.variable === "MONGODB_URI" && /MONGODB_URI, REDIS_URL, KAFKA_BROKERS/.test(err.message) && /PARLEY_EMBEDDED=1/.test(err.message),
    );
    assert.throws(() => loadConfig({ ...jwt, ...PRODUCTION_BACKENDS, KAFKA_BROKERS: "" }), (err: ConfigError) => err.variable === "KAFKA_BROKERS" && !/MONGODB_URI/.test(err.message));
    assert.throws(() => loadConfig({ ...jwt, MONGODB_URI: PRODUCTION_BACKENDS.MONGODB_URI, KAFKA_BROKERS: "kafka:9092" }), (err: ConfigError) => err.variable === "REDIS_URL");
    // REDIS_HOST counts as a Redis configuration, as everywhere else
    assert.equal(loadConfig({ ...jwt, MONGODB_URI: PRODUCTION_BACKENDS.MONGODB_URI, KAFKA_BROKERS: "kafka:9092", REDIS_HOST: "cache" }).redisUrl, "redis://cache:6379/0");
    const embedded = loadConfig({ ...jwt, PARLEY_EMBEDDED: "1" });
    assert.equal(embedded.embedded, true);
    assert.equal(embedded.mongodbUri, undefined);
    // outside production the embedded ports need no flag
    assert.equal(loadConfig({ NODE_ENV: "test" }).embedded, false);
  });

  it("serves metrics on the main port, on METRICS_PORT, or behind METRICS_TOKEN, and none publicly in production without either", () => {
    assert.deepEqual({ ...loadConfig({}).metrics }, { port: undefined, token: undefined, onMainPort: true });
    assert.deepEqual({ ...loadConfig({ METRICS_PORT: "9464" }).metrics }, { port: 9464, token: undefined, onMainPort: false });
    const prod = { NODE_ENV: "production", JWT_SECRET: "s3cret-for-prod", ...PRODUCTION_BACKENDS };
    assert.equal(loadConfig(prod).metrics.onMainPort, false);
    assert.equal(loadConfig({ ...prod, METRICS_TOKEN: "a-long-enough-scrape-token" }).metrics.onMainPort, true);
    assert.equal(loadConfig({ ...prod, METRICS_TOKEN: "a-long-enough-scrape-token", METRICS_PORT: "9464" }).metrics.onMainPort, false);
    assert.throws(() => loadConfig({ METRICS_TOKEN: "short" }), /METRICS_TOKEN/);
    assert.throws(() => loadConfig({ METRICS_PORT: "3003" }), (err: ConfigError) => err.variable === "METRICS_PORT");
    assert.throws(() => loadConfig({ METRICS_PORT: "99999" }), /METRICS_PORT/);
  });

  it("derives the monitor cookie key from JWT_SECRET, never equal to it, and takes MONITOR_SESSION_SECRET first", () => {
    const derived = loadConfig({ JWT_SECRET: "s3cret-for-prod" }).monitorSessionSecret;
    assert.ok(derived && derived !== "s3cret-for-prod");
    assert.notEqual(loadConfig({ JWT_SECRET: "another-secret" }).monitorSessionSecret, derived);
    assert.equal(loadConfig({ JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----" }).monitorSessionSecret, undefined);
    assert.equal(loadConfig({ MONITOR_SESSION_SECRET: "m".repeat(32) }).monitorSessionSecret, "m".repeat(32));
    assert.throws(() => loadConfig({ MONITOR_SESSION_SECRET: "too-short" }), /MONITOR_SESSION_SECRET/);
  });

  it("builds REDIS_URL from REDIS_HOST/PORT/PASSWORD/DB and prefers REDIS_URL", () => {
    assert.equal(loadConfig({ REDIS_HOST: "cache", REDIS_PORT: "6380", REDIS_PASSWORD: "p@ss", REDIS_DB: "3" }).redisUrl, "redis://:p%40ss@cache:6380/3");
    assert.equal(loadConfig({ REDIS_URL: "redis://127.0.0.1:6379", REDIS_HOST: "x" }).redisUrl, "redis://127.0.0.1:6379");
  });

  it("stops the process with exit code 1 and a message naming the variable", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "src/main.ts"], { env: { ...process.env, PORT: "not-a-port" }, encoding: "utf8", timeout: 20_000 });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /Invalid configuration: PORT/);
  });
});

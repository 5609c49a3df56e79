import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { ConfigError, DEV_JWT_SECRET, loadConfig } from "../../../src/config/config.js";

describe("config", () => {
  it("runs on embedded defaults with an empty environment", () => {
    const config = loadConfig({});
    assert.equal(config.port, 3003);
    assert.equal(config.host, "127.0.0.1");
    assert.equal(config.jwt.usingDevSecret, true);
    assert.equal(config.matching.timeoutSeconds, 120);
    assert.equal(config.session.reconnectGraceSeconds, 20);
    assert.equal(config.ws.maxPayloadBytes, 65536);
    assert.ok(Object.isFrozen(config.session));
  });

  it("names the variable of an invalid value", () => {
    assert.throws(() => loadConfig({ PORT: "eighty" }), (err: ConfigError) => err instanceof ConfigError && err.variable === "PORT");
    assert.throws(() => loadConfig({ MATCH_TIMEOUT_SECONDS: "5" }), /MATCH_TIMEOUT_SECONDS/);
    assert.throws(() => loadConfig({ WS_MAX_PAYLOAD_BYTES: "4096" }), /WS_MAX_PAYLOAD_BYTES/);
    assert.throws(() => loadConfig({ ENABLE_RECORDING: "maybe" }), /ENABLE_RECORDING/);
    assert.throws(() => loadConfig({ PROMPT_INTERVAL_MIN: "400", PROMPT_INTERVAL_MAX: "300" }), /PROMPT_INTERVAL_MIN/);
  });

  it("refuses production without a JWT key and the development secret in production", () => {
    assert.throws(() => loadConfig({ NODE_ENV: "production" }), /JWT_SECRET/);
    assert.throws(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: DEV_JWT_SECRET }), /JWT_SECRET/);
    const prod = loadConfig({ NODE_ENV: "production", JWT_SECRET: "s3cret-for-prod" });
    assert.equal(prod.host, "0.0.0.0");
    assert.equal(prod.serveDemoApp, false);
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

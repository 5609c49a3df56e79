import { Client } from "@colyseus/sdk";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { mintDevToken, type DevTokenClaims } from "../../../src/auth/devTokens.js";
import { loadConfig } from "../../../src/config/config.js";

/** The HS256 secret every process of these suites signs and verifies with. */
export const INTEGRATION_JWT_SECRET = "parley-integration-secret-0123456789abcdef";

/** Variables that switch a backend on: never inherited, each suite passes the ones it wants. */
const BACKEND_VARIABLES = ["REDIS_URL", "REDIS_HOST", "MONGODB_URI", "KAFKA_BROKERS", "S3_BUCKET", "S3_ENDPOINT", "PUBLIC_ADDRESS", "JWT_PUBLIC_KEY", "JWT_SECRET", "JWT_ISSUER", "JWT_AUDIENCE"];

/** A parley server running as a child process (`node --import tsx src/main.ts`). */
export interface ChildParley {
  port: number;
  baseUrl: string;
  dataDir: string;
  child: ChildProcess;
  /** Resolves with the exit code (or the signal's name) when the process is gone. */
  exited: Promise<number | string>;
  /** The last `lines` lines of its log. */
  logTail(lines?: number): string;
  /** The events the file publisher wrote (`DATA_DIR/events.jsonl`), parsed. */
  publishedEvents(): { eventType: string; key: string; metadata: { correlationId: string } }[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Which of `variables` are missing from the environment. Under `CI=true` a missing backend
 * throws (the suite must not be skipped in CI); otherwise the suite warns and skips itself.
 */
export function requireBackends(ctx: Mocha.Context, suite: string, variables: readonly string[]): void {
  const missing = variables.filter((v) => !process.env[v]);
  if (missing.length === 0) return;
  const how = "run `bash scripts/services.sh up && eval \"$(bash scripts/services.sh env)\"`, or `npm run test:integration`";
  if (process.env.CI === "true") throw new Error(`${suite}: ${missing.join(", ")} not set, and CI=true: this suite cannot be skipped in CI (${how}).`);
  console.warn(`\n  SKIPPED ${suite}: ${missing.join(", ")} not set (${how}).\n`);
  ctx.skip();
}

/** How {@link startChildParley} runs the server. */
export interface ChildParleyOptions {
  /**
   * Run the production build (`node dist/src/main.js`, built first when stale, as `npm start`
   * does) instead of the sources through tsx: what benchmarks measure. @default false
   */
  compiled?: boolean;
}

/**
 * Starts parley on `127.0.0.1:port` with a fresh `DATA_DIR`, the integration JWT secret and
 * `env` (backends, `PUBLIC_ADDRESS`, …), and resolves once `GET /healthz` answers.
 * @throws when the build fails, or the process exits or does not answer within `timeoutMs` (its log attached)
 */
export async function startChildParley(port: number, env: Record<string, string> = {}, timeoutMs = 30_000, options: ChildParleyOptions = {}): Promise<ChildParley> {
  if (options.compiled) {
    const build = spawnSync(process.execPath, ["scripts/buildIfStale.mjs"], { stdio: "inherit" });
    if (build.status !== 0) throw new Error(`the server build failed (exit ${build.status})`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), `parley-it-${port}-`));
  const logFile = join(dataDir, "server.log");
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of BACKEND_VARIABLES) delete childEnv[name];
  Object.assign(childEnv, {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: "info",
    SERVE_DEMO_APP: "false",
    JWT_SECRET: INTEGRATION_JWT_SECRET,
    ...env,
  });
  const log = openSync(logFile, "w");
  const entry = options.compiled ? ["dist/src/main.js"] : ["--import", "tsx", "src/main.ts"];
  const child = spawn(process.execPath, entry, { env: childEnv, stdio: ["ignore", log, log] });
  closeSync(log);
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const kill = () => child.kill("SIGKILL");
  process.once("exit", kill);
  const logTail = (lines = 40) => readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async (graceMs = 35_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(kill, graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    }
    return exited;
  };
  const publishedEvents = () => {
    let text: string;
    try {
      text = readFileSync(join(dataDir, "events.jsonl"), "utf8");
    } catch {
      return [];
    }
    return text.split("\n").filter(Boolean).map((line) => JSON.parse(line) as { eventType: string; key: string; metadata: { correlationId: string } });
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`parley on port ${port} exited with code ${child.exitCode}:\n${logTail()}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      kill();
      throw new Error(`parley on port ${port} did not answer /healthz within ${timeoutMs} ms:\n${logTail()}`);
    }
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), exited]);
  }
  return { port, baseUrl, dataDir, child, exited, logTail, publishedEvents, stop };
}

/** A learner whose SDK talks to `baseUrl` (its "first contact" process). */
export interface ClusterLearner {
  userId: string;
  token: string;
  sdk: Client;
}

let learnerSeq = 0;

/** Creates a learner with a unique id, a token signed with {@link INTEGRATION_JWT_SECRET}, and an SDK client on `baseUrl`. */
export function learnerAt(baseUrl: string, prefix: string, claims: Omit<DevTokenClaims, "sub">): ClusterLearner {
  learnerSeq += 1;
  const userId = `${prefix}-${process.pid}-${Date.now().toString(36)}-${learnerSeq}`;
  const config = loadConfig({ NODE_ENV: "test", JWT_SECRET: INTEGRATION_JWT_SECRET });
  const token = mintDevToken(config, { name: prefix, ...claims, sub: userId });
  const sdk = new Client(baseUrl);
  sdk.auth.token = token;
  return { userId, token, sdk };
}

/** `uri` naming a database of its own (`…/<prefix>_<time>`), for a suite that must start empty. */
export function freshDatabaseUri(uri: string, prefix: string): string {
  const url = new URL(uri);
  url.pathname = `/${prefix}_${Date.now().toString(36)}`;
  return url.toString();
}

/** Drops the database named by `uri` (a suite's fresh one), through a connection of its own. */
export async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

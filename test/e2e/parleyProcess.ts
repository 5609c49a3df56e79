import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A parley server running as a child process (the production build, `dist/src/main.js`). */
export interface ParleyProcess {
  baseUrl: string;
  dataDir: string;
  logFile: string;
  /** The last `lines` lines of the server log. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone and its `DATA_DIR` removed. */
  stop(graceMs?: number): Promise<void>;
}

/** Backends switched on by the environment: left out, so the test always runs on the embedded defaults. */
const BACKEND_VARIABLES = ["REDIS_URL", "REDIS_HOST", "MONGODB_URI", "KAFKA_BROKERS", "S3_BUCKET", "S3_ENDPOINT", "PUBLIC_ADDRESS", "JWT_PUBLIC_KEY", "TURN_SERVER_URL", "STUN_SERVER_URL"];

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * Starts parley as `npm start` runs it (`node dist/src/main.js`, with this process's Node: no tsx
 * in the server; `npm run build` first, as test/e2e/run.sh does) on `host:port` with a
 * fresh temporary `DATA_DIR` and `SERVE_DEMO_APP=true`, logging to `logFile`, and resolves once
 * `GET /healthz` answers 200.
 * @throws when the process exits or /healthz does not answer within `timeoutMs`.
 */
export async function startParley(options: { host: string; port: number; logFile: string; timeoutMs?: number; env?: Record<string, string> }): Promise<ParleyProcess> {
  const { host, port, logFile, timeoutMs = 30_000 } = options;
  const dataDir = mkdtempSync(join(tmpdir(), "parley-e2e-"));
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of BACKEND_VARIABLES) delete env[name];
  Object.assign(env, {
    NODE_ENV: "development",
    HOST: host,
    PORT: String(port),
    DATA_DIR: dataDir,
    SERVE_DEMO_APP: "true",
    LOG_LEVEL: "info",
    ...options.env,
  });
  const log = openSync(logFile, "w");
  const child = spawn(process.execPath, ["dist/src/main.js"], { env, stdio: ["ignore", log, log] });
  closeSync(log);
  const baseUrl = `http://${host}:${port}`;
  const gone = exited(child);
  // Never leave the server behind, whatever ends this process (exit, crash, Ctrl-C, kill).
  const killChild = () => child.kill("SIGKILL");
  process.once("exit", killChild);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killChild();
      process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    });
  }
  const logTail = (lines = 40) => readFileSync(logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`parley exited with code ${child.exitCode} before answering /healthz:\n${logTail()}`);
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`parley did not answer ${baseUrl}/healthz within ${timeoutMs} ms (${lastError}):\n${logTail()}`);
    }
    // Poll the condition (the server is starting): a short pause between attempts.
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), gone]);
  }
  return { baseUrl, dataDir, logFile, logTail, stop };
}

import { ConfigError, loadConfig } from "./config/config.js";
import { createParley } from "./server.js";

/**
 * Longest graceful shutdown before the process exits anyway, in ms: rooms ending and
 * persisting, then the outbox flush (pm2's `kill_timeout` in ecosystem.config.js is above it).
 */
export const SHUTDOWN_DEADLINE_MS = 30_000;

/**
 * Process entry (`npm start`): parse config (fail fast, naming the variable), connect the
 * configured backends (awaited: a backend that does not answer stops the boot), then listen.
 * SIGTERM/SIGINT run the graceful shutdown of `createParley` (Colyseus's handler), then exit;
 * a shutdown that takes longer than {@link SHUTDOWN_DEADLINE_MS}, or a second signal, exits 1.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const parley = await createParley(config);
  let signalled = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, () => {
      if (signalled) {
        parley.logger.error({ signal }, "second signal during shutdown: exiting now");
        process.exit(1);
      }
      signalled = true;
      setTimeout(() => {
        parley.logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, "graceful shutdown took too long: exiting");
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
    });
  }
  await parley.listen();
}

main().catch((err: unknown) => {
  console.error("parley failed to start:", err);
  process.exit(1);
});

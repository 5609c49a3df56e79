import { ConfigError, loadConfig } from "./config/config.js";
import { createParley } from "./server.js";

/** Process entry (`npm start`): parse config (fail fast, naming the variable), then listen. */
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
  await createParley(config).listen();
}

main().catch((err: unknown) => {
  console.error("parley failed to start:", err);
  process.exit(1);
});

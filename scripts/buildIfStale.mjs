// `npm start`'s prestart: makes sure dist/ holds the compiled server before `node dist/src/main.js`.
//
// - In a checkout (tsconfig.build.json is there) with TypeScript installed (`npm ci`):
//   `tsc -b tsconfig.build.json`, which compiles only when a source or tsconfig is newer than
//   dist/.tsbuildinfo (about half a second when nothing changed), so README's `npm ci && npm start`
//   works on a fresh clone and a stale dist/ is never served.
// - Otherwise (the image holds dist/ but no sources; `npm ci --omit=dev` may leave no TypeScript):
//   nothing to compile, so it only checks that dist/src/main.js exists, and otherwise exits 1
//   saying how to build it.
//
// Plain ESM JavaScript, not TypeScript: it must run where tsx is not installed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = existsSync("tsconfig.build.json") ? require.resolve("typescript/bin/tsc") : undefined;
} catch {
  tsc = undefined;
}

if (tsc) {
  const run = spawnSync(process.execPath, [tsc, "-b", "tsconfig.build.json"], { stdio: "inherit" });
  process.exit(run.status ?? 1);
}
if (!existsSync("dist/src/main.js")) {
  console.error("dist/src/main.js is missing and cannot be built here (no TypeScript, e.g. after npm ci --omit=dev, or no sources): build where the dev dependencies are installed (npm ci && npm run build) and ship dist/.");
  process.exit(1);
}

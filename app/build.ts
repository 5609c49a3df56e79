/**
 * Builds the demo web client (`npm run build:app`): bundles `app/src/main.ts` with esbuild into
 * `app/dist/main.js` (ES module, for current Chromium and Firefox) and copies `index.html` and
 * `styles.css` beside it. `app/dist/` is what parley serves at `/app` (SERVE_DEMO_APP).
 */
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const appDir = join(process.cwd(), "app");
const distDir = join(appDir, "dist");

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(distDir, { recursive: true, force: true });
  mkdirSync(distDir, { recursive: true });
  const result = await build({
    entryPoints: [join(appDir, "src", "main.ts")],
    outfile: join(distDir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: ["chrome120", "firefox121", "safari17"],
    sourcemap: true,
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
    metafile: true,
  });
  for (const file of ["index.html", "styles.css"]) copyFileSync(join(appDir, file), join(distDir, file));
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`app/dist built in ${Date.now() - started} ms (${(bytes / 1024).toFixed(0)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

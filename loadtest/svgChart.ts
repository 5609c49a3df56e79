/**
 * Renders a vega-lite spec to an SVG file without a browser (vega-lite → vega → SVG), for the
 * benchmark charts of `loadtest/` (issue 11: charts rendered by a charting library, not by hand).
 */
import { writeFileSync } from "node:fs";
import type { TopLevelSpec } from "vega-lite";

/** The vega-lite schema every benchmark chart declares. */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Compiles `spec` and writes its SVG to `file` (overwritten). */
export async function renderSvg(spec: TopLevelSpec, file: string): Promise<void> {
  // vega pulls an ESM-only module with top-level await: load it at run time, not through require().
  const vega = await import("vega");
  const { compile } = await import("vega-lite");
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  writeFileSync(file, await view.toSVG());
}

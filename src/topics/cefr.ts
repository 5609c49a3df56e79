/** CEFR levels in ascending order (Common European Framework of Reference for Languages). */
export const CEFR_LEVELS = ["A1", "A2", "B1", "B2", "C1", "C2"] as const;

/** One CEFR level, `"A1"` … `"C2"`. */
export type CefrLevel = (typeof CEFR_LEVELS)[number];

/** Position of a level on the scale: A1 → 0 … C2 → 5. */
export function cefrIndex(level: CefrLevel): number {
  return CEFR_LEVELS.indexOf(level);
}

/** Signed distance `b - a` in levels (A2 → B1 = +1). */
export function cefrDistance(a: CefrLevel, b: CefrLevel): number {
  return cefrIndex(b) - cefrIndex(a);
}

/** True when `value` is a CEFR level string. */
export function isCefrLevel(value: unknown): value is CefrLevel {
  return typeof value === "string" && (CEFR_LEVELS as readonly string[]).includes(value);
}

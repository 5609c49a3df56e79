import { Router } from "express";
import { z } from "zod";
import { feedbackReceived, levelSuggestions } from "../session/levelDrift.js";
import { LEVEL_DRIFT_SESSIONS_READ } from "../session/ratingSubmission.js";
import type { CefrLevel } from "../topics/cefr.js";
import { principalOf } from "./authMiddleware.js";
import type { HttpDeps } from "./httpDeps.js";
import { parseOrThrow } from "./httpErrors.js";
import { languageCodeSchema } from "./requestSchemas.js";

/** Query of `GET /level-suggestions`: an optional language to keep (unknown parameters: 400). */
export const levelSuggestionsQuerySchema = z.strictObject({ languageCode: languageCodeSchema.optional() });

/**
 * `GET /api/conversations/level-suggestions?languageCode=` (DESIGN §10 "Level drift") — the
 * caller's `{ suggestions: [{ languageCode, currentLevel, suggestedLevel, evidence: { sessions,
 * higher, right, lower } }] }` from the `partnerLevelFeedback` their partners gave in their
 * latest {@link LEVEL_DRIFT_SESSIONS_READ} sessions, at the levels of their token (`levels`);
 * an empty list when nothing is suggested. `INVALID_REQUEST` (400) for a bad or unknown parameter.
 * Mounted under the authenticated `/api/conversations` router.
 */
export function levelSuggestionRoutes(deps: Pick<HttpDeps, "store">): Router {
  const router = Router();
  router.get("/level-suggestions", async (req, res) => {
    const query = parseOrThrow(levelSuggestionsQuerySchema, req.query, "query");
    const principal = principalOf(res);
    // Not filtered by the session's language: a tandem session's is the initiator's target.
    const { items } = await deps.store.sessions.listByUser({ userId: principal.userId, limit: LEVEL_DRIFT_SESSIONS_READ, offset: 0 });
    const levels = Object.fromEntries(Object.entries(principal.levels).filter((e): e is [string, CefrLevel] => e[1] !== undefined));
    const suggestions = levelSuggestions(feedbackReceived(items, principal.userId), levels).filter((s) => !query.languageCode || s.languageCode === query.languageCode);
    res.json({ suggestions });
  });
  return router;
}

import express, { Router } from "express";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { mintDevToken } from "../auth/devTokens.js";
import { ParleyError } from "../errors/errorCodes.js";
import { CEFR_LEVELS } from "../topics/cefr.js";
import { parseOrThrow } from "./httpErrors.js";
import type { HttpDeps } from "./httpDeps.js";

/** Where `npm run build:app` writes the demo web client (relative to the working directory). */
export const DEFAULT_DEMO_APP_DIST = "app/dist";

/** Lifetime of a token minted by `POST /app/dev-token`, in seconds (12 h). */
const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

const languageCode = z.string().regex(/^[a-z]{2,3}$/, "expected an ISO 639 language code such as \"en\"");

/**
 * Body of `POST /app/dev-token`: who to be. The user id is made up by the server from `name`
 * (`marie-3fa94c`), so two sign-ins never share quotas or tickets; roles are never granted.
 */
const devTokenBodySchema = z.strictObject({
  name: z.string().trim().min(1).max(60),
  nativeLanguageCode: languageCode,
  targetLanguageCode: languageCode,
  level: z.enum(CEFR_LEVELS),
  premium: z.boolean().default(false),
  accent: z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/, "expected an accent tag such as \"en-GB\"").optional(),
});

/** `marie-3fa94c` from `"Marie Curie"`: lowercase ASCII slug of the name plus 6 random hex digits. */
function devUserId(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[^\w\s-]/g, "")
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .slice(0, 24);
  return `${slug || "learner"}-${randomBytes(3).toString("hex")}`;
}

/**
 * The demo web client of `app/` (mounted at `/app` only when `config.serveDemoApp`, i.e.
 * `SERVE_DEMO_APP`, on by default outside production):
 * - `GET /app/…` serves the bundle of `npm run build:app` (`distDir`); when it has not been built,
 *   every page answers 503 saying so;
 * - `POST /app/dev-token` `{ name, nativeLanguageCode, targetLanguageCode, level, premium?, accent? }`
 *   → `{ token, userId, expiresInSeconds }`: a development token signed with `mintDevToken`
 *   (DESIGN §3). Refused with 403 `FORBIDDEN` when `NODE_ENV=production` or when only a public
 *   key is configured; 400 `INVALID_REQUEST` on a bad body.
 *
 * @param distDir the built app. @default `app/dist` under the working directory
 */
export function demoAppRoutes(deps: Pick<HttpDeps, "config">, distDir: string = resolve(DEFAULT_DEMO_APP_DIST)): Router {
  const router = Router();

  router.post("/dev-token", (req, res) => {
    const { config } = deps;
    if (config.env === "production") throw new ParleyError("FORBIDDEN", "development tokens are refused when NODE_ENV=production");
    if (!config.jwt.secret) throw new ParleyError("FORBIDDEN", "development tokens need JWT_SECRET (HS256); this server only has a public key");
    const body = parseOrThrow(devTokenBodySchema, req.body, "body");
    const userId = devUserId(body.name);
    const token = mintDevToken(
      config,
      {
        sub: userId,
        name: body.name,
        nativeLanguageCode: body.nativeLanguageCode,
        levels: { [body.targetLanguageCode]: body.level },
        tier: body.premium ? "premium" : "free",
        ...(body.accent ? { accent: body.accent } : {}),
      },
      DEV_TOKEN_TTL_SECONDS,
    );
    res.status(201).json({ token, userId, expiresInSeconds: DEV_TOKEN_TTL_SECONDS });
  });

  router.use((req, res, next) => {
    if (existsSync(join(distDir, "index.html"))) return next();
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    res.status(503).type("text/plain").send(`The demo app is not built (${distDir} is missing). Run \`npm run build:app\`, then reload.\n`);
  });
  router.use(express.static(distDir, { index: "index.html", setHeaders: (res) => res.setHeader("Cache-Control", "no-cache") }));
  return router;
}

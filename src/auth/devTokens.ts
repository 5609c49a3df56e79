import jwt from "jsonwebtoken";
import type { Config } from "../config/config.js";
import type { CefrLevel } from "../topics/cefr.js";

/** Claims accepted by {@link mintDevToken}. */
export interface DevTokenClaims {
  sub: string;
  name?: string;
  nativeLanguageCode: string;
  levels: Partial<Record<string, CefrLevel>>;
  tier?: "free" | "premium";
  accent?: string;
  skills?: string[];
  roles?: ("admin" | "moderator")[];
}

/**
 * Signs a development token with the configured HS256 secret (DESIGN §3).
 * @param expiresInSeconds lifetime, default 12 h
 * @throws Error when `NODE_ENV=production` or when only a public key is configured.
 */
export function mintDevToken(config: Config, claims: DevTokenClaims, expiresInSeconds = 12 * 3600): string {
  if (config.env === "production") throw new Error("development tokens are refused when NODE_ENV=production");
  if (!config.jwt.secret) throw new Error("minting needs JWT_SECRET (HS256)");
  return jwt.sign({ tier: "free", ...claims }, config.jwt.secret, {
    algorithm: "HS256",
    expiresIn: expiresInSeconds,
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
  });
}

import { createPublicKey, createSecretKey, type KeyObject } from "node:crypto";
import jwt, { type Algorithm } from "jsonwebtoken";
import type { Config } from "../config/config.js";
import { ParleyError } from "../errors/errorCodes.js";
import { claimsSchema, principalFromClaims, type Principal } from "./principal.js";

/** Verifies a bearer token and returns its {@link Principal}. */
export interface TokenVerifier {
  /** @throws ParleyError `UNAUTHORIZED` (401) when missing, malformed, expired or badly signed. */
  verify(token: string | undefined | null): Principal;
}

/**
 * Builds the verifier of DESIGN §3: HS256 with `JWT_SECRET`, or RS256/ES256 with
 * `JWT_PUBLIC_KEY`. Algorithms are pinned per key type, so `none` and HS-with-a-public-key
 * are refused; `JWT_ISSUER`/`JWT_AUDIENCE` are checked when set.
 */
export function createTokenVerifier(jwtConfig: Config["jwt"]): TokenVerifier {
  const material = jwtConfig.publicKey ?? jwtConfig.secret;
  if (!material) throw new Error("no JWT key configured");
  // One key object for every verification: jsonwebtoken would otherwise build one per token.
  const key: KeyObject = jwtConfig.publicKey ? createPublicKey(jwtConfig.publicKey) : createSecretKey(Buffer.from(material));
  const algorithms: Algorithm[] = jwtConfig.publicKey ? ["RS256", "ES256"] : ["HS256"];
  return {
    verify(token) {
      if (!token) throw new ParleyError("UNAUTHORIZED", "missing bearer token");
      let decoded: string | jwt.JwtPayload;
      try {
        decoded = jwt.verify(token, key, {
          algorithms,
          issuer: jwtConfig.issuer,
          audience: jwtConfig.audience,
        });
      } catch (err) {
        const reason = err instanceof jwt.TokenExpiredError ? "token expired" : "invalid token";
        throw new ParleyError("UNAUTHORIZED", reason);
      }
      const claims = claimsSchema.safeParse(decoded);
      if (!claims.success) {
        const issue = claims.error.issues[0];
        throw new ParleyError("UNAUTHORIZED", `invalid token claims: ${issue?.path.join(".")} ${issue?.message}`);
      }
      return principalFromClaims(claims.data);
    },
  };
}

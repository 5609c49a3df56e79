import { z } from "zod";
import { CEFR_LEVELS, type CefrLevel } from "../topics/cefr.js";

const languageCode = z.string().regex(/^[a-z]{2,3}$/, "ISO 639 language code, e.g. en");

/** The JWT claims parley reads (DESIGN §3). Unknown claims are ignored. */
export const claimsSchema = z.object({
  sub: z.string().min(1).max(128),
  name: z.string().min(1).max(100).optional(),
  avatarUrl: z.string().url().max(2048).optional(),
  nativeLanguageCode: languageCode,
  levels: z.record(languageCode, z.enum(CEFR_LEVELS)).default({}),
  accent: z.string().max(20).optional(),
  tier: z.enum(["free", "premium"]).default("free"),
  skills: z.array(z.string().max(100)).max(1000).default([]),
  roles: z.array(z.enum(["admin", "moderator"])).default([]),
});

/** The verified identity of a caller, from its token's claims (DESIGN §3). */
export interface Principal {
  userId: string;
  displayName: string;
  avatarUrl?: string;
  nativeLanguageCode: string;
  /** CEFR level per language the learner studies, e.g. `{ en: "B1" }`. */
  levels: Partial<Record<string, CefrLevel>>;
  accent?: string;
  tier: "free" | "premium";
  skills: string[];
  roles: ("admin" | "moderator")[];
}

/** Builds a {@link Principal} from already-validated claims. */
export function principalFromClaims(claims: z.infer<typeof claimsSchema>): Principal {
  return {
    userId: claims.sub,
    displayName: claims.name ?? claims.sub,
    avatarUrl: claims.avatarUrl,
    nativeLanguageCode: claims.nativeLanguageCode,
    levels: claims.levels,
    accent: claims.accent,
    tier: claims.tier,
    skills: claims.skills,
    roles: claims.roles,
  };
}

/** True when the principal may use the admin API. */
export function isAdmin(principal: Principal): boolean {
  return principal.roles.includes("admin");
}

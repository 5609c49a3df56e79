/**
 * Prints a signed development token (DESIGN §3). Refused when NODE_ENV=production.
 *
 *   npm run token -- --sub alice --level en:B1 [--level es:A2] --native fr [--name Alice] [--premium] [--admin] [--skill restaurant_vocab.en]
 */
import { parseArgs } from "node:util";
import { mintDevToken } from "../src/auth/devTokens.js";
import { loadConfig } from "../src/config/config.js";
import { isCefrLevel, type CefrLevel } from "../src/topics/cefr.js";

const usage = "usage: npm run token -- --sub <userId> --level <lang>:<CEFR> [--level …] --native <lang> [--name <display name>] [--accent en-GB] [--skill <code> …] [--premium] [--admin] [--moderator] [--hours 12]";

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    name: { type: "string" },
    level: { type: "string", multiple: true, default: [] },
    native: { type: "string" },
    accent: { type: "string" },
    skill: { type: "string", multiple: true, default: [] },
    premium: { type: "boolean", default: false },
    admin: { type: "boolean", default: false },
    moderator: { type: "boolean", default: false },
    hours: { type: "string", default: "12" },
  },
  strict: true,
});

if (!values.sub) fail("--sub is required");
if (!values.native || !/^[a-z]{2,3}$/.test(values.native)) fail("--native <lang> is required, e.g. --native fr");
const levels: Record<string, CefrLevel> = {};
for (const entry of values.level) {
  const [lang, level] = entry.split(":");
  if (!lang || !/^[a-z]{2,3}$/.test(lang) || !isCefrLevel(level)) fail(`bad --level "${entry}", expected e.g. en:B1`);
  levels[lang] = level;
}
const hours = Number(values.hours);
if (!Number.isFinite(hours) || hours <= 0 || hours > 24 * 30) fail("--hours must be between 0 and 720");
const roles: ("admin" | "moderator")[] = [];
if (values.admin) roles.push("admin");
if (values.moderator) roles.push("moderator");

try {
  const token = mintDevToken(loadConfig(), {
    sub: values.sub,
    name: values.name ?? values.sub,
    nativeLanguageCode: values.native,
    levels,
    tier: values.premium ? "premium" : "free",
    ...(values.accent ? { accent: values.accent } : {}),
    ...(values.skill.length ? { skills: values.skill } : {}),
    ...(roles.length ? { roles } : {}),
  }, Math.round(hours * 3600));
  console.log(token);
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}

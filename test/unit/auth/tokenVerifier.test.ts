import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import jwt from "jsonwebtoken";
import { mintDevToken } from "../../../src/auth/devTokens.js";
import { createTokenVerifier } from "../../../src/auth/tokenVerifier.js";
import { iceServersFor } from "../../../src/auth/turnCredentials.js";
import { loadConfig } from "../../../src/config/config.js";
import type { ParleyError } from "../../../src/errors/errorCodes.js";

const claims = { sub: "alice", name: "Alice", nativeLanguageCode: "fr", levels: { en: "B1" } };
const unauthorized = (err: ParleyError) => err.code === "UNAUTHORIZED" && err.status === 401;

describe("auth: token verification (DESIGN §3)", () => {
  const config = loadConfig({ JWT_SECRET: "unit-test-secret" });
  const verifier = createTokenVerifier(config.jwt);

  it("turns a valid HS256 token into a principal with defaults", () => {
    const p = verifier.verify(mintDevToken(config, { ...claims, levels: { en: "B1" } }));
    assert.deepEqual([p.userId, p.displayName, p.levels.en, p.tier, p.roles], ["alice", "Alice", "B1", "free", []]);
  });

  it("refuses missing, malformed, expired and wrongly signed tokens with 401 UNAUTHORIZED", () => {
    assert.throws(() => verifier.verify(undefined), unauthorized);
    assert.throws(() => verifier.verify("not.a.jwt"), unauthorized);
    assert.throws(() => verifier.verify(jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, "unit-test-secret")), (e: ParleyError) => unauthorized(e) && /expired/.test(e.message));
    assert.throws(() => verifier.verify(jwt.sign(claims, "another-secret")), unauthorized);
  });

  it("refuses alg none and bad claims", () => {
    const none = jwt.sign(claims, "", { algorithm: "none" });
    assert.throws(() => verifier.verify(none), unauthorized);
    assert.throws(() => verifier.verify(jwt.sign({ ...claims, levels: { en: "Z9" } }, "unit-test-secret")), unauthorized);
    assert.throws(() => verifier.verify(jwt.sign({ name: "no sub", nativeLanguageCode: "fr" }, "unit-test-secret")), unauthorized);
  });

  it("pins RS256/ES256 with a public key and refuses HS256 signed with that key", () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = publicKey.export({ type: "spki", format: "pem" }).toString();
    const rsVerifier = createTokenVerifier(loadConfig({ JWT_PUBLIC_KEY: pem }).jwt);
    assert.equal(rsVerifier.verify(jwt.sign(claims, privateKey, { algorithm: "RS256" })).userId, "alice");
    assert.throws(() => rsVerifier.verify(jwt.sign(claims, pem, { algorithm: "HS256" })), unauthorized);
  });

  it("checks issuer and audience when configured", () => {
    const strict = loadConfig({ JWT_SECRET: "s", JWT_ISSUER: "https://auth.example", JWT_AUDIENCE: "parley" });
    const v = createTokenVerifier(strict.jwt);
    assert.equal(v.verify(mintDevToken(strict, claims as never)).userId, "alice");
    assert.throws(() => v.verify(jwt.sign(claims, "s", { issuer: "https://evil.example", audience: "parley" })), unauthorized);
  });

  it("refuses to mint development tokens in production", () => {
    assert.throws(() => mintDevToken(loadConfig({ NODE_ENV: "production", JWT_SECRET: "prod", PARLEY_EMBEDDED: "1" }), claims as never), /production/);
  });
});

describe("auth: TURN REST credentials (DESIGN §7)", () => {
  it("gives username expiry:userId and base64 HMAC-SHA1 credential", () => {
    const config = loadConfig({ TURN_SERVER_URL: "turn:turn.example:3478", TURN_SECRET: "turn-secret", STUN_SERVER_URL: "stun:stun.example:3478", TURN_CREDENTIAL_TTL_SECONDS: "3600" });
    const servers = iceServersFor(config.webrtc, "alice", 1_700_000_000_000);
    assert.deepEqual(servers[0], { urls: ["stun:stun.example:3478"] });
    assert.equal(servers[1]?.username, "1700003600:alice");
    // echo -n "1700003600:alice" | openssl dgst -sha1 -hmac turn-secret -binary | base64
    assert.equal(servers[1]?.credential, "E4vPY/Y6LWBxrSVVafd9LKs2lHA=");
  });
});

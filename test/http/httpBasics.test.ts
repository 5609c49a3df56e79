import assert from "node:assert/strict";
import jwt from "jsonwebtoken";
import { testServer } from "../support/testServer.js";
import { api, assertError, restUser, UNKNOWN_ID } from "./restSupport.js";

/** Signs claims with the test server's secret and the given options. */
async function signed(claims: Record<string, unknown>, options: jwt.SignOptions = {}, secret?: string): Promise<string> {
  const { config } = await testServer();
  const key = secret ?? config.jwt.secret;
  assert.ok(key, "the test config uses an HS256 secret");
  return jwt.sign(claims, key, {
    algorithm: "HS256",
    ...(config.jwt.issuer ? { issuer: config.jwt.issuer } : {}),
    ...(config.jwt.audience ? { audience: config.jwt.audience } : {}),
    ...options,
  });
}

const EVERY_ENDPOINT: [string, string][] = [
  ["POST", "/api/conversations/match-request"],
  ["DELETE", `/api/conversations/match-request/${UNKNOWN_ID}`],
  ["GET", "/api/conversations/match-request/status"],
  ["GET", "/api/conversations/topics?targetLanguageCode=en"],
  ["GET", "/api/conversations/topics/daily_life.introductions?targetLanguageCode=en"],
  ["POST", `/api/conversations/sessions/${UNKNOWN_ID}/join`],
  ["POST", `/api/conversations/sessions/${UNKNOWN_ID}/leave`],
  ["GET", `/api/conversations/sessions/${UNKNOWN_ID}`],
  ["POST", `/api/conversations/sessions/${UNKNOWN_ID}/end`],
  ["POST", `/api/conversations/sessions/${UNKNOWN_ID}/rate`],
  ["GET", "/api/conversations/history"],
  ["GET", `/api/conversations/sessions/${UNKNOWN_ID}/transcript`],
  ["POST", `/api/conversations/sessions/${UNKNOWN_ID}/report`],
  ["GET", "/api/admin/rooms"],
  ["POST", `/api/admin/sessions/${UNKNOWN_ID}/end`],
  ["GET", "/api/admin/reports"],
  ["GET", "/api/admin/audit"],
  ["GET", "/api/admin/topics"],
  ["POST", "/api/admin/topics"],
  ["PUT", "/api/admin/topics/en/daily_life.introductions"],
  ["DELETE", "/api/admin/topics/en/daily_life.introductions"],
];

describe("http: authentication and the error format", () => {
  before(async () => {
    await testServer();
  });

  it("answers 401 UNAUTHORIZED on every endpoint without a token", async () => {
    for (const [method, path] of EVERY_ENDPOINT) {
      assertError(await api(method, path), 401, "UNAUTHORIZED");
    }
  });

  it("answers 401 for malformed, badly signed, expired and alg-none tokens", async () => {
    const claims = { sub: "mallory", nativeLanguageCode: "en", levels: { fr: "B1" } };
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
      "not-a-jwt",
      "a.b.c",
      await signed(claims, {}, "some-other-secret-that-is-long-enough"),
      await signed({ ...claims, iat: now - 7200, exp: now - 3600 }),
      jwt.sign(claims, "", { algorithm: "none" }),
      await signed({ nativeLanguageCode: "en" }),
    ];
    for (const token of tokens) {
      assertError(await api("GET", "/api/conversations/match-request/status", { token }), 401, "UNAUTHORIZED");
    }
    assertError(await api("GET", "/api/conversations/match-request/status", { headers: { authorization: "Basic abc" } }), 401, "UNAUTHORIZED");
    const expired = await api("GET", "/api/conversations/history", { token: tokens[3] });
    assert.match((expired.body as { error: { message: string } }).error.message, /expired/);
  });

  it("accepts a valid token", async () => {
    const token = await signed({ sub: "valid-user-http", nativeLanguageCode: "en", levels: {} });
    const res = await api("GET", "/api/conversations/history", { token });
    assert.equal(res.status, 200);
  });

  it("answers 413 PAYLOAD_TOO_LARGE for a body over 32 KB and 400 for malformed JSON", async () => {
    const u = await restUser("big", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const huge = { targetLanguageCode: "en", topicCode: "daily_life.introductions", padding: "x".repeat(40 * 1024) };
    assertError(await api("POST", "/api/conversations/match-request", { token: u.token, body: huge }), 413, "PAYLOAD_TOO_LARGE");
    assertError(await api("POST", `/api/conversations/sessions/${UNKNOWN_ID}/rate`, { token: u.token, body: { rating: 5, feedback: "y".repeat(33 * 1024) } }), 413, "PAYLOAD_TOO_LARGE");
    for (const raw of ["{", "{\"rating\": }", "nul", "{'a':1}", "\"just a string\"", "42"]) {
      assertError(await api("POST", `/api/conversations/sessions/${UNKNOWN_ID}/rate`, { token: u.token, raw }), 400, "INVALID_REQUEST");
    }
  });

  it("answers unknown API paths with 404 NOT_FOUND in the same format", async () => {
    const u = await restUser("lost", { nativeLanguageCode: "fr", levels: {} });
    assertError(await api("GET", "/api/conversations/nothing-here", { token: u.token }), 404, "NOT_FOUND");
    assertError(await api("PATCH", `/api/conversations/sessions/${UNKNOWN_ID}`, { token: u.token }), 404, "NOT_FOUND");
  });

  it("never answers 500 to a battery of odd inputs", async () => {
    const u = await restUser("fuzz", { nativeLanguageCode: "fr", levels: { en: "B1" } });
    const odd = ["null", "[]", "[1,2]", "\"text\"", "0", "true", "{\"__proto__\":{\"polluted\":1}}", "{\"constructor\":{\"prototype\":{}}}", "{\"rating\":null}", "{\"rating\":1e400}", "{\"rating\":5,\"rating\":\"x\"}"];
    for (const [method, path] of EVERY_ENDPOINT) {
      if (method === "GET" || method === "DELETE") continue;
      for (const raw of odd) {
        const res = await api(method, path, { token: u.token, raw });
        assert.ok(res.status < 500, `${method} ${path} ${raw} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "no prototype pollution");
    for (const [method, path] of EVERY_ENDPOINT) {
      const sep = path.includes("?") ? "&" : "?";
      for (const query of ["limit=%00", "a[b]=1", "targetLanguageCode[]=en", "%E0%A4%A=1"]) {
        const res = await api(method, `${path}${sep}${query}`, { token: u.token });
        assert.ok(res.status < 500, `${method} ${path}${sep}${query} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  });
});

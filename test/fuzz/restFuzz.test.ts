import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { premium, restUser } from "../http/restSupport.js";
import { TEST_PORT, testServer, tokenFor } from "../support/testServer.js";
import { FUZZ_RUNS, fuzzParameters, hostileJson, hostileString } from "./fuzzSupport.js";

/** One REST route: method and path template with `{param}` placeholders. */
interface Route {
  method: string;
  path: string;
}

/** Routes outside the OpenAPI document (ops, the document itself). */
const OPS_ROUTES: Route[] = [
  { method: "GET", path: "/healthz" },
  { method: "GET", path: "/readyz" },
  { method: "GET", path: "/metrics" },
  { method: "GET", path: "/api/openapi.json" },
  { method: "POST", path: "/api/conversations/{anything}" },
];

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** A raw answer: status, headers and body text. */
interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Sends exactly these bytes to the test server (no URL normalisation: `%ZZ` stays `%ZZ`). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: TEST_PORT, method, path, headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) }, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A path parameter: percent garbage sent raw, or any string percent-encoded. */
const pathParameter: fc.Arbitrary<string> = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}%[0-9A-Za-z%]{0,4}[A-Za-z0-9]{0,6}$/),
  hostileString.map((s) => encodeURIComponent(s) || "x"),
  fc.uuid(),
  fc.constantFrom("%ZZ", "%", "%E0%A4%A", "%C0%AF", "..", "%2e%2e", "%00", "a%2Fb"),
);

/** A query string of hostile keys and values (sometimes repeated keys, arrays, objects). */
const queryString: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc.array(fc.tuple(fc.oneof(fc.constantFrom("limit", "offset", "cursor", "status", "type", "language", "targetLanguageCode", "level", "category", "userId", "sessionId", "flagged", "a[b]", "__proto__[x]"), hostileString), hostileString), { maxLength: 5 }).map(
    (pairs) => "?" + pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"),
  ),
  fc.constantFrom("?%ZZ=1", "?limit=%", "?limit[]=1&limit[]=2", "?a[b][c][d][e][f]=1", "?" + "x=1&".repeat(200)),
);

/** A body and the headers that describe it (content type and encoding, honest or not). */
const bodyAndHeaders: fc.Arbitrary<{ body?: Buffer; headers: Record<string, string> }> = fc
  .record({
    payload: fc.oneof(
      hostileJson.map((v) => Buffer.from(JSON.stringify(v) ?? "null")),
      hostileString.map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
      fc.constant(Buffer.alloc(40_000, 0x61)),
      fc.constant(undefined),
    ),
    contentType: fc.constantFrom(undefined, "application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "application/json; charset=bogus", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/*+json", "application/merge-patch+json"),
    encoding: fc.constantFrom(undefined, "identity", "gzip", "deflate", "br", "gzip-but-lying", "x-bogus", "gzip, gzip"),
    compressHonestly: fc.boolean(),
  })
  .map(({ payload, contentType, encoding, compressHonestly }) => {
    const headers: Record<string, string> = {};
    if (contentType) headers["content-type"] = contentType;
    let body = payload;
    if (encoding) {
      const real = encoding === "gzip-but-lying" ? "gzip" : encoding;
      headers["content-encoding"] = real;
      if (body && compressHonestly && encoding !== "gzip-but-lying") {
        if (real === "gzip") body = gzipSync(body);
        if (real === "deflate") body = deflateSync(body);
        if (real === "br") body = brotliCompressSync(body);
      }
    }
    return { body, headers };
  });

/** The request of one case: the route with its placeholders filled, a query, a body, extra headers, a caller. */
function caseFor(route: Route) {
  return fc.record({
    params: fc.array(pathParameter, { minLength: 4, maxLength: 4 }),
    query: queryString,
    body: bodyAndHeaders,
    caller: fc.constantFrom("learner", "admin", "none", "garbage", "lowercase-bearer"),
    extraHeader: fc.option(fc.tuple(fc.constantFrom("accept", "accept-encoding", "x-forwarded-for", "origin", "cookie", "range", "if-none-match"), fc.stringMatching(/^[\x20-\x7e]{0,200}$/))),
  }).map((c) => {
    let i = 0;
    const path = route.path.replace(/\{[^}]+\}/g, () => c.params[i++ % c.params.length] ?? "x");
    return { ...c, path: path + c.query };
  });
}

describe("fuzz: every REST route answers malformed requests with a 4xx error envelope, never a 5xx", function () {
  this.timeout(600_000);
  let routes: Route[] = [];
  const tokens: Record<string, string | undefined> = {};

  before(async () => {
    await testServer();
    const learner = await restUser("fuzzer", premium("en", "B1"));
    tokens.learner = learner.token;
    tokens.admin = await tokenFor({ sub: "fuzz-admin", name: "Fuzz admin", nativeLanguageCode: "fr", levels: { en: "C1" }, roles: ["admin"] });
    const doc = JSON.parse((await rawRequest("GET", "/api/openapi.json", {})).body) as { paths: Record<string, Record<string, unknown>> };
    routes = [...OPS_ROUTES];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) routes.push({ method: method.toUpperCase(), path });
    }
    assert.ok(routes.length >= 25, `the OpenAPI document lists the routes (${routes.length})`);
  });

  after(() => agent.destroy());

  it("covers every route of the OpenAPI document with FUZZ_RUNS cases each", async () => {
    const failures: string[] = [];
    for (const route of routes) {
      await fc.assert(
        fc.asyncProperty(caseFor(route), async (c) => {
          const headers: Record<string, string> = { ...c.body.headers };
          const token = tokens[c.caller];
          if (token) headers.authorization = `Bearer ${token}`;
          if (c.caller === "garbage") headers.authorization = "Bearer not.a.jwt";
          if (c.caller === "lowercase-bearer" && tokens.learner) headers.authorization = `bearer   ${tokens.learner}`;
          if (c.extraHeader) headers[c.extraHeader[0]] = c.extraHeader[1];
          const res = await rawRequest(route.method, c.path, headers, c.body.body);
          const where = `${route.method} ${c.path.slice(0, 120)} → ${res.status} ${res.body.slice(0, 200)}`;
          if (res.status >= 500) failures.push(where);
          assert.ok(res.status < 500, where);
          if (res.status >= 400 && res.contentType.includes("json")) {
            const parsed = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown } };
            assert.equal(typeof parsed.error?.code, "string", `error envelope with a code: ${where}`);
            assert.equal(typeof parsed.error?.message, "string", where);
          } else if (res.status >= 400) {
            assert.fail(`an error answer is JSON: ${where}`);
          }
        }),
        fuzzParameters(),
      );
    }
    assert.deepEqual(failures, []);
  });

  it("still serves valid requests afterwards", async () => {
    const topics = await rawRequest("GET", "/api/conversations/topics?targetLanguageCode=en", { authorization: `Bearer ${tokens.learner}` });
    assert.equal(topics.status, 200, topics.body);
    const health = await rawRequest("GET", "/healthz", {});
    assert.equal(health.status, 200);
    assert.ok(FUZZ_RUNS >= 1, "ran cases");
  });
});

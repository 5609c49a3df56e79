import assert from "node:assert/strict";
import { openApiDocument } from "../../src/http/openapi.js";

interface Doc {
  openapi: string;
  paths: Record<string, Record<string, { requestBody?: { content: { "application/json": { schema: { additionalProperties?: boolean; required?: string[] } } } }; responses: Record<string, unknown>; parameters?: { name: string; in: string; required: boolean }[] }>>;
}

describe("http: OpenAPI document", () => {
  const doc = openApiDocument() as unknown as Doc;

  it("describes the twelve endpoints of seed 002 §3.1, the report endpoint and the admin API", () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    for (const expected of [
      "POST /api/conversations/match-request",
      "DELETE /api/conversations/match-request/{id}",
      "GET /api/conversations/match-request/status",
      "GET /api/conversations/topics",
      "GET /api/conversations/topics/{code}",
      "POST /api/conversations/sessions/{id}/join",
      "POST /api/conversations/sessions/{id}/leave",
      "GET /api/conversations/sessions/{id}",
      "POST /api/conversations/sessions/{id}/end",
      "POST /api/conversations/sessions/{id}/rate",
      "GET /api/conversations/history",
      "GET /api/conversations/sessions/{id}/transcript",
      "POST /api/conversations/sessions/{id}/report",
      "POST /api/conversations/sessions",
      "GET /api/conversations/sessions",
      "POST /api/conversations/sessions/join-by-code",
      "GET /api/admin/rooms",
      "POST /api/admin/sessions/{id}/end",
      "GET /api/admin/reports",
      "POST /api/admin/reports/{userId}/resolve",
      "GET /api/admin/audit",
      "POST /api/admin/monitor-session",
      "GET /api/admin/topics",
      "POST /api/admin/topics",
      "GET /api/admin/topics/{targetLanguageCode}/{code}",
      "PUT /api/admin/topics/{targetLanguageCode}/{code}",
      "DELETE /api/admin/topics/{targetLanguageCode}/{code}",
    ]) {
      assert.ok(operations.includes(expected), `missing ${expected}`);
    }
    assert.equal(doc.openapi, "3.1.0");
    assert.doesNotThrow(() => JSON.stringify(doc));
  });

  it("derives bodies and queries from the validation schemas (strict, required fields)", () => {
    const body = doc.paths["/api/conversations/match-request"]?.post?.requestBody?.content["application/json"].schema;
    assert.equal(body?.additionalProperties, false);
    assert.deepEqual(body?.required, ["targetLanguageCode", "topicCode"]);
    const topics = doc.paths["/api/conversations/topics"]?.get?.parameters ?? [];
    assert.deepEqual(topics.map((p) => [p.name, p.in, p.required]), [["targetLanguageCode", "query", true], ["level", "query", false], ["category", "query", false]]);
    const group = doc.paths["/api/conversations/sessions"]?.post?.requestBody?.content["application/json"].schema;
    assert.equal(group?.additionalProperties, false);
    assert.deepEqual(group?.required, ["type", "targetLanguageCode"]);
    assert.ok("409" in (doc.paths["/api/conversations/sessions/join-by-code"]?.post?.responses ?? {}));
    const resolve = doc.paths["/api/admin/reports/{userId}/resolve"]?.post?.requestBody?.content["application/json"].schema;
    assert.equal(resolve?.additionalProperties, false);
    assert.deepEqual(resolve?.required, ["action"]);
    const reports = doc.paths["/api/admin/reports"]?.get?.parameters ?? [];
    assert.deepEqual(reports.map((p) => p.name), ["limit", "offset", "flagged"]);
    assert.ok("409" in (doc.paths["/api/conversations/sessions/{id}/report"]?.post?.responses ?? {}), "ALREADY_REPORTED");
    assert.ok("403" in (doc.paths["/api/conversations/match-request"]?.post?.responses ?? {}), "BANNED");
    const rate = doc.paths["/api/conversations/sessions/{id}/rate"]?.post?.responses ?? {};
    assert.ok("422" in rate && "409" in rate && "404" in rate && "401" in rate && "400" in rate);
  });
});

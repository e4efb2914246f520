import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { LATENCY_BUCKETS_MS } from "../src/metrics";
import { TRACE_ID, sampleValue, startService, type RunningService } from "./helpers";

describe("the running service", () => {
  let service: RunningService;
  before(async () => {
    service = await startService();
  });
  after(async () => {
    await service.stop();
  });

  it("answers liveness and readiness with 200 once listening", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`${service.url}${path}`);
      assert.equal(res.status, 200, path);
    }
  });

  it("counts a request under its route pattern and an unknown path under 'unmatched'", async () => {
    const labels = { method: "GET", route: "/hello", status_code: "200" };
    const unmatched = { method: "GET", route: "unmatched", status_code: "404" };
    const before = await (await fetch(`${service.url}/metrics`)).text();
    assert.equal((await fetch(`${service.url}/hello`)).status, 200);
    assert.equal((await fetch(`${service.url}/users/12345`)).status, 404);
    const after = await (await fetch(`${service.url}/metrics`)).text();

    assert.equal(sampleValue(after, "http_requests_total", labels), sampleValue(before, "http_requests_total", labels) + 1);
    assert.equal(sampleValue(after, "http_requests_total", unmatched), sampleValue(before, "http_requests_total", unmatched) + 1);
    assert.ok(sampleValue(after, "http_request_duration_seconds_count", labels) >= 1);
    assert.doesNotMatch(after, /route="\/users\/12345"/);
    assert.match(after, /^nodejs_eventloop_lag_seconds /m);
  });

  it("exposes exactly the latency buckets the platform catalogue allows as SLO thresholds", async () => {
    await fetch(`${service.url}/hello`);
    const text = await (await fetch(`${service.url}/metrics`)).text();
    const bounds = [...text.matchAll(/^http_request_duration_seconds_bucket\{[^}]*le="([^"]+)"[^}]*route="\/hello"/gm)]
      .map((match) => match[1])
      .filter((le) => le !== "+Inf");
    const unique = [...new Set(bounds)].map(Number);
    assert.deepEqual(unique, LATENCY_BUCKETS_MS.map((ms) => ms / 1000));
  });

  it("continues the caller's trace: traceresponse header and the request's log line carry its trace id", async () => {
    const traceId = randomBytes(16).toString("hex");
    const parentId = randomBytes(8).toString("hex");
    const res = await fetch(`${service.url}/hello`, {
      headers: { traceparent: `00-${traceId}-${parentId}-01`, "x-user-id": "user-42" },
    });
    assert.equal(res.status, 200);
    const header = res.headers.get("traceresponse") ?? "";
    const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(header);
    assert.ok(match, `traceresponse ${JSON.stringify(header)} is not 00-<trace>-<span>-<flags>`);
    assert.equal(match[1], traceId);
    assert.notEqual(match[2], parentId, "the server span is a child of the caller's span, not the same span");

    const line = await service.waitForLog((l) => l.msg === "request" && l.trace_id === traceId);
    assert.equal(line.span_id, match[2]);
    assert.equal(line.route, "/hello");
    assert.equal(line.path, "/hello");
    assert.equal(line.method, "GET");
    assert.equal(line.status, 200);
    assert.equal(line.user_id, "user-42");
    assert.equal(typeof line.duration_ms, "number");
  });

  it("starts a new trace when the caller sends none", async () => {
    const res = await fetch(`${service.url}/hello`);
    assert.match(res.headers.get("traceresponse") ?? "", /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it("echoes a valid message", async () => {
    const res = await fetch(`${service.url}/echo`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ message: "hi" }),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: "hi" });
  });

  const badRequests: { name: string; status: number; contentType: string; body: string; error: RegExp }[] = [
    { name: "malformed JSON", status: 400, contentType: "application/json", body: '{"message": ', error: /not valid JSON/ },
    { name: "a body over 16kb", status: 413, contentType: "application/json", body: JSON.stringify({ message: "x".repeat(20_000) }), error: /larger than the limit/ },
    { name: "a message that is not a string", status: 400, contentType: "application/json", body: '{"message": 42}', error: /message/ },
    { name: "a message over 1000 characters", status: 400, contentType: "application/json", body: JSON.stringify({ message: "x".repeat(1001) }), error: /message/ },
    { name: "an unknown field", status: 400, contentType: "application/json", body: '{"message": "hi", "admin": true}', error: /admin/ },
    { name: "a JSON array", status: 400, contentType: "application/json", body: "[]", error: /invalid body/ },
    { name: "a bare JSON string", status: 400, contentType: "application/json", body: '"hi"', error: /not valid JSON/ },
    { name: "a non-JSON content type", status: 415, contentType: "text/plain", body: "hi", error: /application\/json/ },
  ];
  for (const bad of badRequests) {
    it(`rejects ${bad.name} with ${bad.status} {error, traceId}`, async () => {
      const res = await fetch(`${service.url}/echo`, { method: "POST", headers: { "content-type": bad.contentType }, body: bad.body });
      assert.equal(res.status, bad.status);
      const body = (await res.json()) as { error: string; traceId: string };
      assert.match(body.error, bad.error);
      assert.match(body.traceId, TRACE_ID);
      assert.equal((await fetch(`${service.url}/healthz`)).status, 200, "the service survives");
    });
  }

  it("labels a rejected body with its route, not 'unmatched'", async () => {
    await fetch(`${service.url}/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    const text = await (await fetch(`${service.url}/metrics`)).text();
    assert.ok(sampleValue(text, "http_requests_total", { method: "POST", route: "/echo", status_code: "400" }) >= 1);
  });

  it("answers an unknown route with 404 {error, traceId}", async () => {
    const res = await fetch(`${service.url}/nope`);
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: string; traceId: string };
    assert.equal(body.error, "no such route");
    assert.match(body.traceId, TRACE_ID);
  });
});

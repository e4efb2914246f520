import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { TRACE_ID, startService, type RunningService } from "./helpers";

describe("fault injection", () => {
  let service: RunningService;
  before(async () => {
    service = await startService({ FAULT_ERROR_RATE: "1", FAULT_LATENCY_MS: "200" });
  });
  after(async () => {
    await service.stop();
  });

  it("fails /hello with a 500 that hides the cause but carries the trace id", async () => {
    const started = Date.now();
    const res = await fetch(`${service.url}/hello`);
    assert.ok(Date.now() - started >= 190, "FAULT_LATENCY_MS delays the answer");
    assert.equal(res.status, 500);
    const body = (await res.json()) as { error: string; traceId: string };
    assert.equal(body.error, "internal error");
    assert.match(body.traceId, TRACE_ID);
    const line = await service.waitForLog((l) => l.msg === "request failed");
    assert.equal(line.trace_id, body.traceId);
  });

  it("leaves the probes alone", async () => {
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
  });
});

describe("configuration", () => {
  it("refuses an out-of-range value and names the variable", async () => {
    await assert.rejects(startService({ FAULT_ERROR_RATE: "2" }), /exited with 2/);
  });
});

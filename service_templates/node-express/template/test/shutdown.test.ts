import assert from "node:assert/strict";
import http from "node:http";
import { describe, it } from "node:test";
import { startService } from "./helpers";

function get(url: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error("request timed out")));
  });
}

describe("graceful shutdown", () => {
  it("reports not-ready, finishes the in-flight request and exits 0 after SIGTERM", async () => {
    const service = await startService({ FAULT_LATENCY_MS: "800", SHUTDOWN_DELAY_MS: "300" });
    try {
      const inFlight = get(`${service.url}/hello`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      service.child.kill("SIGTERM");
      await service.waitForLog((l) => l.msg === "draining");
      const ready = await get(`${service.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(JSON.parse(ready.body), { status: "draining" });

      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.equal(await service.exited(), 0);
    } finally {
      await service.stop();
    }
  });

  it("does not wait for idle keep-alive connections", async () => {
    const service = await startService({ SHUTDOWN_TIMEOUT_MS: "8000" });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      assert.equal((await get(`${service.url}/hello`, agent)).status, 200);
      const started = Date.now();
      service.child.kill("SIGTERM");
      assert.equal(await service.exited(), 0);
      assert.ok(Date.now() - started < 3000, `exit took ${String(Date.now() - started)} ms`);
    } finally {
      agent.destroy();
      await service.stop();
    }
  });
});

import type { IRouter } from "express";
import type { Lifecycle } from "../lifecycle";
import type { Metrics } from "../metrics";

export function probeRoutes(router: IRouter, lifecycle: Lifecycle, metrics: Metrics): void {
  // Liveness: the event loop answers. Never depends on downstreams, or an outage restarts every pod.
  router.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  // Readiness: traffic only while "ready"; 503 while starting and while draining for shutdown.
  router.get("/readyz", (_req, res) => {
    const state = lifecycle.state;
    res.status(state === "ready" ? 200 : 503).json({ status: state });
  });

  router.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
}

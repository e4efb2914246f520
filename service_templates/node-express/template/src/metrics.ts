import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

// Must equal TEMPLATE_LATENCY_BUCKETS_MS["node-express"] in the platform's companyos/catalog/model.py:
// a latency SLO threshold is only measurable at a bucket boundary, so the catalogue accepts exactly
// these thresholds. Change both together.
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 200, 250, 300, 400, 500, 750, 1000, 2500, 5000, 10000] as const;

const LABELS = ["method", "route", "status_code"] as const;

export interface Metrics {
  registry: Registry;
  requests: Counter<(typeof LABELS)[number]>;
  duration: Histogram<(typeof LABELS)[number]>;
  inFlight: Gauge;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  // Process metrics: CPU, memory, GC, handles and nodejs_eventloop_lag_seconds.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests served, by Express route pattern and status code.",
      labelNames: LABELS,
      registers: [registry],
    }),
    duration: new Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration from first byte in to response finished.",
      labelNames: LABELS,
      buckets: LATENCY_BUCKETS_MS.map((ms) => ms / 1000),
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: "http_requests_in_flight",
      help: "HTTP requests received and not yet answered.",
      registers: [registry],
    }),
  };
}

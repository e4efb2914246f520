// Preloaded into the bare app by benchmarks/bench_service_throughput.py (variant "tracing floor"), from a
// copy placed inside the generated service so it resolves that service's OpenTelemetry packages.
// Not a configuration anyone ships: the OpenTelemetry SDK with only the HTTP instrumentation, every
// request traced and its span recorded, nothing exported, no logs, no metrics. It measures what one
// recorded server span per request costs by itself, the part of the generated service's overhead that
// no template change can remove while it keeps OpenTelemetry's HTTP instrumentation.
"use strict";
const { NodeSDK } = require("@opentelemetry/sdk-node");
const { HttpInstrumentation } = require("@opentelemetry/instrumentation-http");
const { NoopSpanProcessor } = require("@opentelemetry/sdk-trace");

new NodeSDK({
  serviceName: "bench-floor",
  spanProcessors: [new NoopSpanProcessor()],
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [new HttpInstrumentation()],
}).start();

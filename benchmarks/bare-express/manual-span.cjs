// Preloaded into the bare app by benchmarks/bench_service_throughput.py (variant "span by hand"), from a
// copy inside the generated service so it resolves that service's OpenTelemetry packages. Not a
// configuration anyone ships: the same OpenTelemetry SDK, context manager and propagators as the tracing
// floor, but the server span is started and ended by this wrapper instead of
// @opentelemetry/instrumentation-http (W3C traceparent extracted, span recorded, a few attributes, not
// exported). Against the tracing floor it separates the cost of a span per request from the cost of
// the HTTP instrumentation's own work per request.
"use strict";
const http = require("node:http");
const { NodeSDK } = require("@opentelemetry/sdk-node");
const { NoopSpanProcessor } = require("@opentelemetry/sdk-trace");
const api = require("@opentelemetry/api");

new NodeSDK({
  serviceName: "bench-manual-span",
  spanProcessors: [new NoopSpanProcessor()],
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [],
}).start();

const tracer = api.trace.getTracer("bench-manual-span");
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event !== "request") return emit.call(this, event, ...args);
  const [request, response] = args;
  const parent = api.propagation.extract(api.ROOT_CONTEXT, request.headers);
  const span = tracer.startSpan(request.method, {
    kind: api.SpanKind.SERVER,
    attributes: { "http.request.method": request.method, "url.path": request.url },
  }, parent);
  response.once("finish", () => {
    span.setAttribute("http.response.status_code", response.statusCode);
    span.end();
  });
  return api.context.with(api.trace.setSpan(parent, span), () => emit.call(this, event, ...args));
};

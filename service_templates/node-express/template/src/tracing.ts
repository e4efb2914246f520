// Loaded before anything else (`node --require ./dist/tracing.js`, and first import of server.ts):
// the instrumentations patch `http` and `express` when those are first required.
import type { IncomingMessage } from "node:http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { ExpressInstrumentation, ExpressLayerType } from "@opentelemetry/instrumentation-express";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";
import { rememberServerSpan } from "./request-span";
import { SERVICE_NAME } from "./service-info";

const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

/** Probes and scrapes get no span: they arrive every few seconds and would drown the real requests. */
function untraced(req: IncomingMessage): boolean {
  const url = req.url ?? "";
  const query = url.indexOf("?");
  return UNTRACED_PATHS.has(query < 0 ? url : url.slice(0, query));
}

function spanProcessors(): SpanProcessor[] {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (endpoint) {
    // The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT itself and appends /v1/traces.
    const delay = Number(process.env.OTEL_BSP_SCHEDULE_DELAY);
    return [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        ...(Number.isInteger(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {}),
      }),
    ];
  }
  // Without a processor the SDK registers no tracer provider at all and no trace ids would exist;
  // the no-op processor keeps spans (and ids for logs and traceresponse) while exporting nothing.
  return [new NoopSpanProcessor()];
}

// NodeSDK honours OTEL_SDK_DISABLED, but an instrumentation patches its module as soon as it is
// constructed. Created disabled, they are enabled by sdk.start() only when the SDK does start, so
// OTEL_SDK_DISABLED=true leaves http and express unpatched (no trace ids then, in logs or answers).
const created = { enabled: false };

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME?.trim() || SERVICE_NAME,
  spanProcessors: spanProcessors(),
  // Metrics are served by prom-client on /metrics and logs go to stdout: keep the SDK to traces so it
  // never starts OTLP metric/log exporters from its environment defaults.
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [
    new HttpInstrumentation({
      ...created,
      ignoreIncomingRequestHook: untraced,
      requestHook: (span, req) => {
        if ("headers" in req && !("setHeader" in req)) rememberServerSpan(req, span);
      },
    }),
    // The express instrumentation names the server span after the route ("GET /hello") and sets its
    // http.route whatever layers it ignores. Its per-layer spans are off: router spans end at once
    // (zero length, by the instrumentation's own note), middleware and handler spans repeat the
    // server span's timing, and each is a span plus context bindings on every request (with them on,
    // this service answered ~14% fewer requests/s in the platform's throughput benchmark). To see
    // where a slow middleware spends its time, drop its layer type from this list.
    new ExpressInstrumentation({
      ...created,
      ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER],
    }),
  ],
});

sdk.start();

let stopped: Promise<void> | undefined;

/** Flushes buffered spans; safe to call more than once. */
export function shutdownTracing(): Promise<void> {
  stopped ??= sdk.shutdown();
  return stopped;
}

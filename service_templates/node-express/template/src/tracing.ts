// Loaded before anything else (`node --require ./dist/tracing.js`, and first import of server.ts):
// the instrumentations patch `http` and `express` when those are first required.
import type { IncomingMessage } from "node:http";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace";
import { rememberServerSpan } from "./request-span";
import { SERVICE_NAME } from "./service-info";

const UNTRACED_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

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

const sdk = new NodeSDK({
  serviceName: process.env.OTEL_SERVICE_NAME?.trim() || SERVICE_NAME,
  spanProcessors: spanProcessors(),
  // Metrics are served by prom-client on /metrics and logs go to stdout: keep the SDK to traces so it
  // never starts OTLP metric/log exporters from its environment defaults.
  metricReaders: [],
  logRecordProcessors: [],
  instrumentations: [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.has((req.url ?? "").split("?")[0] ?? ""),
      requestHook: (span, req) => {
        if ("headers" in req && !("setHeader" in req)) rememberServerSpan(req, span);
      },
    }),
    new ExpressInstrumentation(),
  ],
});

sdk.start();

let stopped: Promise<void> | undefined;

/** Flushes buffered spans; safe to call more than once. */
export function shutdownTracing(): Promise<void> {
  stopped ??= sdk.shutdown();
  return stopped;
}

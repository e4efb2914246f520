import type { IncomingMessage } from "node:http";
import { trace, type Span } from "@opentelemetry/api";

// The HTTP instrumentation hands us the server span in a hook; Express middleware runs under the
// instrumentation's per-layer spans, so without this the traceresponse header would name a layer span
// instead of the span the caller's traceparent is the parent of.
const serverSpans = new WeakMap<IncomingMessage, Span>();

export function rememberServerSpan(req: IncomingMessage, span: Span): void {
  serverSpans.set(req, span);
}

export function serverSpanOf(req: IncomingMessage): Span | undefined {
  return serverSpans.get(req) ?? trace.getActiveSpan();
}

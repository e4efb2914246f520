import type { IncomingMessage } from "node:http";
import { trace, type Span } from "@opentelemetry/api";

// The HTTP instrumentation hands us the server span in a hook. Express layer spans are off (see
// tracing.ts), but whoever turns them back on makes middleware run under a layer span: this keeps the
// traceresponse header naming the span the caller's traceparent is the parent of.
const serverSpans = new WeakMap<IncomingMessage, Span>();

export function rememberServerSpan(req: IncomingMessage, span: Span): void {
  serverSpans.set(req, span);
}

export function serverSpanOf(req: IncomingMessage): Span | undefined {
  return serverSpans.get(req) ?? trace.getActiveSpan();
}

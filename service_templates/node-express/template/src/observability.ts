import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import type { Lifecycle } from "./lifecycle";
import type { Metrics } from "./metrics";
import { serverSpanOf } from "./request-span";

const QUIET_PATHS = new Set(["/healthz", "/readyz", "/metrics"]);

export interface TraceIds {
  traceId?: string;
  spanId?: string;
}

/** The trace and span ids of the request's server span (what the caller's traceparent is parent of). */
export function traceIdsOf(req: Request): TraceIds {
  const context = serverSpanOf(req)?.spanContext();
  return context ? { traceId: context.traceId, spanId: context.spanId } : {};
}

/** Route pattern, never the raw path: raw paths would give every id its own time series. */
export function routeLabel(req: Request): string {
  // Express types req.route as any; read it as what it may be.
  const pattern: unknown = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === "string" ? `${req.baseUrl}${pattern}` : "unmatched";
}

/** The path without its query string: query strings may carry tokens and are never logged. */
function pathOf(req: Request): string {
  const url = req.originalUrl;
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

/**
 * First middleware: answers with the W3C trace-context level 2 `traceresponse` header, then records
 * one metric sample and one JSON log line when the response ends (or the client goes away).
 */
export function observe(logger: Logger, metrics: Metrics, lifecycle: Lifecycle) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const span = serverSpanOf(req)?.spanContext();
    if (span) {
      const flags = (span.traceFlags & 0xff).toString(16).padStart(2, "0");
      res.setHeader("traceresponse", `00-${span.traceId}-${span.spanId}-${flags}`);
    }
    // A draining server closes each connection after its response so keep-alive clients reconnect
    // to a ready replica instead of holding this process open.
    if (lifecycle.state === "draining") res.setHeader("Connection", "close");
    metrics.inFlight.inc();

    // "close" ends every response: after "finish" when it was sent, alone when the client went away.
    // One listener, not two: the tracing context wraps each listener added to the response.
    res.once("close", () => {
      metrics.inFlight.dec();
      const seconds = (performance.now() - started) / 1000;
      const labels = { method: req.method, route: routeLabel(req), status_code: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);

      const path = pathOf(req);
      // Probes and scrapes arrive every few seconds; at info level they would drown the requests.
      const level = QUIET_PATHS.has(path) ? "debug" : "info";
      if (!logger.isLevelEnabled(level)) return;
      const line: Record<string, unknown> = {
        trace_id: span?.traceId,
        span_id: span?.spanId,
        method: req.method,
        route: labels.route,
        path,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
      };
      const userId = req.get("x-user-id");
      if (userId) line.user_id = userId;
      if (!res.writableFinished) line.aborted = true;
      logger[level](line, "request");
    });
    next();
  };
}

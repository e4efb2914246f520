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
  const pattern: unknown = req.route?.path;
  return typeof pattern === "string" ? `${req.baseUrl}${pattern}` : "unmatched";
}

/**
 * First middleware: answers with the W3C trace-context level 2 `traceresponse` header, then records
 * one metric sample and one JSON log line when the response ends (or the client goes away).
 */
export function observe(logger: Logger, metrics: Metrics, lifecycle: Lifecycle) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const span = serverSpanOf(req)?.spanContext();
    if (span) {
      const flags = (span.traceFlags & 0xff).toString(16).padStart(2, "0");
      res.setHeader("traceresponse", `00-${span.traceId}-${span.spanId}-${flags}`);
    }
    // A draining server closes each connection after its response so keep-alive clients reconnect
    // to a ready replica instead of holding this process open.
    if (lifecycle.state === "draining") res.setHeader("Connection", "close");
    metrics.inFlight.inc();

    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      metrics.inFlight.dec();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method, route: routeLabel(req), status_code: String(res.statusCode) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);

      const path = req.originalUrl.split("?")[0] ?? "/"; // query strings may carry tokens: never logged
      const userId = req.get("x-user-id");
      const line = {
        trace_id: span?.traceId,
        span_id: span?.spanId,
        method: req.method,
        route: labels.route,
        path,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1e6) / 1e3,
        ...(userId ? { user_id: userId } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      // Probes and scrapes arrive every few seconds; at info level they would drown the requests.
      if (QUIET_PATHS.has(path)) logger.debug(line, "request");
      else logger.info(line, "request");
    };
    res.once("finish", record);
    res.once("close", record);
    next();
  };
}

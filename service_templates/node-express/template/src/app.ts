import express, { type Express, type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { Config } from "./config";
import { HttpError, toPublicError } from "./errors";
import type { Lifecycle } from "./lifecycle";
import type { Metrics } from "./metrics";
import { observe, traceIdsOf } from "./observability";
import { echoRoutes } from "./routes/echo";
import { helloRoutes } from "./routes/hello";
import { probeRoutes } from "./routes/probes";

export interface AppDeps {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  lifecycle: Lifecycle;
}

export function createApp({ config, logger, metrics, lifecycle }: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");

  app.use(observe(logger, metrics, lifecycle));
  // Routes go on the app itself, not on one Router per module: every nested Router is one more layer
  // each request walks through (and one more the express instrumentation wraps).
  helloRoutes(app, config);
  echoRoutes(app, config.bodyLimit);
  probeRoutes(app, lifecycle, metrics);

  app.use((_req: Request, _res: Response, next: NextFunction) => {
    next(new HttpError(404, "no such route"));
  });

  // The one error handler: every error answer, 404s included, is {error, traceId} so a caller can
  // quote the trace id and the owner can find the request's log line and spans.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const { status, message } = toPublicError(err);
    const { traceId } = traceIdsOf(req);
    if (status >= 500) logger.error({ err, trace_id: traceId }, "request failed");
    if (res.headersSent) {
      next(err); // Express closes the connection; a second body cannot be sent
      return;
    }
    res.status(status).json({ error: message, traceId: traceId ?? null });
  });

  return app;
}

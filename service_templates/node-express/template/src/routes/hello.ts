import type { IRouter, NextFunction, Response } from "express";
import type { Config } from "../config";
import { HttpError } from "../errors";
import { SERVICE_NAME } from "../service-info";

type Faults = Pick<Config, "faultErrorRate" | "faultLatencyMs">;

export function helloRoutes(router: IRouter, faults: Faults, random: () => number = Math.random): void {
  const answer = (res: Response, next: NextFunction): void => {
    if (faults.faultErrorRate > 0 && random() < faults.faultErrorRate) {
      next(new HttpError(500, "injected fault (FAULT_ERROR_RATE)"));
      return;
    }
    res.json({ message: `hello from ${SERVICE_NAME}` });
  };

  // Nothing here waits on I/O, so the handler is synchronous: an async one costs a promise (and, with
  // the tracing context on Node 20, an async hook call) per request. A handler that awaits I/O can be
  // async: Express 5 passes a rejected promise to the error handler.
  router.get("/hello", (_req, res, next) => {
    // Fault injection (FAULT_LATENCY_MS, FAULT_ERROR_RATE) lets tests and game days exercise the SLO
    // alerts; both are 0 unless set.
    if (faults.faultLatencyMs > 0) setTimeout(answer, faults.faultLatencyMs, res, next);
    else answer(res, next);
  });
}

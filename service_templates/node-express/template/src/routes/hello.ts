import { Router } from "express";
import type { Config } from "../config";
import { HttpError } from "../errors";
import { SERVICE_NAME } from "../service-info";

type Faults = Pick<Config, "faultErrorRate" | "faultLatencyMs">;

export function helloRoutes(faults: Faults, random: () => number = Math.random): Router {
  const router = Router();

  router.get("/hello", async (_req, res) => {
    // Fault injection (FAULT_LATENCY_MS, FAULT_ERROR_RATE) lets tests and game days exercise the SLO
    // alerts; both are 0 unless set.
    if (faults.faultLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.faultLatencyMs));
    if (faults.faultErrorRate > 0 && random() < faults.faultErrorRate) {
      throw new HttpError(500, "injected fault (FAULT_ERROR_RATE)");
    }
    res.json({ message: `hello from ${SERVICE_NAME}` });
  });

  return router;
}

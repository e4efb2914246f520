// All configuration comes from the environment (12-factor); a bad value stops the process at start
// with the variable's name rather than surfacing later as odd behaviour.
import { DEFAULT_PORT } from "./service-info";

export interface Config {
  port: number;
  logLevel: string;
  /** Largest JSON body accepted, as an Express/bytes size string. */
  bodyLimit: string;
  /** Fraction (0..1) of /hello requests that fail with 500: fault injection for tests, 0 in production. */
  faultErrorRate: number;
  /** Extra latency added to /hello: fault injection for tests, 0 in production. */
  faultLatencyMs: number;
  /** After SIGTERM, how long to keep serving with /readyz at 503 so load balancers stop sending first. */
  shutdownDelayMs: number;
  /** Upper bound on a graceful shutdown (delay included) before remaining connections are cut. */
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

type Env = Record<string, string | undefined>;

function numberFrom(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const kind = integer ? "an integer" : "a number";
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is invalid: set it to ${kind} from ${min} to ${max}`);
  }
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL?.trim() || "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${JSON.stringify(logLevel)} is invalid: use one of ${LOG_LEVELS.join(", ")}`);
  }
  const shutdownTimeoutMs = numberFrom(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 600_000, true);
  const shutdownDelayMs = numberFrom(env, "SHUTDOWN_DELAY_MS", 0, 0, 600_000, true);
  if (shutdownDelayMs >= shutdownTimeoutMs && shutdownDelayMs > 0) {
    throw new ConfigError(
      `SHUTDOWN_DELAY_MS=${shutdownDelayMs} must be below SHUTDOWN_TIMEOUT_MS=${shutdownTimeoutMs}, or in-flight requests get no time to finish`,
    );
  }
  return {
    port: numberFrom(env, "PORT", DEFAULT_PORT, 0, 65535, true),
    logLevel,
    bodyLimit: "16kb",
    faultErrorRate: numberFrom(env, "FAULT_ERROR_RATE", 0, 0, 1, false),
    faultLatencyMs: numberFrom(env, "FAULT_LATENCY_MS", 0, 0, 60_000, true),
    shutdownDelayMs,
    shutdownTimeoutMs,
  };
}

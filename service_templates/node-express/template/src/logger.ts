import pino, { type Logger } from "pino";
import { trace } from "@opentelemetry/api";
import { SERVICE_NAME } from "./service-info";

/**
 * stdout, buffered (pino's documented sonic-boom options): pino's default blocks the request path on
 * one write(2) per line, most of what the request log cost this service under load. Lines collect up
 * to 4 KB and are written asynchronously, at the latest 100 ms after they were logged. Every exit of
 * server.ts waits for flushLogs, so a shutdown loses nothing and "stopped" stays the last line; on an
 * uncaught exception pino writes the buffer synchronously as the process exits. The price: a process
 * killed outright (SIGKILL, OOM kill) loses at most its last 100 ms of lines, acceptable for a
 * request log.
 */
const BUFFER_BYTES = 4096;
const FLUSH_EVERY_MS = 100;

function stdout(): pino.DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: BUFFER_BYTES, periodicFlush: FLUSH_EVERY_MS });
}

/**
 * pino's `stdTimeFunctions.isoTime` output (`,"time":"2026-01-31T12:34:56.789Z"`), formatting a Date
 * once a second instead of on every line: per line it was the largest single cost of the request log.
 */
export function isoTime(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = `,"time":"${new Date(second * 1000).toISOString().slice(0, 20)}`; // up to "...:56."
  }
  const ms = now - second * 1000;
  return `${cachedPrefix}${ms < 10 ? "00" : ms < 100 ? "0" : ""}${ms}Z"`;
}
let cachedSecond = Number.NaN;
let cachedPrefix = "";

/** Resolves once every buffered line is written, or after `timeoutMs`: a stuck stdout must not hold an exit. */
export function flushLogs(logger: Logger, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** JSON lines on stdout; every line logged inside a traced request carries its trace and span ids. */
export function createLogger(level: string, destination: pino.DestinationStream = stdout()): Logger {
  return pino(
    {
      level,
      base: { service: SERVICE_NAME },
      timestamp: () => isoTime(),
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
      },
    },
    destination,
  );
}

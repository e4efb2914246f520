// Entry point. tracing must be the first import: it patches http and express as they load.
import { shutdownTracing } from "./tracing";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app";
import { ConfigError, loadConfig, type Config } from "./config";
import { Lifecycle } from "./lifecycle";
import { createLogger, flushLogs } from "./logger";
import { createMetrics } from "./metrics";

function start(config: Config): void {
  const logger = createLogger(config.logLevel);
  const lifecycle = new Lifecycle();
  const app = createApp({ config, logger, metrics: createMetrics(), lifecycle });
  const server = createServer(app);

  // Every exit waits for the buffered log lines (src/logger.ts) to be written; the first exit asked
  // for wins (a drain that ends while the timed-out one flushes must not turn exit 1 into 0).
  let exiting = false;
  const exit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    void flushLogs(logger).then(() => process.exit(code));
  };

  server.on("error", (err) => {
    logger.fatal({ err }, "server error");
    exit(1);
  });
  server.listen(config.port, () => {
    lifecycle.markReady();
    logger.info({ port: (server.address() as AddressInfo).port }, "listening");
  });

  let shuttingDown = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    lifecycle.markDraining();
    logger.info({ signal, delay_ms: config.shutdownDelayMs, timeout_ms: config.shutdownTimeoutMs }, "draining");

    const deadline = setTimeout(() => {
      logger.error({ timeout_ms: config.shutdownTimeoutMs }, "shutdown timed out: closing remaining connections");
      server.closeAllConnections();
      exit(1);
    }, config.shutdownTimeoutMs);
    deadline.unref();

    setTimeout(() => {
      // close() stops accepting and calls back once every connection is gone; keep-alive connections
      // sit idle between requests, so close each as soon as it falls idle instead of waiting it out.
      const reaper = setInterval(() => {
        server.closeIdleConnections();
      }, 100);
      server.close(() => {
        clearInterval(reaper);
        // An unreachable collector must not turn a clean stop into a failed one: flush for at most 2 s.
        const flushBound = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
        Promise.race([shutdownTracing(), flushBound])
          .catch((err: unknown) => {
            logger.warn({ err }, "could not flush spans");
          })
          .finally(() => {
            clearTimeout(deadline);
            logger.info("stopped");
            exit(0);
          });
      });
      server.closeIdleConnections();
    }, config.shutdownDelayMs);
  };
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
}

try {
  start(loadConfig());
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`configuration error: ${err.message}\n`);
  process.exit(2);
}

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";

// Tests drive the built service exactly as `npm start` runs it: a child process with the tracing
// preload, configured by environment, logging JSON lines to stdout.
const ROOT = path.resolve(__dirname, "..");

export type LogLine = Record<string, unknown>;

export interface RunningService {
  url: string;
  child: ChildProcess;
  logs: LogLine[];
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code; the process is killed if it outlives the timeout. */
  exited(timeoutMs?: number): Promise<number | null>;
  stop(): Promise<void>;
}

async function until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  const child = spawn(process.execPath, ["--require", "./dist/tracing.js", "dist/server.js"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: LogLine[] = [];
  createInterface({ input: child.stdout }).on("line", (text) => {
    try {
      logs.push(JSON.parse(text) as LogLine);
    } catch {
      logs.push({ unparsed: text });
    }
  });
  let exitCode: number | null | undefined;
  const exit = once(child, "exit").then(([code]) => {
    exitCode = code as number | null;
    return exitCode;
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 5000) =>
    until(() => logs.find(predicate), timeoutMs, "a matching log line");

  const exited = async (timeoutMs = 15_000): Promise<number | null> => {
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    try {
      return await exit;
    } finally {
      clearTimeout(timer);
    }
  };

  const stop = async (): Promise<void> => {
    if (exitCode === undefined) {
      child.kill("SIGTERM");
      await exited(5000);
    }
  };

  try {
    const listening = await until(
      () => (exitCode !== undefined ? { port: -1 } : logs.find((line) => line.msg === "listening")),
      10_000,
      "the service to log 'listening'",
    );
    if (listening.port === -1) throw new Error(`service exited with ${String(exitCode)} before listening`);
    return { url: `http://127.0.0.1:${String(listening.port)}`, child, logs, waitForLog, exited, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Value of one sample line of the Prometheus text format, 0 when absent. */
export function sampleValue(metricsText: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of metricsText.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

export const TRACE_ID = /^[0-9a-f]{32}$/;

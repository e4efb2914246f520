// Preloaded into the bare app by benchmarks/bench_service_throughput.py (variant "context alone"). Not a
// configuration anyone ships: each request handled inside AsyncLocalStorage.run, the mechanism
// OpenTelemetry's Node context manager uses, with no span and no SDK. It measures what carrying a
// per-request context through Node 20's async hooks costs by itself.
"use strict";
const http = require("node:http");
const { AsyncLocalStorage } = require("node:async_hooks");

const storage = new AsyncLocalStorage();
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, ...args) {
  if (event !== "request") return emit.call(this, event, ...args);
  return storage.run({ request: args[0] }, () => emit.call(this, event, ...args));
};

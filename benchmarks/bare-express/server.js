// Baseline for benchmarks/bench_service_throughput.py: the same route and answer as the template's
// src/routes/hello.ts, with no metrics, logs, tracing or error handling around it.
"use strict";
const express = require("express");

const name = process.env.SERVICE_NAME || "bench-api";
const app = express();
app.get("/hello", (_req, res) => {
  res.json({ message: `hello from ${name}` });
});

const server = app.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ msg: "listening", port: server.address().port }));
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));

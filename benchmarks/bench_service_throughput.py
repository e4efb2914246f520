"""Request throughput of a generated service (metrics, request logs, tracing all on) vs bare Express.

Both serve GET /hello with the same answer; the bare app is benchmarks/bare-express/ (same express
version). autocannon (benchmarks/autocannon/, pinned by its lockfile) drives each server with the same
connections and duration; rounds alternate between variants (each round starts with another one) so
drift on a shared machine hits all of them, and every round gives each variant one sample.

The variant the goals are judged on is the generated service as shipped: started with its own
`npm start` command (read from its package.json), no environment but PORT, so its defaults (LOG_LEVEL
info: one JSON log line per request; every request traced, spans recorded, no exporter) and stdout
to a file, as a container runtime stores it. Extra variants (not with --quick) locate the cost:
  - LOG_LEVEL=warn: no request log line;
  - OTLP export on: OTEL_EXPORTER_OTLP_ENDPOINT at a local receiver (companyos' OtlpReceiver, in this
    process), so spans are batched, encoded and sent;
  - 10% of traces sampled: OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1;
  - OTEL_SDK_DISABLED=true: tracing off, so metrics, the request log and the middleware alone;
  - tracing floor: the bare app with only OpenTelemetry's HTTP instrumentation preloaded
    (bare-express/otel-http-only.cjs), the cost of that instrumentation's recorded span per request;
  - context alone: the bare app with each request run inside AsyncLocalStorage.run
    (bare-express/context-only.cjs), the cost of Node 20's async context by itself;
  - span by hand: the bare app with the same OpenTelemetry SDK but the server span started and ended
    by a small http.Server wrapper instead of the HTTP instrumentation (bare-express/manual-span.cjs).
Everything listens on 127.0.0.1 (the loopback-only.cjs preload) and is stopped by its PID.

Goals (issue 3): >= 85% of bare req/s, p99 <= 1.25x bare. Prints figures (and writes them with
--json); no asserts.

    .venv/bin/python benchmarks/bench_service_throughput.py [--quick] [--rounds 3] [-d 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import write_figures  # noqa: E402
from benchmarks.throughput.measurement import run_once  # noqa: E402
from benchmarks.throughput.report import figures, print_table  # noqa: E402
from benchmarks.throughput.variants import prepare, variants  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-d", "--duration", type=int, help="seconds per measured run (default 10, --quick 6)")
    parser.add_argument("--warmup", type=int, help="seconds of discarded load before each run (default 3, --quick 2)")
    parser.add_argument(
        "--rounds", type=int, help="alternating rounds, one sample per variant each (default 3, --quick 4)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="only bare vs the service as shipped, in short runs (~100 s with setup)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()
    # Quick: more, shorter rounds rather than fewer long ones, so each service run sits next to a bare one.
    duration = args.duration or (6 if args.quick else 10)
    warmup = args.warmup if args.warmup is not None else (2 if args.quick else 3)
    rounds = args.rounds or (4 if args.quick else 3)

    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as temp, ExitStack() as stack:
        work = Path(temp)
        service, bare, tool = prepare(work)
        chosen, spans_received = variants(service, bare, args.quick, stack)
        for round_index in range(rounds):
            shift = round_index % len(chosen)
            for variant in chosen[shift:] + chosen[:shift]:
                run_once(variant, tool, args.connections, duration, warmup, work)
        exported = next((v for v in chosen if "OTLP" in v.name), None)
        if exported:
            # Time for the last batch; BatchSpanProcessor drops spans when its queue is full, which this shows.
            time.sleep(1)
            print(f"OTLP receiver: {spans_received()} spans for the {exported.requests} requests of '{exported.name}'")

    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    setting = (
        f"autocannon 9.0.0 -c {args.connections} -d {duration} (+{warmup} s warm-up), {rounds} "
        f"alternating rounds, medians; node {node}, {os.cpu_count()} CPUs shared with the load generator"
    )
    print_table(chosen, setting)
    if args.json:
        write_figures(args.json, Path(__file__).name, figures(chosen[0], chosen[1:], setting))


if __name__ == "__main__":
    main()

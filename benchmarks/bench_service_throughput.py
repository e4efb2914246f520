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
    (bare-express/context-only.cjs), the cost of Node's async context by itself;
  - span by hand: the bare app with the same OpenTelemetry SDK but the server span started and ended
    by a small http.Server wrapper instead of the HTTP instrumentation (bare-express/manual-span.cjs).
Everything listens on 127.0.0.1 (the loopback-only.cjs preload) and is stopped by its PID.

Node runtimes (--node, default 24,20): the bare app and the shipped service run on each, in the same
alternating rounds, each compared with the bare app on its own runtime; the extras run on the first.
Node 24 (the template's runtime) is .tools/node24 from `make setup`; Node 20 is the system node. npm
installs and builds with the first. Goals (issue 3), judged on the first runtime: >= 85% of bare
req/s, p99 <= 1.25x bare; the shipped service on the first runtime is also compared with itself on
each other. Prints figures (and writes them with --json); no asserts.

    .venv/bin/python benchmarks/bench_service_throughput.py [--quick] [--node 24,20] [--rounds 3] [-d 10] [--json PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
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
from benchmarks.throughput.variants import node_runtime, prepare, variants  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-d", "--duration", type=int, help="seconds per measured run (default 10, --quick 6)")
    parser.add_argument("--warmup", type=int, help="seconds of discarded load before each run (default 3, --quick 2)")
    parser.add_argument(
        "--rounds", type=int, help="alternating rounds, one sample per variant each (default 3, --quick 4)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="only bare vs the service as shipped on each runtime, in short runs (~4 min with setup on two runtimes)",
    )
    parser.add_argument(
        "--node",
        default="24,20",
        help="Node majors to run the bare app and the service on, the judged one first (default 24,20)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()
    system_node = shutil.which("node")
    runtimes = [node_runtime(major.strip(), system_node) for major in args.node.split(",") if major.strip()]
    if not runtimes:
        parser.error("--node names no runtime")
    # npm (and autocannon) run on the first runtime: the service is installed and built as its users would.
    os.environ["PATH"] = f"{runtimes[0].node.parent}{os.pathsep}{os.environ['PATH']}"
    # Quick: more, shorter rounds rather than fewer long ones, so each service run sits next to a bare one.
    duration = args.duration or (6 if args.quick else 10)
    warmup = args.warmup if args.warmup is not None else (2 if args.quick else 3)
    rounds = args.rounds or (4 if args.quick else 3)

    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as temp, ExitStack() as stack:
        work = Path(temp)
        service, bare, tool = prepare(work)
        chosen, spans_received = variants(service, bare, args.quick, stack, runtimes)
        for round_index in range(rounds):
            shift = round_index % len(chosen)
            for variant in chosen[shift:] + chosen[:shift]:
                run_once(variant, tool, args.connections, duration, warmup, work)
        exported = next((v for v in chosen if "OTLP" in v.name), None)
        if exported:
            # Time for the last batch; BatchSpanProcessor drops spans when its queue is full, which this shows.
            time.sleep(1)
            print(f"OTLP receiver: {spans_received()} spans for the {exported.requests} requests of '{exported.name}'")

    nodes = " and ".join(runtime.version for runtime in runtimes)
    setting = (
        f"autocannon 9.0.0 -c {args.connections} -d {duration} (+{warmup} s warm-up), {rounds} "
        f"alternating rounds, medians; node {nodes}, {os.cpu_count()} CPUs shared with the load generator"
    )
    print_table(chosen, setting)
    if args.json:
        write_figures(args.json, Path(__file__).name, figures(chosen, setting))


if __name__ == "__main__":
    main()

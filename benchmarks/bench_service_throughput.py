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
import json
import os
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from benchmarks.scaffold_support import companyos, npm  # noqa: E402

BENCH = ROOT / "benchmarks"
LOOPBACK_ONLY = BENCH / "loopback-only.cjs"
START_TIMEOUT_S = 20
GROUP = "throughput"
BARE = "bare Express, same routes"
RPS_GOAL, P99_GOAL = 0.85, 1.25


@dataclass
class Variant:
    name: str
    cwd: Path
    argv: list[str]
    env: dict[str, str]
    note: str
    samples: list[dict[str, float]] = field(default_factory=list)
    requests: int = 0
    """Requests answered in all its runs, warm-ups included (to compare with spans received)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {START_TIMEOUT_S} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def autocannon(tool: Path, url: str, connections: int, duration: int) -> dict[str, float]:
    result = subprocess.run(
        [
            "node",
            str(tool / "node_modules" / "autocannon" / "autocannon.js"),
            "--json",
            "-c",
            str(connections),
            "-d",
            str(duration),
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"autocannon failed: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    if report["non2xx"] or report["errors"] or report["timeouts"]:
        raise SystemExit(f"{url}: {report['non2xx']} non-2xx, {report['errors']} errors, {report['timeouts']} timeouts")
    return {
        "rps": report["requests"]["average"],
        "p50": report["latency"]["p50"],
        "p99": report["latency"]["p99"],
        "total": report["requests"]["total"],
    }


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None where there is no /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (proc(5))


def run_once(variant: Variant, tool: Path, connections: int, duration: int, warmup: int, logs: Path) -> None:
    port = free_port()
    # stdout to a file, as a container runtime keeps it; the bare app prints one line at start.
    with open(logs / f"{variant.name.replace(' ', '-').replace(',', '')}.log", "ab") as out:
        process = subprocess.Popen(
            variant.argv,
            cwd=variant.cwd,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ["PATH"], **variant.env, "PORT": str(port)},
        )
        try:
            url = f"http://127.0.0.1:{port}/hello"
            wait_ready(url, process)
            warm = autocannon(tool, url, connections, warmup)  # JIT and connection warm-up, discarded
            cpu_before = cpu_seconds(process.pid)
            sample = autocannon(tool, url, connections, duration)
            cpu_after = cpu_seconds(process.pid)
            if cpu_before is not None and cpu_after is not None:
                # CPU the server spent per answer: unlike req/s, barely moved by other load on a shared machine.
                sample["cpu_us"] = (cpu_after - cpu_before) / sample["total"] * 1e6
            variant.samples.append(sample)
            variant.requests += int(warm["total"] + sample["total"])
        finally:
            stop(process)


def prepare(work: Path) -> tuple[Path, Path, Path]:
    """(generated service built, bare app installed, autocannon installed), all in scratch directories."""
    env = {"XDG_CACHE_HOME": str(work / "cache")}  # a private publication of this checkout's template
    companyos(work, "new-service", "bench-api", "--owner", "team-bench", "--no-register", env=env)
    service = work / "bench-api"
    npm(service, "ci", "--prefer-offline")
    npm(service, "run", "build")
    bare = work / "bare-express"
    shutil.copytree(BENCH / "bare-express", bare, ignore=shutil.ignore_patterns("node_modules"))
    npm(bare, "ci", "--prefer-offline")
    tool = work / "autocannon"
    shutil.copytree(BENCH / "autocannon", tool, ignore=shutil.ignore_patterns("node_modules"))
    npm(tool, "ci", "--prefer-offline")
    return service, bare, tool


def start_command(service: Path) -> list[str]:
    """The service's own `npm start` command with the loopback preload added: what it ships with."""
    argv = shlex.split(json.loads((service / "package.json").read_text())["scripts"]["start"])
    if argv[0] != "node":
        raise SystemExit(f"{service}/package.json: start script {argv} does not run node directly")
    return ["node", "--require", str(LOOPBACK_ONLY), *argv[1:]]


def variants(service: Path, bare: Path, quick: bool, stack: ExitStack) -> tuple[list[Variant], Callable[[], int]]:
    """The variants to run, and a count of the spans the OTLP receiver got so far (0 without one)."""
    shipped = start_command(service)
    chosen = [
        Variant(BARE, bare, ["node", "server.js"], {"SERVICE_NAME": "bench-api"}, "the comparator"),
        Variant(
            "generated service (as shipped)",
            service,
            shipped,
            {},
            "npm start command, default environment (LOG_LEVEL info, tracing on, no exporter), stdout to a file",
        ),
    ]
    if quick:
        return chosen, lambda: 0
    # Imported here: the receiver pulls in protobuf, which the quick run does not need.
    from companyos.observability.otlp_receiver import OtlpReceiver

    receiver = stack.enter_context(OtlpReceiver())
    floor = service / "bench-floor"  # inside the service, so the preloads resolve its OpenTelemetry packages
    floor.mkdir()
    shutil.copy(BENCH / "bare-express" / "server.js", floor / "server.js")

    def bare_with(name: str, preload: str, note: str) -> Variant:
        """The bare app with one preload of bare-express/: not a shipped configuration, it locates a cost."""
        shutil.copy(BENCH / "bare-express" / preload, floor / preload)
        argv = ["node", "--require", str(LOOPBACK_ONLY), "--require", f"./{preload}", "server.js"]
        return Variant(name, floor, argv, {"SERVICE_NAME": "bench-api"}, f"{note}: not a shipped configuration")

    return chosen + [
        Variant(
            "service, LOG_LEVEL=warn",
            service,
            shipped,
            {"LOG_LEVEL": "warn"},
            "as shipped without the request log line: locates the cost of logging",
        ),
        Variant(
            "service, OTLP export on",
            service,
            shipped,
            {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint},
            "as shipped with spans batched and sent over OTLP/HTTP to a local receiver in the benchmark process",
        ),
        Variant(
            "service, 10% of traces sampled",
            service,
            shipped,
            {"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1"},
            "as shipped with the SDK's ratio sampler: 1 in 10 new traces recorded, the rest keep ids only",
        ),
        Variant(
            "service, OTEL_SDK_DISABLED=true",
            service,
            shipped,
            {"OTEL_SDK_DISABLED": "true"},
            "as shipped with tracing off (nothing patched): the cost of metrics, logs and middleware alone",
        ),
        bare_with(
            "tracing floor",
            "otel-http-only.cjs",
            "bare app + OpenTelemetry's HTTP instrumentation alone (span recorded, not exported), the cost "
            "of one recorded span per request by itself",
        ),
        bare_with(
            "context alone",
            "context-only.cjs",
            "bare app, each request inside AsyncLocalStorage.run (no SDK, no span), the cost of Node 20's "
            "async context per request",
        ),
        bare_with(
            "span by hand",
            "manual-span.cjs",
            "bare app + the OpenTelemetry SDK, server span started/ended by a small http.Server wrapper "
            "(traceparent extracted, span recorded, not exported) instead of the HTTP instrumentation, the "
            "span's cost without the instrumentation's own",
        ),
    ], lambda: len(receiver.spans())


def median(variant: Variant, key: str) -> float:
    return float(statistics.median(s[key] for s in variant.samples))


def samples(variant: Variant, key: str) -> list[float]:
    return [float(s[key]) for s in variant.samples]


def figures(base: Variant, others: list[Variant], setting: str) -> list[Figure]:
    """req/s, p50 and p99 of each variant against the bare app's samples of the same rounds."""
    out: list[Figure] = []
    for index, variant in enumerate(others):
        judged = index == 0  # the shipped service; the others locate costs and carry no goal
        rps_ratio = median(variant, "rps") / median(base, "rps")
        p99_ratio = median(variant, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
        note = f"{variant.note}; {setting}"
        out += [
            Figure(
                GROUP,
                f"GET /hello req/s, {variant.name}",
                "req/s",
                samples(variant, "rps"),
                better="higher",
                comparator=BARE,
                comparator_samples=samples(base, "rps"),
                goal=">= 85% of bare req/s" if judged else "",
                goal_met=rps_ratio >= RPS_GOAL if judged else None,
                note=note,
            ),
            Figure(
                GROUP,
                f"GET /hello p50 latency, {variant.name}",
                "ms",
                samples(variant, "p50"),
                comparator=BARE,
                comparator_samples=samples(base, "p50"),
                note=note,
            ),
            Figure(
                GROUP,
                f"GET /hello p99 latency, {variant.name}",
                "ms",
                samples(variant, "p99"),
                comparator=BARE,
                comparator_samples=samples(base, "p99"),
                goal="p99 <= 1.25x bare" if judged else "",
                goal_met=p99_ratio <= P99_GOAL if judged else None,
                note=note,
            ),
        ]
        if has_cpu(base) and has_cpu(variant):
            out.append(
                Figure(
                    GROUP,
                    f"server CPU per request, {variant.name}",
                    "us",
                    samples(variant, "cpu_us"),
                    comparator=BARE,
                    comparator_samples=samples(base, "cpu_us"),
                    note=f"user+system CPU of the server process over the measured run / requests; {note}",
                )
            )
    return out


def has_cpu(variant: Variant) -> bool:
    return all("cpu_us" in s for s in variant.samples)


def print_table(chosen: list[Variant], setting: str) -> None:
    base = chosen[0]
    print(f"GET /hello, {setting}; load average at the end {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'variant':34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'req/s vs bare':>14} {'p99 vs bare':>12} "
        f"{'CPU us/req':>11} {'vs bare':>8}"
    )
    for variant in chosen:
        rps, p50, p99 = median(variant, "rps"), median(variant, "p50"), median(variant, "p99")
        p99_ratio = p99 / median(base, "p99") if median(base, "p99") else float("inf")
        cpu = (
            f"{median(variant, 'cpu_us'):11.0f} {median(variant, 'cpu_us') / median(base, 'cpu_us'):7.2f}x"
            if has_cpu(base) and has_cpu(variant)
            else ""
        )
        print(
            f"{variant.name:34} {rps:7.0f} {p50:7.1f} {p99:7.1f} {rps / median(base, 'rps'):13.0%} {p99_ratio:11.2f}x "
            f"{cpu}"
        )
    shipped = chosen[1]
    rps_ratio = median(shipped, "rps") / median(base, "rps")
    p99_ratio = median(shipped, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
    print(
        f"goals for the generated service as shipped: req/s >= 85% of bare: {'met' if rps_ratio >= RPS_GOAL else 'NOT met'} "
        f"({rps_ratio:.0%}); p99 <= 1.25x bare: {'met' if p99_ratio <= P99_GOAL else 'NOT met'} ({p99_ratio:.2f}x)"
    )
    print("runs (req/s): " + "; ".join(f"{v.name}: " + ", ".join(f"{s['rps']:.0f}" for s in v.samples) for v in chosen))


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

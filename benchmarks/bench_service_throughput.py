"""Request throughput of a generated service (metrics, request logs, tracing all on) vs bare Express.

Both serve GET /hello with the same answer; the bare app is benchmarks/bare-express/ (same express
version). autocannon (benchmarks/autocannon/, pinned by its lockfile) drives each server with the same
connections and duration, rounds alternating between variants so drift in a shared machine hits all of
them. Variants of the generated service: LOG_LEVEL=info (the template default, one JSON log line per
request) with stdout to a file, as a container runtime stores it; with stdout to /dev/null, to separate
the cost of writing the line from the rest; LOG_LEVEL=warn, with no request log line; and, to locate
the cost, without the tracing preload. Traces are created for every request (the tracing preload is
on) but not exported: no OTLP endpoint is set.
Everything listens on 127.0.0.1 (the loopback-only.cjs preload) and is stopped by its PID.

Goals (issue 3): >= 85% of bare req/s, p99 <= 1.25x bare. Prints figures; no asserts."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.scaffold_support import companyos, npm  # noqa: E402

BENCH = ROOT / "benchmarks"
LOOPBACK_ONLY = BENCH / "loopback-only.cjs"
START_TIMEOUT_S = 20


@dataclass
class Variant:
    name: str
    cwd: Path
    argv: list[str]
    env: dict[str, str]
    stdout_to: str  # "devnull" or "file"
    samples: list[dict[str, float]] = field(default_factory=list)


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
        ["node", str(tool / "node_modules" / "autocannon" / "autocannon.js"), "--json", "-c", str(connections),
         "-d", str(duration), url],
        capture_output=True, text=True, timeout=duration + 60, check=False)
    if result.returncode != 0:
        raise SystemExit(f"autocannon failed: {result.stderr[-2000:]}")
    report = json.loads(result.stdout)
    if report["non2xx"] or report["errors"] or report["timeouts"]:
        raise SystemExit(f"{url}: {report['non2xx']} non-2xx, {report['errors']} errors, {report['timeouts']} timeouts")
    return {"rps": report["requests"]["average"], "p50": report["latency"]["p50"], "p99": report["latency"]["p99"]}


def run_once(variant: Variant, tool: Path, connections: int, duration: int, warmup: int, logs: Path) -> None:
    port = free_port()
    with open(logs / f"{variant.name}.log", "ab") if variant.stdout_to == "file" else open(os.devnull, "wb") as out:
        process = subprocess.Popen(variant.argv, cwd=variant.cwd, stdout=out, stderr=subprocess.DEVNULL,
                                   env={"PATH": os.environ["PATH"], **variant.env, "PORT": str(port)})
        try:
            url = f"http://127.0.0.1:{port}/hello"
            wait_ready(url, process)
            autocannon(tool, url, connections, warmup)  # JIT and connection warm-up, discarded
            variant.samples.append(autocannon(tool, url, connections, duration))
        finally:
            stop(process)


def prepare(work: Path) -> tuple[Path, Path, Path]:
    """(generated service built, bare app installed, autocannon installed), all in scratch directories."""
    env = {"XDG_CACHE_HOME": str(work / "cache")}
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


def median(variant: Variant, key: str) -> float:
    return statistics.median(s[key] for s in variant.samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--connections", type=int, default=50)
    parser.add_argument("-d", "--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of discarded load before each run")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as temp:
        work = Path(temp)
        service, bare, tool = prepare(work)
        node_service = ["node", "--require", str(LOOPBACK_ONLY), "--require", "./dist/tracing.js", "dist/server.js"]
        variants = [
            Variant("bare express", bare, ["node", "server.js"], {"SERVICE_NAME": "bench-api"}, "devnull"),
            Variant("service, info, stdout->file", service, node_service, {"LOG_LEVEL": "info"}, "file"),
            Variant("service, info, stdout->/dev/null", service, node_service, {"LOG_LEVEL": "info"}, "devnull"),
            Variant("service, warn (no request log)", service, node_service, {"LOG_LEVEL": "warn"}, "devnull"),
            # Not a supported configuration: locates the cost by leaving out the OpenTelemetry SDK preload.
            Variant("service, info->file, no tracing preload", service,
                    ["node", "--require", str(LOOPBACK_ONLY), "dist/server.js"], {"LOG_LEVEL": "info"}, "file"),
        ]
        for round_index in range(args.rounds):
            # Each round starts with a different variant, so no variant always follows the same one.
            shift = round_index % len(variants)
            for variant in variants[shift:] + variants[:shift]:
                run_once(variant, tool, args.connections, args.duration, args.warmup, work)

    base = variants[0]
    print(f"GET /hello, autocannon 9.0.0 -c {args.connections} -d {args.duration} (+{args.warmup} s warm-up), "
          f"{args.rounds} alternating rounds, medians; node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "
          f"{os.cpu_count()} CPUs shared with the load generator; load average at the end "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"{'variant':40} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'req/s vs bare':>14} {'p99 vs bare':>12}")
    for variant in variants:
        rps, p50, p99 = median(variant, "rps"), median(variant, "p50"), median(variant, "p99")
        ratio = rps / median(base, "rps")
        p99_ratio = p99 / median(base, "p99") if median(base, "p99") else float("inf")
        print(f"{variant.name:40} {rps:9.0f} {p50:7.1f} {p99:7.1f} {ratio:13.0%} {p99_ratio:11.2f}x")
    for variant in variants[1:]:
        ratio = median(variant, "rps") / median(base, "rps")
        p99_ratio = median(variant, "p99") / median(base, "p99") if median(base, "p99") else float("inf")
        print(f"goals for '{variant.name}': req/s >= 85% of bare: {'met' if ratio >= 0.85 else 'NOT met'}; "
              f"p99 <= 1.25x bare: {'met' if p99_ratio <= 1.25 else 'NOT met'}")
    print("runs (req/s): " + "; ".join(f"{v.name}: " + ", ".join(f"{s['rps']:.0f}" for s in v.samples) for v in variants))


if __name__ == "__main__":
    main()

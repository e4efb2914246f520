"""Benchmark SLO rule generation for N synthetic services: rule count, generation time,
`promtool check rules` time and rule evaluation time in a real Prometheus (skip with --no-prometheus).

    .venv/bin/python benchmarks/bench_slo_rules.py [--services 100] [--runs 3] [--no-prometheus] [--json PATH]

Each run generates every service's rules and runs `promtool check rules` on them once (one sample each).
Prometheus (apt `prometheus`, 2.42) listens on 127.0.0.1 only, scrapes a synthetic exporter in this
process (every service's http_requests_total and latency histogram, `job` set per service via
honor_labels), evaluates the rules every 5 s, and is stopped by its PID at the end; each evaluation cycle
(sum of every rule group's last duration) is one sample. The issue names no comparator and no goal here.
"""

from __future__ import annotations

import argparse
import http.server
import itertools
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, write_figures  # noqa: E402
from companyos.catalog import TEMPLATE_LATENCY_BUCKETS_MS, LatencySlo, ServiceSpec, Slo  # noqa: E402
from companyos.observability.slis import le_label  # noqa: E402
from companyos.observability.slo_rules import generate_rules  # noqa: E402

GROUP = "SLO rules"
EVALUATION_INTERVAL_S = 5

AVAILABILITY = (99.0, 99.5, 99.9, 99.95, 99.99)
LATENCY = (95.0, 99.0, 99.9)
THRESHOLDS = (100, 250, 300, 500, 1000)
PERIODS = (30, 28, 7)


def synthetic_services(count: int) -> list[ServiceSpec]:
    combos = itertools.cycle(itertools.product(AVAILABILITY, LATENCY, THRESHOLDS, PERIODS))
    return [
        ServiceSpec(
            name=f"bench-{i:03d}",
            owner="team-bench",
            risk="low",
            data_classification="internal",
            slo=Slo(availability=a, latency=LatencySlo(threshold_ms=t, objective=lat), window_days=p),
        )
        for i, (a, lat, t, p) in zip(range(count), combos, strict=False)
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Exporter(http.server.BaseHTTPRequestHandler):
    """Counters that grow with wall time: 10 req/s per service, 1% 5xx, 5% slower than every bucket."""

    services: tuple[str, ...] = ()
    started = time.monotonic()

    def do_GET(self) -> None:
        elapsed = time.monotonic() - self.started
        total = 10 * elapsed
        lines = []
        for job in self.services:
            base = f'job="{job}",route="/",method="GET"'
            lines.append(f'http_requests_total{{{base},status_code="200"}} {total * 0.99:.3f}')
            lines.append(f'http_requests_total{{{base},status_code="500"}} {total * 0.01:.3f}')
            for ms in TEMPLATE_LATENCY_BUCKETS_MS["node-express"]:
                lines.append(
                    f'http_request_duration_seconds_bucket{{{base},status_code="200",le="{le_label(ms)}"}} '
                    f"{total * 0.95:.3f}"
                )
            lines.append(f'http_request_duration_seconds_bucket{{{base},status_code="200",le="+Inf"}} {total:.3f}')
            lines.append(f'http_request_duration_seconds_count{{{base},status_code="200"}} {total:.3f}')
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Reading:
    """One look at Prometheus's own metrics: each rule group's last evaluation time and its CPU so far."""

    at: float
    groups: dict[str, float]
    cpu_seconds: float


def read_prometheus(port: int) -> Reading:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    pattern = re.compile(r'^prometheus_rule_group_last_duration_seconds\{rule_group="([^"]+)"\} (\S+)$', re.MULTILINE)
    cpu = re.search(r"^process_cpu_seconds_total (\S+)$", text, re.MULTILINE)
    return Reading(
        time.monotonic(),
        {group: float(value) for group, value in pattern.findall(text)},
        float(cpu.group(1)) if cpu else 0.0,
    )


def evaluate_in_prometheus(
    rules_file: Path, services: list[str], groups: int, workdir: Path, cycles: int
) -> list[Reading]:
    """`cycles` + 1 readings, each after an evaluation cycle that covered all `groups` groups."""
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        sys.exit("prometheus is not installed: apt-get install -y prometheus (or pass --no-prometheus)")
    Exporter.services = tuple(services)
    exporter = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Exporter)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {
                    "scrape_interval": f"{EVALUATION_INTERVAL_S}s",
                    "evaluation_interval": f"{EVALUATION_INTERVAL_S}s",
                },
                "rule_files": [str(rules_file)],
                "scrape_configs": [
                    {
                        "job_name": "exporter",
                        "honor_labels": True,
                        "static_configs": [{"targets": [f"127.0.0.1:{exporter.server_address[1]}"]}],
                    }
                ],
            }
        )
    )
    process = subprocess.Popen(
        [
            prometheus,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(workdir / "prometheus.log").open("w"),
    )
    try:
        deadline = time.monotonic() + 40 + 10 * cycles
        seen: list[Reading] = []
        while time.monotonic() < deadline and len(seen) <= cycles:
            time.sleep(EVALUATION_INTERVAL_S)
            try:
                reading = read_prometheus(port)
            except OSError:
                continue
            # Groups run at their own offsets within the interval: a reading counts once every group has
            # run at least once and the figures moved since the last counted reading.
            if len(reading.groups) == groups and (not seen or reading.groups != seen[-1].groups):
                seen.append(reading)
        if len(seen) <= cycles:
            sys.exit(f"Prometheus did not evaluate {cycles} full cycles in time; see {workdir / 'prometheus.log'}")
        return seen
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        exporter.shutdown()
        exporter.server_close()


def promtool_check(promtool: str, rules_file: Path) -> tuple[float, str]:
    """Seconds `promtool check rules` took and its last line; exits with its output if it rejects the rules."""
    start = time.perf_counter()
    check = subprocess.run(
        [promtool, "check", "rules", str(rules_file)], capture_output=True, text=True, timeout=300, check=False
    )
    seconds = time.perf_counter() - start
    if check.returncode != 0:
        sys.exit(
            f"promtool rejected the generated rules (exit {check.returncode}):\n{check.stdout[-2000:]}"
            f"{check.stderr[-2000:]}"
        )
    return seconds, check.stdout.strip().splitlines()[-1].strip() if check.stdout.strip() else ""


def evaluation_figures(readings: list[Reading], services: int, groups: int) -> list[Figure]:
    """Per cycle: the groups' summed evaluation time, the slowest group, and Prometheus's CPU time."""
    cycles = readings[1:]
    summed_ms = [sum(r.groups.values()) * 1000 for r in cycles]
    slowest_ms = [max(r.groups.values()) * 1000 for r in cycles]
    # CPU between two counted readings, scaled to one interval (a reading may come one interval late).
    cpu_ms = [
        (b.cpu_seconds - a.cpu_seconds) * 1000 / max(1, round((b.at - a.at) / EVALUATION_INTERVAL_S))
        for a, b in zip(readings, readings[1:], strict=False)
    ]
    by_kind: dict[str, list[float]] = {}
    for reading in cycles:
        totals: dict[str, float] = {}
        for group, seconds in reading.groups.items():
            kind = group.rsplit("-slo-", 1)[-1]
            totals[kind] = totals.get(kind, 0.0) + seconds
        for kind, seconds in totals.items():
            by_kind.setdefault(kind, []).append(seconds)
    print(
        f"prometheus 2.42 rule evaluation over {groups} groups, median of {len(cycles)} cycles: summed group time "
        f"{median(summed_ms):.1f} ms, slowest group {median(slowest_ms):.2f} ms, Prometheus CPU "
        f"{median(cpu_ms):.1f} ms per {EVALUATION_INTERVAL_S} s cycle; summed group time by kind (median): "
        + ", ".join(f"{kind} {median(seconds) * 1000:.1f} ms" for kind, seconds in sorted(by_kind.items()))
    )
    concurrent = (
        "groups are evaluated concurrently, so on a busy 2-core machine each group's wall time "
        "includes waiting for the others"
    )
    return [
        Figure(
            GROUP,
            f"Prometheus CPU per {EVALUATION_INTERVAL_S} s cycle, {services} services",
            "ms",
            cpu_ms,
            note="process_cpu_seconds_total delta per evaluation interval: rule evaluation plus one scrape "
            "and the TSDB's own work",
        ),
        Figure(
            GROUP,
            f"Prometheus evaluation, summed group time per cycle, {services} services",
            "ms",
            summed_ms,
            note=f"Prometheus 2.42, sum of {groups} groups' last durations, synthetic exporter; {concurrent}",
        ),
        Figure(GROUP, f"Prometheus evaluation, slowest group per cycle, {services} services", "ms", slowest_ms),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3, help="generation and promtool runs (default 3)")
    parser.add_argument(
        "--prometheus",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="measure evaluation in a real Prometheus (default on; ~20 s)",
    )
    parser.add_argument("--cycles", type=int, default=3, help="Prometheus evaluation cycles sampled (default 3)")
    parser.add_argument("--json", type=Path, help="also write the figures there (benchmarks/results.py format)")
    args = parser.parse_args()
    promtool = shutil.which("promtool")
    if promtool is None:
        sys.exit("promtool is not installed: apt-get install -y prometheus")

    specs = synthetic_services(args.services)
    generate_ms: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        documents = [generate_rules(spec) for spec in specs]
        generate_ms.append((time.perf_counter() - start) * 1000)
    groups = [group for document in documents for group in document["groups"]]
    rules = [rule for group in groups for rule in group["rules"]]
    alerts = sum(1 for rule in rules if "alert" in rule)
    shape = (
        f"{len(specs)} services, {len(groups)} groups, {len(rules)} rules ({len(rules) - alerts} recording, "
        f"{alerts} alerting)"
    )
    print(
        f"services: {len(specs)}  groups: {len(groups)}  rules: {len(rules)} "
        f"({len(rules) - alerts} recording, {alerts} alerting; {len(rules) // len(specs)} per service)"
    )
    print(
        f"generate_rules: {median(generate_ms):.1f} ms total (median of {args.runs}), "
        f"{median(generate_ms) / len(specs):.2f} ms per service"
    )
    figures = [Figure(GROUP, f"generate rules, {len(specs)} services", "ms", generate_ms, note=shape)]

    with tempfile.TemporaryDirectory(prefix="bench-slo-") as temp:
        workdir = Path(temp)
        rules_file = workdir / "slo.rules.yaml"
        rules_file.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=10_000))
        checks = [promtool_check(promtool, rules_file) for _ in range(args.runs)]
        check_s = [seconds for seconds, _ in checks]
        print(f"promtool check rules: {median(check_s):.2f} s (median of {args.runs}): {checks[-1][1]}")
        figures.append(
            Figure(
                GROUP,
                f"promtool check rules, {len(specs)} services",
                "s",
                check_s,
                note=f"one file of {len(rules)} rules; {checks[-1][1]}",
            )
        )
        if args.prometheus:
            readings = evaluate_in_prometheus(rules_file, [s.name for s in specs], len(groups), workdir, args.cycles)
            figures += evaluation_figures(readings, len(specs), len(groups))
    if args.json:
        write_figures(args.json, Path(__file__).name, figures)


if __name__ == "__main__":
    main()

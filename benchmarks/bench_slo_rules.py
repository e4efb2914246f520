"""Benchmark SLO rule generation for N synthetic services: rule count, generation time,
`promtool check rules` time and, with --prometheus, rule evaluation time in a real Prometheus.

    .venv/bin/python benchmarks/bench_slo_rules.py [--services 100] [--prometheus]

Prometheus (apt `prometheus`, 2.42) listens on 127.0.0.1 only, scrapes a synthetic exporter in this
process (every service's http_requests_total and latency histogram, `job` set per service via
honor_labels), evaluates the rules every 5 s, and is stopped by its PID at the end.
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
from pathlib import Path

import yaml

from companyos.catalog import TEMPLATE_LATENCY_BUCKETS_MS, LatencySlo, ServiceSpec, Slo
from companyos.observability.slis import le_label
from companyos.observability.slo_rules import generate_rules

AVAILABILITY = (99.0, 99.5, 99.9, 99.95, 99.99)
LATENCY = (95.0, 99.0, 99.9)
THRESHOLDS = (100, 250, 300, 500, 1000)
PERIODS = (30, 28, 7)


def synthetic_services(count: int) -> list[ServiceSpec]:
    combos = itertools.cycle(itertools.product(AVAILABILITY, LATENCY, THRESHOLDS, PERIODS))
    return [
        ServiceSpec(name=f"bench-{i:03d}", owner="team-bench", risk="low", data_classification="internal",
                    slo=Slo(availability=a, latency=LatencySlo(threshold_ms=t, objective=lat), window_days=p))
        for i, (a, lat, t, p) in zip(range(count), combos)
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
                lines.append(f'http_request_duration_seconds_bucket{{{base},status_code="200",le="{le_label(ms)}"}} '
                             f"{total * 0.95:.3f}")
            lines.append(f'http_request_duration_seconds_bucket{{{base},status_code="200",le="+Inf"}} {total:.3f}')
            lines.append(f'http_request_duration_seconds_count{{{base},status_code="200"}} {total:.3f}')
        body = ("\n".join(lines) + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def rule_group_durations(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    pattern = re.compile(r'^prometheus_rule_group_last_duration_seconds\{rule_group="([^"]+)"\} (\S+)$', re.MULTILINE)
    return {group: float(value) for group, value in pattern.findall(text)}


def evaluate_in_prometheus(rules_file: Path, services: list[str], workdir: Path, cycles: int = 3) -> dict[str, float]:
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        sys.exit("prometheus is not installed: apt-get install -y prometheus")
    Exporter.services = tuple(services)
    exporter = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Exporter)
    threading.Thread(target=exporter.serve_forever, daemon=True).start()
    port = free_port()
    config = workdir / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "5s", "evaluation_interval": "5s"},
        "rule_files": [str(rules_file)],
        "scrape_configs": [{"job_name": "exporter", "honor_labels": True,
                            "static_configs": [{"targets": [f"127.0.0.1:{exporter.server_address[1]}"]}]}],
    }))
    process = subprocess.Popen(
        [prometheus, f"--config.file={config}", f"--storage.tsdb.path={workdir / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=(workdir / "prometheus.log").open("w"))
    try:
        deadline = time.monotonic() + 60
        durations: dict[str, float] = {}
        seen_cycles = 0
        last_total = None
        while time.monotonic() < deadline and seen_cycles < cycles:
            time.sleep(5)
            try:
                durations = rule_group_durations(port)
            except OSError:
                continue
            total = sum(durations.values())
            if durations and total != last_total:
                seen_cycles += 1
                last_total = total
        if seen_cycles < cycles:
            sys.exit(f"Prometheus did not evaluate {cycles} cycles within 60 s; see {workdir / 'prometheus.log'}")
        return durations
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        exporter.shutdown()
        exporter.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--prometheus", action="store_true", help="also measure evaluation in a real Prometheus")
    args = parser.parse_args()

    specs = synthetic_services(args.services)
    start = time.perf_counter()
    documents = [generate_rules(spec) for spec in specs]
    generate_seconds = time.perf_counter() - start
    groups = [group for document in documents for group in document["groups"]]
    rules = [rule for group in groups for rule in group["rules"]]
    alerts = sum(1 for rule in rules if "alert" in rule)
    print(f"services: {len(specs)}  groups: {len(groups)}  rules: {len(rules)} "
          f"({len(rules) - alerts} recording, {alerts} alerting; {len(rules) // len(specs)} per service)")
    print(f"generate_rules: {generate_seconds * 1000:.1f} ms total, {generate_seconds / len(specs) * 1000:.2f} ms per service")

    with tempfile.TemporaryDirectory(prefix="bench-slo-") as temp:
        workdir = Path(temp)
        rules_file = workdir / "slo.rules.yaml"
        rules_file.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False, width=10_000))
        promtool = shutil.which("promtool")
        if promtool is None:
            sys.exit("promtool is not installed: apt-get install -y prometheus")
        start = time.perf_counter()
        check = subprocess.run([promtool, "check", "rules", str(rules_file)], capture_output=True, text=True,
                               timeout=300, check=False)
        check_seconds = time.perf_counter() - start
        print(f"promtool check rules: {check_seconds:.2f} s, exit {check.returncode}: "
              f"{check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr.strip()}")
        if args.prometheus:
            durations = evaluate_in_prometheus(rules_file, [s.name for s in specs], workdir)
            by_kind: dict[str, float] = {}
            for group, seconds in durations.items():
                kind = group.rsplit("-slo-", 1)[-1]
                by_kind[kind] = by_kind.get(kind, 0.0) + seconds
            print(f"prometheus 2.42 rule evaluation, one cycle over {len(durations)} groups: "
                  f"{sum(durations.values()) * 1000:.1f} ms total, slowest group {max(durations.values()) * 1000:.2f} ms; "
                  + ", ".join(f"{kind} {seconds * 1000:.1f} ms" for kind, seconds in sorted(by_kind.items())))


if __name__ == "__main__":
    main()

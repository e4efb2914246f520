"""One measured run of a variant: its server started on a free loopback port, driven by autocannon after a
discarded warm-up, its req/s, latency and CPU per request recorded, then stopped by its PID."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from benchmarks.throughput.variants import Variant

START_TIMEOUT_S = 20


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

"""Helpers for the observability run-time tests: the CLI in-process, a real service, the real stack.

The service is the node-express template rendered as `hello-prod` (the catalogue's reference stanza), so
the repository's services.yaml, SLO rules, dashboard and runbook apply to it unchanged.
Everything listens on 127.0.0.1 on free ports and is stopped by PID in `finally`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from companyos.catalog import load_catalog
from companyos.cli import cli
from companyos.contracts.errors import UserError
from companyos.observability import stack_processes, stack_state
from companyos.observability.dashboard import build_dashboard
from companyos.observability.dashboard_queries import expand_grafana_variables
from tests.node_tools import node24_first_on_path
from tests.template.conftest import (
    ServiceProcess,
    free_port,
    npm,
    publish_template,
    render,
    start_service,
    stop_service,
)

REPO = Path(__file__).resolve().parents[2]
CATALOG = REPO / "services.yaml"
SERVICE = "hello-prod"
WAIT_S = 30.0
STEP_S = 5.0  # the dashboard step the golden queries are expanded for ($__rate_interval = 60s)


@dataclass(frozen=True)
class CliResult:
    exit_code: int
    output: str


def run_cli(*args: str) -> CliResult:
    """`companyos ARGS` in-process (a subprocess pays ~5 s of imports per call), with the CLI's exit codes."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if isinstance(result.exception, UserError):
        return CliResult(result.exception.exit_code, result.output + f"error: {result.exception}")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return CliResult(result.exit_code, result.output)


def http(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def prom_query(prometheus_url: str, query: str) -> list[dict[str, Any]]:
    url = prometheus_url + "/api/v1/query?" + urllib.parse.urlencode({"query": query})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["data"]["result"]


def wait_until(what: str, check: Callable[[], Any], timeout: float = WAIT_S, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s")


def send_traffic(url: str, rounds: int = 3, per_round: int = 100, pause_s: float = 1.5) -> int:
    """Requests over a few scrape intervals (so rates see the increase): one in five to POST /echo, the rest
    to GET /hello (the only routes callers of this count on); returns how many."""
    sent = 0
    for round_no in range(rounds):
        for i in range(per_round):
            if i % 5 == 4:
                http(
                    f"{url}/echo",
                    "POST",
                    json.dumps({"message": f"m{i}"}).encode(),
                    {"Content-Type": "application/json"},
                )
            else:
                http(f"{url}/hello")
            sent += 1
        if round_no < rounds - 1:
            time.sleep(pause_s)
    return sent


@pytest.fixture(scope="session", autouse=True)
def node24() -> Iterator[None]:
    """The template's runtime: npm, the build and the service run on Node 24 (.tools/node24, installed by setup)."""
    with node24_first_on_path():
        yield


@pytest.fixture(scope="session")
def hello_prod_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template rendered as hello-prod, installed and built once per session."""
    base = tmp_path_factory.mktemp("obs-e2e")
    project = render(publish_template(base / "template"), base / SERVICE, {"name": SERVICE})
    npm(project, "ci", "--prefer-offline")
    npm(project, "run", "build")
    return project


@dataclass
class LiveStack:
    url: str  # the service
    port: int
    prometheus_url: str
    work_dir: Path
    otlp_port: int
    service: ServiceProcess
    startup_seconds: float


def start_hello_prod(project: Path, port: int, otlp_port: int, **env: str) -> ServiceProcess:
    return start_service(
        project,
        {
            "PORT": str(port),
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{otlp_port}",
            "OTEL_BSP_SCHEDULE_DELAY": "200",
            **env,
        },
    )


def stop_stack_pids(work_dir: Path) -> None:
    """Last resort after `obs down`: SIGKILL whatever the state file still lists as ours."""
    try:
        state = stack_state.load_state(work_dir)
    except UserError:
        return
    for component in state.components if state else []:
        if stack_processes.is_running(component):
            os.kill(component.pid, signal.SIGKILL)


@contextmanager
def live_stack(project: Path, work_dir: Path, **service_env: str) -> Iterator[LiveStack]:
    """The service on a free port and the obs stack (1 s scrape and evaluation) pointed at it."""
    port, prom, am, otlp = (free_port() for _ in range(4))
    service = start_hello_prod(project, port, otlp, **service_env)
    try:
        result = run_cli(
            "obs",
            "up",
            "--service",
            SERVICE,
            "--catalog",
            str(CATALOG),
            "--target",
            f"127.0.0.1:{port}",
            "--prometheus-port",
            str(prom),
            "--alertmanager-port",
            str(am),
            "--otlp-port",
            str(otlp),
            "--scrape-interval",
            "1s",
            "--evaluation-interval",
            "1s",
            "--work-dir",
            str(work_dir),
        )
        assert result.exit_code == 0, result.output
        state = stack_state.load_state(work_dir)
        assert state is not None
        stack = LiveStack(
            url=f"http://127.0.0.1:{port}",
            port=port,
            prometheus_url=state.prometheus_url,
            work_dir=work_dir,
            otlp_port=otlp,
            service=service,
            startup_seconds=state.startup_seconds,
        )
        wait_until(
            "Prometheus scraped the service", lambda: prom_query(stack.prometheus_url, f'up{{job="{SERVICE}"}} == 1')
        )
        yield stack
    finally:
        try:
            run_cli("obs", "down", "--work-dir", str(work_dir))
        finally:
            stop_stack_pids(work_dir)
            stop_service(stack.service if "stack" in locals() else service)


def restart_service(stack: LiveStack, project: Path, **env: str) -> None:
    """Replace the stack's service with one started with `env`, on the same port (Prometheus' target)."""
    stop_service(stack.service)
    stack.service = start_hello_prod(project, stack.port, stack.otlp_port, **env)


def processes_alive(work_dir: Path) -> list[int]:
    state = stack_state.load_state(work_dir)
    return [c.pid for c in state.components if stack_processes.is_running(c)] if state else []


def run_subprocess_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`companyos ARGS` as a process, through the entry point's main(): its exit code is what CI sees."""
    return subprocess.run(
        [sys.executable, "-m", "companyos.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO,
        check=False,
    )


def golden_queries() -> list[tuple[str, str]]:
    """(panel title, expression) of every golden dashboard target, $__rate_interval expanded as Grafana would."""
    dashboard = build_dashboard(load_catalog(CATALOG).service(SERVICE))
    return [
        (panel["title"], expand_grafana_variables(target["expr"], step_seconds=STEP_S))
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]

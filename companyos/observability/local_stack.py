"""A local observability stack on 127.0.0.1: Prometheus, Alertmanager and an OTLP trace receiver.

This module starts, stops and reports on it (`companyos obs up|down|status`, the local release). What runs and
with which config is stack_configs.py. Processes run detached; their PIDs live in `<work dir>/state.json`
(stack_state.py) and `down` stops exactly those PIDs, after checking /proc says they are still the processes we
started (stack_processes.py).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from companyos.catalog import ServiceSpec
from companyos.contracts.errors import UserError
from companyos.observability.stack_configs import (
    BINARIES,
    COMPONENT_ENDPOINTS,
    LOOPBACK,
    component_argvs,
    find_binary,
    write_configs,
)
from companyos.observability.stack_processes import READY_TIMEOUT_S, http_ok, is_running, stop_component, wait_ready
from companyos.observability.stack_state import Component, StackState, load_state, state_path
from companyos.support.files import atomic_write

_DURATION = re.compile(r"^[1-9][0-9]*(ms|s|m)$")
_TARGET = re.compile(r"^[A-Za-z0-9.\-]+:[0-9]{1,5}$")


@dataclass(frozen=True)
class StackOptions:
    service: str
    target: str  # HOST:PORT Prometheus scrapes
    work_dir: Path
    prometheus_port: int = 9090
    alertmanager_port: int = 9093
    otlp_port: int = 4318
    scrape_interval: str = "5s"
    evaluation_interval: str = "5s"

    def ports(self) -> dict[str, int]:
        return {
            "--prometheus-port": self.prometheus_port,
            "--alertmanager-port": self.alertmanager_port,
            "--otlp-port": self.otlp_port,
        }

    def fingerprint(self) -> dict[str, Any]:
        """What makes two `up` calls the same stack (so a second identical `up` is a no-op)."""
        return {
            "service": self.service,
            "target": self.target,
            "ports": self.ports(),
            "scrape_interval": self.scrape_interval,
            "evaluation_interval": self.evaluation_interval,
        }


def check_options(options: StackOptions) -> None:
    for flag, value in (
        ("--scrape-interval", options.scrape_interval),
        ("--evaluation-interval", options.evaluation_interval),
    ):
        if not _DURATION.match(value):
            raise UserError(f"{flag} {value!r}: not a Prometheus duration like 500ms, 1s or 1m. Fix: pass e.g. 5s.")
    if not _TARGET.match(options.target) or not 0 < int(options.target.rsplit(":", 1)[1]) < 65536:
        raise UserError(
            f"--target {options.target!r}: not HOST:PORT. Fix: pass where the service listens, e.g. 127.0.0.1:8080."
        )
    ports = options.ports()
    for flag, port in ports.items():
        if not 0 < port < 65536:
            raise UserError(f"{flag} {port}: not a TCP port (1-65535).")
    if len(set(ports.values())) != len(ports):
        raise UserError(
            f"{', '.join(f'{k} {v}' for k, v in ports.items())}: two components cannot share a port. "
            "Fix: give each its own port."
        )


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def check_ports_free(options: StackOptions) -> None:
    taken = [f"{flag} {port}" for flag, port in options.ports().items() if not port_is_free(port)]
    if taken:
        raise UserError(
            f"{', '.join(taken)}: already in use on {LOOPBACK}. Fix: stop what listens there "
            "(`ss -ltnp` shows it), or pass a free port with that flag."
        )


def up(options: StackOptions, spec: ServiceSpec, *, path: str | None = None) -> tuple[StackState, bool]:
    """Start the stack, or find it already running with the same options; returns (state, started_now).

    Raises UserError for a missing binary, a taken port, a different stack already running in the work
    dir, or a component that does not become ready (whatever was started is stopped again).
    """
    check_options(options)
    existing = load_state(options.work_dir)
    if existing is not None:
        alive = [c for c in existing.components if is_running(c)]
        same = existing.options == options.fingerprint()
        if alive and same and len(alive) == len(existing.components):
            return existing, False
        if alive:
            names = ", ".join(f"{c.name} (pid {c.pid})" for c in alive)
            why = "with other options" if not same else "but not whole"
            raise UserError(
                f"{state_path(options.work_dir)}: a stack is already running {why}: {names}. "
                f"Fix: `companyos obs down --work-dir {options.work_dir}` first."
            )
    binaries = {name: find_binary(name, path) for name in BINARIES}
    check_ports_free(options)
    began = time.monotonic()
    options.work_dir.mkdir(parents=True, exist_ok=True)
    configs = write_configs(options, spec)
    state = StackState(options=options.fingerprint(), started_at=datetime.now(UTC).isoformat(timespec="seconds"))
    deadline = time.monotonic() + READY_TIMEOUT_S
    try:
        # Order: the receiver and Alertmanager first, so Prometheus' first alerts have somewhere to go.
        for name, argv in component_argvs(options, configs, binaries).items():
            port_attr, ready_path = COMPONENT_ENDPOINTS[name]
            log = options.work_dir.resolve() / "logs" / f"{name}.log"
            with log.open("ab") as log_handle:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=log_handle,
                    stderr=subprocess.STDOUT,
                    cwd=options.work_dir,
                    start_new_session=True,
                )  # outlives the CLI and the terminal's Ctrl-C
            component = Component(
                name=name,
                pid=process.pid,
                argv=argv,
                log=str(log),
                ready_path=ready_path,
                url=f"http://{LOOPBACK}:{getattr(options, port_attr)}",
            )
            state.components.append(component)
            atomic_write(state_path(options.work_dir), state.to_json())  # recorded before waiting: `down` finds it
            wait_ready(component, process, deadline)
    except BaseException:
        for component in reversed(state.components):
            stop_component(component)
        state_path(options.work_dir).unlink(missing_ok=True)
        raise
    state.startup_seconds = round(time.monotonic() - began, 3)
    atomic_write(state_path(options.work_dir), state.to_json())
    return state, True


def down(work_dir: Path) -> list[tuple[Component, str]]:
    """Stop every process the state file lists (by PID) and remove the state file."""
    state = load_state(work_dir)
    if state is None:
        return []
    results = [(c, stop_component(c)) for c in reversed(state.components)]
    state_path(work_dir).unlink(missing_ok=True)
    return results


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    pid: int
    running: bool
    ready: bool
    url: str


def status(work_dir: Path) -> tuple[StackState | None, list[ComponentStatus], list[dict[str, Any]]]:
    """Each component's liveness and readiness, and Prometheus' scrape targets (empty if it is down)."""
    state = load_state(work_dir)
    if state is None:
        return None, [], []
    rows = []
    for c in state.components:
        running = is_running(c)
        rows.append(ComponentStatus(c.name, c.pid, running, running and http_ok(c.url + c.ready_path), c.url))
    targets: list[dict[str, Any]] = []
    prometheus = next((r for r in rows if r.name == "prometheus"), None)
    if prometheus and prometheus.ready:
        try:
            with urllib.request.urlopen(prometheus.url + "/api/v1/targets?state=active", timeout=3) as response:
                targets = json.load(response)["data"]["activeTargets"]
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            targets = []
    return state, rows, targets

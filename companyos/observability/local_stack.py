"""A local observability stack on 127.0.0.1: Prometheus, Alertmanager and an OTLP trace receiver.

Prometheus scrapes one running service with `job_name: <service>` (the job the SLO rules and the
dashboard select) and loads the service's generated SLO rules; firing alerts go to Alertmanager,
whose only receiver is a webhook back to the OTLP receiver (stored in alerts.jsonl), so nothing
leaves the machine. Processes run detached; their PIDs live in `<work dir>/state.json` and `down`
stops exactly those PIDs (after checking /proc says they are still the processes we started).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from companyos.catalog import ServiceSpec
from companyos.contracts.errors import UserError
from companyos.observability.output import write_atomic
from companyos.observability.slo_rules import render_rules

STATE_SCHEMA = "paved-road.obs-stack/v1"
STATE_FILE = "state.json"
LOOPBACK = "127.0.0.1"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
# Binary names to look for, first found wins, and the command that installs them (Debian 12).
BINARIES: dict[str, tuple[tuple[str, ...], str]] = {
    "prometheus": (("prometheus",), "apt-get install -y prometheus"),
    # Debian ships Alertmanager as prometheus-alertmanager; upstream's tarball calls it alertmanager.
    "alertmanager": (("prometheus-alertmanager", "alertmanager"), "apt-get install -y prometheus-alertmanager"),
}
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


@dataclass
class Component:
    name: str
    pid: int
    argv: list[str]
    url: str
    ready_path: str
    log: str


@dataclass
class StackState:
    options: dict[str, Any]
    components: list[Component] = field(default_factory=list)
    started_at: str = ""
    startup_seconds: float = 0.0

    def component(self, name: str) -> Component:
        return next(c for c in self.components if c.name == name)

    @property
    def prometheus_url(self) -> str:
        return self.component("prometheus").url

    def to_json(self) -> str:
        return json.dumps({"schema": STATE_SCHEMA, **asdict(self)}, indent=2) + "\n"


def state_path(work_dir: Path) -> Path:
    return Path(work_dir) / STATE_FILE


def load_state(work_dir: Path) -> StackState | None:
    path = state_path(work_dir)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") != STATE_SCHEMA:
            raise ValueError(f"schema is {data.get('schema')!r}, expected {STATE_SCHEMA}")
        return StackState(
            options=data["options"],
            components=[Component(**c) for c in data["components"]],
            started_at=data["started_at"],
            startup_seconds=data["startup_seconds"],
        )
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(
            f"{path}: not a stack state file ({err}). Fix: stop the processes it lists by hand, then delete the file."
        ) from None


def find_binary(component: str, path: str | None = None) -> str:
    names, install = BINARIES[component]
    for name in names:
        found = shutil.which(name, path=path if path is not None else os.environ.get("PATH"))
        if found:
            return found
    raise UserError(
        f"{component}: no {' or '.join(names)} on PATH. Fix: install it as root with "
        f"`{install}` (Debian 12), or put the binary on PATH."
    )


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


def prometheus_config(options: StackOptions, rules_file: Path) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": options.scrape_interval, "evaluation_interval": options.evaluation_interval},
        "rule_files": [str(rules_file)],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"{LOOPBACK}:{options.alertmanager_port}"]}]}]},
        # job_name = the catalogue name: the SLO rules and dashboard select job="<service>".
        "scrape_configs": [{"job_name": options.service, "static_configs": [{"targets": [options.target]}]}],
    }


def alertmanager_config(options: StackOptions) -> dict[str, Any]:
    return {
        "route": {
            "receiver": "local-webhook",
            "group_by": ["alertname", "service"],
            "group_wait": "1s",
            "group_interval": "10s",
            "repeat_interval": "1h",
        },
        "receivers": [
            {
                "name": "local-webhook",
                "webhook_configs": [{"url": f"http://{LOOPBACK}:{options.otlp_port}/v1/alerts", "send_resolved": True}],
            }
        ],
    }


def _write_yaml(path: Path, document: Any, header: str = "") -> Path:
    return write_atomic(path, header + yaml.safe_dump(document, sort_keys=False))


def write_configs(options: StackOptions, spec: ServiceSpec) -> dict[str, Path]:
    work = options.work_dir
    for sub in ("prometheus-data", "alertmanager-data", "logs"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    generated = "# Generated by `companyos obs up`; rewritten on every start.\n"
    rules = write_atomic(work / f"{spec.name}.rules.yml", render_rules(spec))
    return {
        "rules": rules,
        "prometheus": _write_yaml(work / "prometheus.yml", prometheus_config(options, rules.resolve()), generated),
        "alertmanager": _write_yaml(work / "alertmanager.yml", alertmanager_config(options), generated),
    }


def component_argvs(options: StackOptions, configs: dict[str, Path], binaries: dict[str, str]) -> dict[str, list[str]]:
    work = options.work_dir.resolve()
    return {
        "otlp-receiver": [
            sys.executable,
            "-m",
            "companyos.observability.otlp_receiver",
            "--host",
            LOOPBACK,
            "--port",
            str(options.otlp_port),
            "--spans",
            str(work / "spans.jsonl"),
            "--alerts",
            str(work / "alerts.jsonl"),
        ],
        "alertmanager": [
            binaries["alertmanager"],
            f"--config.file={configs['alertmanager'].resolve()}",
            f"--storage.path={work / 'alertmanager-data'}",
            f"--web.listen-address={LOOPBACK}:{options.alertmanager_port}",
            # Empty disables the HA gossip listener, which would otherwise bind 0.0.0.0:9094.
            "--cluster.listen-address=",
        ],
        "prometheus": [
            binaries["prometheus"],
            f"--config.file={configs['prometheus'].resolve()}",
            f"--storage.tsdb.path={work / 'prometheus-data'}",
            f"--web.listen-address={LOOPBACK}:{options.prometheus_port}",
        ],
    }


COMPONENT_ENDPOINTS = {  # name -> (options attribute of its port, readiness path)
    "otlp-receiver": ("otlp_port", "/healthz"),
    "alertmanager": ("alertmanager_port", "/-/ready"),
    "prometheus": ("prometheus_port", "/-/ready"),
}


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return raw.decode("utf-8", "replace").split("\0")[:-1]


def is_running(component: Component) -> bool:
    """True while the PID is still the process we started (a zombie or a reused PID is not)."""
    return _cmdline(component.pid) == component.argv


def _reap(pid: int) -> None:
    # Only our own children (when `up` ran in this process) can be reaped; others belong to init.
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def http_ok(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def _log_tail(path: str, lines: int = 15) -> str:
    try:
        return "\n".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait_ready(component: Component, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(
                f"{component.name} exited with code {process.returncode} while starting. "
                f"Its log ({component.log}) ends with:\n{_log_tail(component.log)}"
            )
        if http_ok(component.url + component.ready_path, timeout=1.0):
            return
        time.sleep(0.1)
    raise UserError(
        f"{component.name} was not ready at {component.url}{component.ready_path} within "
        f"{READY_TIMEOUT_S:.0f}s. Its log ({component.log}) ends with:\n{_log_tail(component.log)}"
    )


def stop_component(component: Component, timeout: float = STOP_TIMEOUT_S) -> str:
    """SIGTERM, then SIGKILL after `timeout`; returns what happened, for the user."""
    if not is_running(component):
        _reap(component.pid)
        return "not running"
    os.kill(component.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(component.pid)
        if not is_running(component):
            return "stopped"
        time.sleep(0.05)
    os.kill(component.pid, signal.SIGKILL)
    kill_deadline = time.monotonic() + 5
    while time.monotonic() < kill_deadline and is_running(component):
        _reap(component.pid)
        time.sleep(0.05)
    return "killed after SIGTERM timed out"


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
            write_atomic(state_path(options.work_dir), state.to_json())  # recorded before waiting: `down` finds it
            _wait_ready(component, process, deadline)
    except BaseException:
        for component in reversed(state.components):
            stop_component(component)
        state_path(options.work_dir).unlink(missing_ok=True)
        raise
    state.startup_seconds = round(time.monotonic() - began, 3)
    write_atomic(state_path(options.work_dir), state.to_json())
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

"""The local stack's processes by PID: whether one is still the process we started (/proc says so), waiting for
it to become ready, and stopping it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.observability.stack_state import Component

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


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


def wait_ready(component: Component, process: subprocess.Popen[bytes], deadline: float) -> None:
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

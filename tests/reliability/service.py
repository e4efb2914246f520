"""Start the built service with its stdout in a file, as a container runtime stores it.

tests/template's `start_service` pipes stdout to a Python reader thread. Under load that reader becomes
part of the system under test: pino writes synchronously, so a reader starved of the GIL (hypothesis runs
in the same process) blocks the service's event loop and shows up as client timeouts. A file never blocks.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

from tests.template.conftest import ServiceProcess, free_port

from .load import LOOPBACK_ENV

START_TIMEOUT_S = 15.0


def read_log(path: Path) -> list[dict[str, object]]:
    lines = []
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            lines.append({"unparsed": text})
    return lines


def start_service_logging_to(project: Path, log: Path, env: dict[str, str] | None = None) -> ServiceProcess:
    """The built service on 127.0.0.1, started as tests/template's start_service starts it; stop it with
    tests/template's stop_service. Its JSON lines go to `log` (read them with read_log)."""
    port = free_port()
    full_env = {"PATH": os.environ["PATH"], "PORT": str(port), "LOG_LEVEL": "info", **LOOPBACK_ENV, **(env or {})}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["node", "--require", "./dist/tracing.js", "dist/server.js"],
            cwd=project,
            env=full_env,
            stdout=out,
            stderr=None,
            text=True,
        )
    service = ServiceProcess(process=process, url=f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the service exited with {process.returncode} at start: {read_log(log)[-5:]}")
        if any(line.get("msg") == "listening" for line in read_log(log)):
            return service
        time.sleep(0.05)
    process.kill()
    process.wait(timeout=5)
    raise AssertionError(f"the service did not log `listening` within {START_TIMEOUT_S} s: {read_log(log)[-5:]}")

"""Drive a service with autocannon in the background and read its --json report."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
AUTOCANNON_DIR = REPO_ROOT / "benchmarks" / "autocannon"
# The template's server.listen(port) binds every interface; this preload keeps it on 127.0.0.1.
LOOPBACK_ONLY = REPO_ROOT / "benchmarks" / "loopback-only.cjs"
LOOPBACK_ENV = {"NODE_OPTIONS": f"--require {LOOPBACK_ONLY}"}


@dataclass
class Load:
    """One autocannon run started in the background; `report()` waits for it and returns its JSON report."""

    process: subprocess.Popen[str]
    duration_s: int

    def running(self) -> bool:
        return self.process.poll() is None

    def report(self) -> dict[str, Any]:
        try:
            stdout, stderr = self.process.communicate(timeout=self.duration_s + 60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate(timeout=10)
            raise AssertionError(f"autocannon did not finish {self.duration_s} s of load within 60 s more") from None
        assert self.process.returncode == 0, f"autocannon exited {self.process.returncode}: {stderr[-2000:]}"
        return json.loads(stdout)

    def stop(self) -> None:
        """Stops this run (the one process this test started), if it still runs."""
        if self.running():
            self.process.kill()
            self.process.communicate(timeout=10)


def start_load(tool: Path, url: str, *, connections: int, duration_s: int, timeout_s: int = 10) -> Load:
    argv = [
        "node",
        str(tool / "node_modules" / "autocannon" / "autocannon.js"),
        "--json",
        "-c",
        str(connections),
        "-d",
        str(duration_s),
        "-t",
        str(timeout_s),
        url,
    ]
    return Load(subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), duration_s)

"""Shared by the scaffold and throughput benchmarks: generate a service with the real CLI, run npm."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMPANYOS = Path(sys.executable).parent / "companyos"
NPM_TIMEOUT_S = 600


def npm_env() -> dict[str, str]:
    env = {**os.environ, "npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false"}
    if cache := os.environ.get("PAVED_ROAD_NPM_CACHE"):
        env["npm_config_cache"] = cache  # shared with the tests; npm's default (~/.npm) otherwise
    return env


def npm(project: Path, *args: str) -> float:
    """Runs npm in `project`; returns its wall time; raises with npm's output if it fails."""
    started = time.perf_counter()
    result = subprocess.run(
        ["npm", *args], cwd=project, env=npm_env(), capture_output=True, text=True, timeout=NPM_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"npm {' '.join(args)} failed in {project}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.perf_counter() - started


def companyos(cwd: Path, *args: str, env: dict[str, str] | None = None) -> float:
    """Runs the real CLI; returns its wall time (interpreter start and imports included)."""
    started = time.perf_counter()
    result = subprocess.run(
        [str(COMPANYOS), *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"companyos {' '.join(args)} failed:\n{result.stderr}")
    return time.perf_counter() - started

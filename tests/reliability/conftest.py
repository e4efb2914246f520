"""Fixtures of the reliability suite (`make reliability`): the template tests' built service, autocannon."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node_tools import node24_first_on_path

# The service generated, installed and built once by the template tests' fixtures (copier, npm ci, tsc).
from tests.template.conftest import built_service, npm, template_repo  # noqa: F401  (pytest fixtures)

from .load import AUTOCANNON_DIR


@pytest.fixture(scope="session", autouse=True)
def node24() -> Iterator[None]:
    """The generated service builds and runs on Node 24, its runtime (.tools/node24, installed by setup)."""
    with node24_first_on_path():
        yield


@pytest.fixture(scope="session")
def autocannon(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """autocannon as pinned by benchmarks/autocannon's lockfile, installed with `npm ci` in a scratch folder."""
    tool = tmp_path_factory.mktemp("autocannon") / "autocannon"
    shutil.copytree(AUTOCANNON_DIR, tool, ignore=shutil.ignore_patterns("node_modules"))
    npm(tool, "ci", "--prefer-offline")
    return tool

"""The CLI path end to end: what `companyos new-service` writes installs, builds and passes its own tests.

tests/template proves the template renders into a working service; this proves the command does too
(answers mapping, CI workflow added, staging directory renamed) with no edit in between."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.template.conftest import node_test_counts, npm

from .conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def test_a_service_created_by_the_cli_installs_builds_and_passes_npm_test_unedited(
    tmp_path: Path, template_cache_dir: Path
) -> None:
    (tmp_path / "services.yaml").write_text((REPO_ROOT / "services.yaml").read_text())
    env = {**os.environ, "XDG_CACHE_HOME": str(template_cache_dir)}
    env.pop("PAVED_ROAD_TEMPLATE", None)
    created = subprocess.run(
        [
            str(Path(sys.executable).parent / "companyos"),
            "new-service",
            "ledger-api",
            "--owner",
            "team-ledger",
            "--port",
            "9000",
            "--description",
            "Keeps the ledger.",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    service = tmp_path / "ledger-api"

    npm(service, "ci", "--prefer-offline")
    result = npm(service, "test")  # its script is `npm run build && npm run typecheck && node --test ...`

    assert (service / "dist" / "server.js").is_file()
    passed, failed = node_test_counts(result.stdout)
    assert failed == 0 and passed > 0, result.stdout[-2000:]

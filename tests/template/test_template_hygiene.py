"""A rendered service carries no secret and its compose file is valid Compose."""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .conftest import render

VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install detect-secrets==1.5.0 check-jsonschema==0.39.0"
    return found


def test_detect_secrets_finds_nothing_in_a_rendered_service(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc")
    (project / "node_modules").mkdir()  # excluded the same way once npm has run
    result = subprocess.run(
        [tool("detect-secrets"), "scan", "--all-files", "--exclude-files", r"(^|/)node_modules/"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["results"] == {}
    assert report["plugins_used"], "detect-secrets ran no plugin, so it could not have found anything"


def test_a_planted_secret_is_found_so_the_scan_is_real(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc")
    (project / "src" / "leak.ts").write_text(f'export const apiToken = "{secrets.token_hex(20)}";\n')
    result = subprocess.run(
        [tool("detect-secrets"), "scan", "--all-files"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "src/leak.ts" in json.loads(result.stdout)["results"]


def test_docker_compose_file_validates_against_the_compose_spec(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc")
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(project / "docker-compose.yml")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_wires_prometheus_to_the_service_and_keeps_postgres_optional(
    template_repo: Path, tmp_path: Path
) -> None:
    project = render(template_repo, tmp_path / "svc", {"port": 9000})
    compose = yaml.safe_load((project / "docker-compose.yml").read_text())
    scrape = yaml.safe_load((project / "prometheus.yml").read_text())["scrape_configs"][0]
    assert scrape["static_configs"][0]["targets"] == ["app:9000"]
    assert compose["services"]["app"]["environment"]["PORT"] == "9000"
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["db"]
    assert postgres["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?set it in .env}"


@pytest.mark.slow
def test_the_compose_prometheus_config_passes_promtool(template_repo: Path, tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    project = render(template_repo, tmp_path / "svc")
    result = subprocess.run(
        [promtool, "check", "config", "--syntax-only", str(project / "prometheus.yml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_devcontainer_and_package_files_are_valid_json(template_repo: Path, tmp_path: Path) -> None:
    project = render(template_repo, tmp_path / "svc", {"port": 9000})
    devcontainer = json.loads((project / ".devcontainer" / "devcontainer.json").read_text())
    assert devcontainer["forwardPorts"][0] == 9000
    assert json.loads((project / "package.json").read_text())["scripts"]["start"].startswith(
        "node --require ./dist/tracing.js"
    )

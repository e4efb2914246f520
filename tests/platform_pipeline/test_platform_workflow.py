"""The platform repository's own workflow: committed as rendered, clean for zizmor, actionlint and GitHub's schema,
shaped as the pipeline promises, and its `affected` step's shell really turns the CLI's JSON into job outputs."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from companyos.platform_pipeline.workflow import GRANTS, WORKFLOW_FILE, render_platform_workflow
from tests.conftest import REPO_ROOT

from .test_affected import CATALOG, commit, git

WORKFLOW: dict[str, Any] = yaml.safe_load(render_platform_workflow())
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = str(BIN / name) if (BIN / name).exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed. Fix: make setup")
    return found


def test_the_committed_workflow_is_the_rendered_one() -> None:
    assert (REPO_ROOT / WORKFLOW_FILE).read_text() == render_platform_workflow(), (
        "run `companyos platform-workflow` and commit .github/workflows/platform.yml"
    )


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing(persona: str) -> None:
    done = subprocess.run(
        [tool("zizmor"), "--offline", "--no-config", "--strict-collection", f"--persona={persona}", "--format=json",
         str(REPO_ROOT / WORKFLOW_FILE)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert json.loads(done.stdout or "null") == [], done.stdout[:3000]


def test_actionlint_and_githubs_schema_accept_it() -> None:
    # actionlint runs shellcheck on every `run:` script when shellcheck is on PATH (make setup installs it).
    assert shutil.which("shellcheck"), "shellcheck is missing: make setup"
    lint = subprocess.run([tool("actionlint"), str(REPO_ROOT / WORKFLOW_FILE)], capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    schema = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(REPO_ROOT / WORKFLOW_FILE)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_previews_run_on_pull_requests_and_up_on_main_behind_the_stacks_environment() -> None:
    jobs = WORKFLOW["jobs"]
    assert set(jobs) == {"validate", "preview", "up"}
    assert jobs["preview"]["if"] == "github.event_name == 'pull_request' && needs.validate.outputs.any == 'true'"
    assert jobs["up"]["if"] == "github.event_name == 'push' && needs.validate.outputs.any == 'true'"
    assert jobs["up"]["environment"] == "${{ matrix.environment }}"
    assert WORKFLOW["on"]["push"] == {"branches": ["main"]}
    for name in ("preview", "up"):
        assert jobs[name]["needs"] == ["validate"]
        assert jobs[name]["strategy"]["matrix"] == "${{ fromJSON(needs.validate.outputs.matrix) }}"
        pulumi = next(step for step in jobs[name]["steps"] if "pulumi/actions@" in step.get("uses", ""))
        assert pulumi["with"]["command"] == name
        assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
        assert pulumi["with"]["policyPacks"].endswith("/policypacks/paved-road")
    validate = [step.get("run", "") for step in jobs["validate"]["steps"]]
    assert any(run.startswith("companyos validate") for run in validate)
    assert any('companyos affected "$BASE_SHA" "$HEAD_SHA"' in run for run in validate)


def test_every_action_is_pinned_and_no_script_interpolates_event_data() -> None:
    assert WORKFLOW["permissions"] == {}
    for name, job in WORKFLOW["jobs"].items():
        assert job["permissions"] == {scope: level for scope, (level, _) in GRANTS[name].items()}
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            assert "${{" not in step.get("run", ""), (name, step["name"])


def test_the_affected_steps_script_turns_the_clis_json_into_job_outputs(tmp_path: Path) -> None:
    repo = tmp_path / "platform"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    base = commit(repo, {"services.yaml": CATALOG}, "base")
    head = commit(repo, {"services.yaml": CATALOG.replace("risk: high", "risk: medium")})
    step = next(s for s in WORKFLOW["jobs"]["validate"]["steps"] if s.get("id") == "affected")
    outputs, summary = tmp_path / "outputs", tmp_path / "summary"
    env = {**os.environ, "BASE_SHA": base, "HEAD_SHA": head, "GITHUB_OUTPUT": str(outputs),
           "GITHUB_STEP_SUMMARY": str(summary), "PATH": f"{BIN}:{os.environ['PATH']}"}  # fmt: skip
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", step["run"]], cwd=repo, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    written = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert json.loads(written["matrix"]) == {"include": [{"stack": "pay-dev", "service": "pay", "environment": "dev"}]}
    assert written["any"] == "true"
    assert "- pay-dev: services.yaml: stanza changed (risk)" in summary.read_text()

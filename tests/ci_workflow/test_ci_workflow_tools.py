"""The rendered workflow passes the real consumers' checks: zizmor's security audits and GitHub's schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _tool(name: str) -> str:
    """The tool installed beside this interpreter (the project venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed. Fix: .venv/bin/pip install zizmor==1.32.0 check-jsonschema==0.39.0; "
            "apt-get install -y shellcheck"
        )
    return found


@pytest.fixture()
def workflow_file(tmp_path: Path, rendered: str) -> Path:
    path = tmp_path / ".github" / "workflows" / "ci.yml"
    path.parent.mkdir(parents=True)
    path.write_text(rendered, encoding="utf-8")
    return path


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing_in_the_workflow(workflow_file: Path, persona: str) -> None:
    # --no-config: no zizmor.yml anywhere can silence an audit; --strict-collection: a file zizmor cannot
    # parse is an error, not a skipped input that reports "no findings".
    result = subprocess.run(
        [
            _tool("zizmor"),
            "--offline",
            "--no-config",
            "--strict-collection",
            f"--persona={persona}",
            "--format=json",
            str(workflow_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    findings = json.loads(result.stdout or "null")
    assert findings == [], json.dumps(findings, indent=2)[:4000]
    assert result.returncode == 0, result.stderr


def test_the_workflow_validates_against_githubs_workflow_schema(workflow_file: Path) -> None:
    result = subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(workflow_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_finds_nothing_and_does_flag_a_broken_expression(workflow_file: Path, rendered: str) -> None:
    # actionlint checks expressions, job needs and contexts, and runs shellcheck on each `run:` script.
    clean = subprocess.run([_tool("actionlint"), str(workflow_file)], capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    workflow_file.write_text(rendered.replace("needs.build.outputs.digest", "needs.nosuchjob.outputs.digest", 1))
    broken = subprocess.run([_tool("actionlint"), str(workflow_file)], capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "nosuchjob" in broken.stdout, broken.stdout


def test_zizmor_does_flag_a_tag_pin_and_an_injected_title_so_a_clean_result_means_something(
    workflow_file: Path, rendered: str
) -> None:
    workflow_file.write_text(
        rendered.replace(
            "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "actions/checkout@v4", 1
        ).replace("run: npm run build", 'run: echo "${{ github.event.pull_request.title }}"', 1),
        encoding="utf-8",
    )
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-config", "--persona=pedantic", "--format=json", str(workflow_file)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    audits = {finding["ident"] for finding in json.loads(result.stdout)}
    assert {"unpinned-uses", "template-injection"} <= audits


def _shellcheck(script: str) -> subprocess.CompletedProcess[str]:
    # The check actionlint runs on `run:` blocks, here on each script alone for a precise failure message.
    return subprocess.run(
        [_tool("shellcheck"), "--shell=bash", "--norc", "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_every_run_script_passes_shellcheck(workflow) -> None:
    reports = {}
    for job_id, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "run" in step and (result := _shellcheck(step["run"])).returncode != 0:
                reports[f"{job_id} / {step['name']}"] = result.stdout
    assert reports == {}


def test_shellcheck_flags_an_unquoted_image_reference_so_a_clean_result_means_something() -> None:
    result = _shellcheck('cosign verify --key env://COSIGN_PUBLIC_KEY $IMAGE_REPOSITORY@$IMAGE_DIGEST\n')
    assert result.returncode != 0
    assert "SC2086" in result.stdout

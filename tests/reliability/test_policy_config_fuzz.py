"""Policy-config fuzzing (issue 8, reliability): any invalid `--policy-pack-config` makes the gate stop with
exit 2 ("could not run"), never pass, with the real pack (policypacks/paved-road) over the Analyzer protocol.

Three depths, because one `companyos preview` costs about 3 s here (the program under mocks, then the pack):
- 600 invalid configs through the gate exactly as `companyos preview` runs it after loading the file
  (`GateSession.run` on the program's resources, one pack process reconfigured per run, as one preview uses
  it), each config written to a file and read back with the preview's own loader;
- 40 malformed files (not JSON, YAML, truncated, not an object) through the `companyos preview` command in
  this process: they are refused before the program runs, so they are cheap;
- 8 invalid configs through the whole `companyos preview` command (program, pack, report).
Each invalid config is a passing config plus one defect (policy_configs.py): the same config without the
defect passes (exit 0), checked at every depth.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companyos.cli import main
from companyos.contracts.conventions import trusted_key_config
from companyos.contracts.release_record import write_release_record
from companyos.policy_gate import GateSession
from companyos.policy_gate.policy_config import load_config_file
from companyos.policy_gate.preview import DEFAULT_PACK, PreviewOptions, project_name, stack_config
from companyos.preview.program_run import RecordedResource, run_program
from tests.conftest import REPO_ROOT, ReleaseSigner
from tests.policy_gate.conftest import assert_valid_report
from tests.policy_gate.test_real_pack import PR_LABELS

from .policy_configs import BadConfig, invalid_configs, malformed_texts

PACK = REPO_ROOT / DEFAULT_PACK
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@dataclass(frozen=True)
class Stack:
    """What a preview of the sample catalogue with one signed release gives the gate, and the config that passes."""

    releases: Path
    config: dict[str, str]
    resources: list[RecordedResource]
    base: dict[str, Any]
    scratch: Path


@pytest.fixture(scope="module")
def stack(signer: ReleaseSigner, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    scratch = tmp_path_factory.mktemp("policy-fuzz")
    releases = scratch / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    project = project_name(REPO_ROOT)
    config = stack_config(PreviewOptions(project_dir=REPO_ROOT, releases_dir=releases), project)
    run = run_program(REPO_ROOT, stack="dev", project=project, config=config, preview=True)
    assert run.error is None, run.error
    base = {**trusted_key_config([signer.public_pem.decode()]), "pull-request-governance-labels": PR_LABELS}
    return Stack(releases, config, run.resources, base, scratch)


@pytest.fixture(scope="module")
def bad_configs(stack: Stack) -> st.SearchStrategy[BadConfig]:
    return invalid_configs(stack.base)


@pytest.fixture(scope="module")
def session(stack: Stack) -> Iterator[GateSession]:
    with GateSession(
        PACK, project=project_name(REPO_ROOT), stack="dev", stack_config=stack.config, timeout_s=60
    ) as running:
        yield running


def write_config(stack: Stack, config: Mapping[str, Any] | str | bytes) -> Path:
    path = stack.scratch / "policy-config.json"
    if isinstance(config, bytes):
        path.write_bytes(config)
    else:
        path.write_text(config if isinstance(config, str) else json.dumps(config), encoding="utf-8")
    return path


def preview(stack: Stack, config: Path) -> tuple[int, str, dict[str, Any] | None]:
    """`companyos preview --policy-pack-config CONFIG ...` in this process: (exit code, stderr, JSON report).
    Any exception but SystemExit escapes: the traceback a user would see."""
    report = stack.scratch / "gate-report.json"
    report.unlink(missing_ok=True)
    stderr, argv = io.StringIO(), sys.argv
    sys.argv = [
        "companyos",
        "preview",
        "--project-dir",
        str(REPO_ROOT),
        "--policy-pack",
        str(PACK),
        "--releases-dir",
        str(stack.releases),
        "--policy-pack-config",
        str(config),
        "--json",
        str(report),
    ]
    code: int | None = None
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
            main()
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        sys.argv = argv
    assert code is not None, "companyos preview returned without an exit code"
    return code, stderr.getvalue(), json.loads(report.read_text()) if report.exists() else None


def names_each(error: str, case: BadConfig) -> None:
    for name in case.names:
        assert repr(name) in error or name in error, f"{case.why}: the error does not name {name!r}: {error}"


def test_the_passing_config_passes_through_the_gate_and_through_companyos_preview(
    stack: Stack, session: GateSession
) -> None:
    # The control for every test below: without its one defect each config would pass.
    path = write_config(stack, stack.base)
    result = session.run(stack.resources, load_config_file(path), config_source=str(path))
    assert (result.exit_code, result.error) == (0, None), [(v.rule, v.message) for v in result.violations]
    code, stderr, report = preview(stack, path)
    assert code == 0 and report is not None and report["verdict"] == "passed", stderr


@settings(FUZZ, max_examples=600)
@given(data=st.data())
def test_an_invalid_config_stops_the_gate_with_exit_2_naming_what_is_wrong(
    stack: Stack, session: GateSession, bad_configs: st.SearchStrategy[BadConfig], data: st.DataObject
) -> None:
    case = data.draw(bad_configs, label="config")
    path = write_config(stack, case.config)
    result = session.run(stack.resources, load_config_file(path), config_source=f"--policy-pack-config {path}")
    assert result.exit_code == 2 and result.verdict == "error", f"{case.why}: {result.verdict} for {case.config}"
    assert result.error and result.analyzed == 0, result.error
    names_each(result.error, case)
    assert_valid_report(result.to_report())


@settings(FUZZ, max_examples=40)
@given(case=malformed_texts)
def test_a_malformed_config_file_stops_companyos_preview_with_exit_2_and_no_traceback(
    stack: Stack, case: tuple[str, str]
) -> None:
    why, text = case
    path = write_config(stack, text)
    code, stderr, report = preview(stack, path)
    assert code == 2, f"{why}: exit {code} for {text!r}"
    assert stderr.startswith(f"error: policy gate could not run: --policy-pack-config {path}: "), stderr
    assert report is not None and report["verdict"] == "error", why
    assert_valid_report(report)


def test_a_config_file_that_is_not_utf8_stops_companyos_preview_with_exit_2(stack: Stack) -> None:
    path = write_config(stack, b"\xff\xfe{\x00}\x00")  # UTF-16, as some editors save
    code, stderr, _ = preview(stack, path)
    assert code == 2 and "Traceback" not in stderr
    assert f"--policy-pack-config {path}: not JSON: byte 0 is not UTF-8" in stderr, stderr


@settings(FUZZ, max_examples=8)
@given(data=st.data())
def test_an_invalid_config_stops_the_whole_companyos_preview_with_exit_2(
    stack: Stack, bad_configs: st.SearchStrategy[BadConfig], data: st.DataObject
) -> None:
    case = data.draw(bad_configs, label="config")
    path = write_config(stack, case.config)
    code, stderr, report = preview(stack, path)
    assert code == 2, f"{case.why}: exit {code} for {case.config}"
    assert stderr.startswith("error: policy gate could not run: "), stderr
    names_each(stderr, case)
    assert report is not None and report["verdict"] == "error" and report["exit_code"] == 2
    assert_valid_report(report)

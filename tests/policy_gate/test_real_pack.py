"""The real paved-road pack through the gate: every policy case over gRPC, and `companyos preview` end to end."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from companyos.contracts.conventions import trusted_key_config
from companyos.contracts.release_record import write_release_record
from companyos.policy_gate import GateSession
from tests.conftest import REPO_ROOT, write_exceptions
from tests.policy_gate.conftest import assert_valid_report
from tests.policy_gate.test_preview_cli import preview

PACK = REPO_ROOT / "policypacks" / "paved-road"
pytestmark = pytest.mark.skipif(
    not (PACK / "PulumiPolicy.yaml").exists(), reason="policypacks/paved-road/PulumiPolicy.yaml does not exist yet"
)

if (PACK / "PulumiPolicy.yaml").exists():
    # The case format belongs to the pack's tests (tests/policies/README.md): reuse their reader.
    from tests.policies.cases import FIXTURE_EXCEPTION_ENTRIES, Case, all_cases

    CASES = all_cases()
else:
    FIXTURE_EXCEPTION_ENTRIES, CASES = [], []

PR_LABELS = {"labels": ["risk:medium", "data-classification:internal"], "source": "pull_request"}


# The waivers the cases use (a case `config` that weakens the baseline) as reviewed exceptions.
FIXTURE_EXCEPTIONS = write_exceptions(Path(tempfile.mkdtemp()) / "policy-exceptions.yaml", FIXTURE_EXCEPTION_ENTRIES)


@pytest.fixture(scope="module")
def session() -> Iterator[GateSession]:
    """One pack process for all cases (each run reconfigures it), as one preview would use it."""
    with GateSession(
        PACK, project="paved-road", stack="dev", timeout_s=60, exceptions_file=FIXTURE_EXCEPTIONS
    ) as running:
        yield running


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_each_policy_case_gives_the_same_verdict_over_grpc(session: GateSession, case: Case) -> None:
    result = session.run(case.resources, case.config, config_source=f"{case.path}: {case.name}")
    assert result.error is None, result.error
    assert_valid_report(result.to_report())
    own = result.violations_of(case.rule)
    if case.expect is None:
        assert own == [], f"{case.id}: unexpected {[v.message for v in own]}"
    else:
        assert any(case.expect.says in v.message for v in own), (
            f"{case.id}: no violation of {case.rule} saying {case.expect.says!r}; got {[v.message for v in own]}"
        )


def test_there_is_a_passing_and_a_failing_case_per_rule_file() -> None:
    for path in {case.path for case in CASES}:
        kinds = {case.good for case in CASES if case.path == path}
        assert kinds == {True, False}, path


def _config(tmp_path: Path, signer, **extra: object) -> Path:
    path = tmp_path / "policy-config.json"
    path.write_text(
        json.dumps(
            {**trusted_key_config([signer.public_pem.decode()]), "pull-request-governance-labels": PR_LABELS, **extra}
        )
    )
    return path


def test_preview_of_the_sample_catalogue_with_a_signed_release_passes(tmp_path, signer) -> None:
    releases = tmp_path / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    report_path = tmp_path / "gate.json"
    done = preview("--releases-dir", releases, "--policy-pack-config", _config(tmp_path, signer), "--json", report_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert_valid_report(report)
    assert (report["verdict"], report["pack"]["name"]) == ("passed", "paved-road")
    assert report["resources"]["analyzed"] == report["resources"]["count"] == 26
    assert all(p["result"] in ("pass", "waived") for p in report["policies"]), report["policies"]


def test_preview_of_a_release_signed_for_another_digest_is_blocked(tmp_path, signer) -> None:
    release = signer.release("hello-prod", signed_digest="sha256:" + "1" * 64)
    record = write_release_record(release, tmp_path / "hello-prod.json")
    report_path = tmp_path / "gate.json"
    done = preview(
        "--service",
        "hello-prod",
        "--release",
        record,
        "--policy-pack-config",
        _config(tmp_path, signer),
        "--json",
        report_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    assert_valid_report(report)
    assert "image-signature-verified" in {v["rule"] for v in report["violations"] if v["level"] == "mandatory"}
    assert "image-signature-verified" in done.stdout


def test_an_unscanned_release_is_blocked_and_passes_only_under_a_waiver_the_report_lists(tmp_path, signer) -> None:
    from companyos.contracts.release_record import ScanSummary

    releases = tmp_path / "releases"
    write_release_record(
        signer.release("hello-prod", scan=ScanSummary(status="not-scanned")), releases / "hello-prod.json"
    )
    blocked = preview("--releases-dir", releases, "--policy-pack-config", _config(tmp_path, signer))
    assert blocked.returncode == 1 and "image-vulnerability-threshold" in blocked.stdout
    report_path = tmp_path / "gate.json"
    unexcepted = preview(
        "--releases-dir",
        releases,
        "--policy-pack-config",
        _config(tmp_path, signer, **{"image-vulnerability-threshold": {"allow_unscanned": True}}),
    )
    assert unexcepted.returncode == 2 and "image-vulnerability-threshold allow_unscanned" in unexcepted.stderr
    allowed = write_exceptions(tmp_path / "exceptions.yaml", [("image-vulnerability-threshold", "allow_unscanned")])
    waived = preview(
        "--releases-dir",
        releases,
        "--json",
        report_path,
        "--exceptions",
        allowed,
        "--policy-pack-config",
        _config(tmp_path, signer, **{"image-vulnerability-threshold": {"allow_unscanned": True}}),
    )
    assert waived.returncode == 0, waived.stdout + waived.stderr
    report = json.loads(report_path.read_text())
    assert [w["rule"] for w in report["waivers"]] == ["image-vulnerability-threshold"]
    assert "Waived: image-vulnerability-threshold" in waived.stdout
    assert [e["used"] for e in report["exceptions"]["in_force"]] == [True]


def test_a_deployment_without_its_risk_label_is_blocked_naming_the_resource_the_stanza_field_and_the_fix(
    tmp_path, signer
) -> None:
    """The program always labels; a hand-edited component (here: the risk label dropped by a transform
    in a copy of the program) must still be caught by the gate."""
    import shutil

    project = tmp_path / "project"
    shutil.copytree(
        REPO_ROOT, project, ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", ".work", "tests")
    )
    main = project / "__main__.py"
    main.write_text(
        main.read_text().replace(
            "PROJECT_DIR = Path(__file__).resolve().parent",
            "PROJECT_DIR = Path(__file__).resolve().parent\n\n"
            "def _drop_risk(args):\n"
            "    if args.type_ == 'kubernetes:apps/v1:Deployment':\n"
            "        metadata = args.props['metadata']\n"
            "        metadata.labels = {k: v for k, v in metadata.labels.items() if k != 'risk'}\n"
            "        return pulumi.ResourceTransformationResult(args.props, args.opts)\n"
            "    return None\n\n"
            "pulumi.runtime.register_stack_transformation(_drop_risk)\n",
        )
    )
    releases = tmp_path / "releases"
    write_release_record(signer.release("hello-prod"), releases / "hello-prod.json")
    done = preview(
        "--project-dir",
        project,
        "--catalog",
        project / "services.yaml",
        "--releases-dir",
        releases,
        "--policy-pack",
        PACK,
        "--policy-pack-config",
        _config(tmp_path, signer),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "kubernetes-governance-labels" in done.stdout
    assert "hello-prod" in done.stdout and "`risk`" in done.stdout and "services.yaml" in done.stdout

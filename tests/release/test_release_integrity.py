"""Release integrity: a recorded release's files are never rewritten for another image, each version has its own
folder (a build tagged 0.1.1 never touches 0.1.0's), a new local run of a version sets the previous run aside whole,
and a stage that did not run its check is `waived`, never `passed`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from companyos.catalog import load_catalog_text
from companyos.contracts.errors import UserError
from companyos.evidence.model import Changes, Compliance, EvidencePack, Rollback
from companyos.evidence.render import render_markdown
from companyos.release.pipeline import _set_aside
from companyos.release.runner import StageContext, StageSpec, run_stages
from companyos.release.state import ReleaseState, Waived
from companyos.supply_chain.build import build_service
from companyos.supply_chain.release import record_release
from companyos.supply_chain.release_paths import RECORD_FILE, release_dir
from companyos.supply_chain.sbom_release import produce_sbom

DIGEST, OTHER = "sha256:" + "a" * 64, "sha256:" + "b" * 64
CATALOG = (
    "services:\n  - name: orders-api\n    owner: team-orders\n    risk: medium\n    data_classification: internal\n"
)


def recorded(work: Path, version: str = "0.1.0", digest: str = DIGEST) -> Path:
    record, path = record_release(
        service="orders-api", version=version, image_repository="127.0.0.1:5000/orders-api", digest=digest,
        sbom_path=None, sbom_location="", signature=None, scan=None, git_commit="0" * 40, work=work, tag=version,
    )  # fmt: skip
    assert record.image.digest == digest
    return path


@pytest.fixture
def service_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "orders-api"
    folder.mkdir()
    (folder / "package.json").write_text(json.dumps({"name": "orders-api", "version": "0.1.0"}))
    (folder / "Dockerfile").write_text("FROM scratch\n")
    return folder


def test_a_recorded_release_is_not_recorded_again_for_another_image(tmp_path: Path) -> None:
    path = recorded(tmp_path)
    recorded(tmp_path)  # the same image again: allowed (idempotent)
    with pytest.raises(UserError, match=rf"{path}.*records {DIGEST}.*never rewritten for {OTHER}"):
        recorded(tmp_path, digest=OTHER)
    assert json.loads(path.read_text())["image"]["digest"] == DIGEST


def test_a_recorded_versions_image_and_sbom_are_refused_before_any_tool_runs(tmp_path: Path, service_dir: Path) -> None:
    work = tmp_path / "work"
    recorded(work)
    # No buildah, registry or syft is reached: the refusal comes first and names the record.
    with pytest.raises(UserError, match=r"release\.json records .*release a new version"):
        build_service(service_dir, "127.0.0.1:5000", work, tag="0.1.0")
    with pytest.raises(UserError, match=r"its SBOM is never rewritten"):
        produce_sbom(service_dir, tmp_path / "sbom.json", work, image=None, attach=False)
    assert not (release_dir(work, "orders-api", "0.1.0") / "build.json").exists()


def test_an_unreadable_record_still_marks_the_version_recorded(tmp_path: Path, service_dir: Path) -> None:
    # Corrupting release.json must not turn a recorded version back into a writable one.
    folder = release_dir(tmp_path, "orders-api", "0.1.0")
    folder.mkdir(parents=True)
    (folder / RECORD_FILE).write_text("{not json")
    with pytest.raises(UserError, match=r"records \(unreadable\)"):
        build_service(service_dir, "127.0.0.1:5000", tmp_path, tag="0.1.0")
    with pytest.raises(UserError, match=r"records \(unreadable\)"):
        recorded(tmp_path)


def test_each_version_has_its_own_folder(tmp_path: Path, service_dir: Path) -> None:
    work = tmp_path / "work"
    recorded(work)  # 0.1.0 is recorded; a build and an SBOM of 0.1.1 go to 0.1.1's folder, not 0.1.0's
    with pytest.raises(UserError, match="Dockerfile|buildah|registry|base"):
        build_service(service_dir, "127.0.0.1:1", work, tag="0.1.1")  # fails later, at the tools, not at 0.1.0
    assert sorted(p.name for p in release_dir(work, "orders-api", "0.1.0").iterdir()) == [RECORD_FILE]


def test_a_new_local_run_of_a_version_sets_the_previous_one_aside_whole(tmp_path: Path) -> None:
    out = tmp_path / "releases" / "orders-api" / "0.1.0"
    out.mkdir(parents=True)
    (out / RECORD_FILE).write_text("{}")
    moved = _set_aside(out)
    assert moved is not None and moved.parent.name == ".replaced" and (moved / RECORD_FILE).read_text() == "{}"
    assert not out.exists() and _set_aside(out) is None


def test_a_stage_that_did_not_run_its_check_is_waived_in_the_evidence_never_passed(tmp_path: Path) -> None:
    spec = load_catalog_text(CATALOG).service("orders-api")
    context = StageContext(
        "orders-api", "0.1.0", tmp_path, tmp_path, Console(file=io.StringIO()),
        ReleaseState(spec=spec, catalog=tmp_path / "services.yaml", service_dir=tmp_path, registry_port=5000),
    )  # fmt: skip
    stages, failure = run_stages(
        [
            StageSpec("build", lambda _ctx: "dist/", "build", "npm run build"),
            StageSpec("scan", lambda _ctx: Waived("scan.json (not-scanned)", "not scanned, waived by exception"), "sbom", "scan"),
        ],
        context,
    )  # fmt: skip
    assert failure is None
    assert [(s.name, s.status, s.detail) for s in stages] == [
        ("build", "passed", ""),
        ("scan", "waived", "not scanned, waived by exception"),
    ]
    compliance = Compliance("passed", [], "", None, None, None, True, "", None, {"status": "not-scanned"})
    page = render_markdown(
        EvidencePack(
            "orders-api", "0.1.0", "2026-12-07T00:00:00+00:00", True, None, None, stages,
            Changes([], "", "the first commit", None, DIGEST), None, None, compliance,
            Rollback(None, None, None, []),
        )
    )  # fmt: skip
    assert "every stage passed but `scan`, waived under a reviewed exception" in page
    assert "| scan | waived: not scanned, waived by exception |" in page

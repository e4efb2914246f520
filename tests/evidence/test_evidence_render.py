"""The evidence page answers the four questions from the artefacts it is given, and stands alone as HTML."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from companyos.contracts.errors import UserError
from companyos.evidence.model import Compliance, EvidencePack, Link, RuleOutcome, Stage
from companyos.evidence.render import render_markdown, write_evidence
from companyos.evidence.sources import git_changes, lcov_line_coverage, read_junit, rollback_plan

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="http">
<testcase name="healthz answers 200" classname="http"/>
<testcase name="readyz answers 503 while draining" classname="http"/>
<testcase name="echo refuses malformed json" classname="http"><failure message="expected 400"/></testcase>
<testcase name="otlp export" classname="http"><skipped/></testcase>
</testsuite></testsuites>
"""
LCOV = "TN:\nSF:src/app.ts\nLF:40\nLH:30\nend_of_record\nSF:src/server.ts\nLF:10\nLH:10\nend_of_record\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def service_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "svc"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    (repo / "a.txt").write_text("one\n")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first release")
    return repo


def pack_for(tmp_path: Path, service_repo: Path, signer, previous=None) -> EvidencePack:
    (tmp_path / "junit.xml").write_text(JUNIT)
    (tmp_path / "lcov.info").write_text(LCOV)
    tests = replace(
        read_junit(tmp_path / "junit.xml", "junit.xml"),
        line_coverage_percent=lcov_line_coverage(tmp_path / "lcov.info"),
        coverage_report="lcov.info",
    )
    record = signer.release("hello-prod", version="0.2.0")
    return EvidencePack(
        service="hello-prod",
        version="0.2.0",
        created_at="2026-11-24T08:00:00Z",
        complete=True,
        failed_stage=None,
        error=None,
        stages=[Stage("test", "passed", 3.2, "junit.xml"), Stage("sign", "passed", 0.1, "sig")],
        changes=git_changes(service_repo, previous, record.image.digest),
        tests=tests,
        post_deploy={"verdict": "healthy", "checks": [{"name": "GET /healthz", "status": "ok", "detail": "12 ms"}]},
        compliance=Compliance(
            gate_verdict="passed",
            rules=[RuleOutcome("image-signature-verified", "pass", "mandatory")],
            gate_report="gate.json",
            sbom_digest=record.sbom.digest,
            sbom_components=312,
            sbom_location=record.sbom.location,
            signature_verified=True,
            signature_detail="",
            key_fingerprint="sha256:abc",
            scan={"status": "not-scanned"},
        ),
        rollback=rollback_plan("hello-prod", previous, "releases/hello-prod-0.1.0.json" if previous else None),
        links=[Link("ADR-0011 release record", "adr.md")],
    )


def test_junit_and_lcov_reports_become_counts_and_coverage(tmp_path, service_repo, signer) -> None:
    pack = pack_for(tmp_path, service_repo, signer)
    assert (pack.tests.tests, pack.tests.passed, pack.tests.failed, pack.tests.skipped) == (4, 2, 1, 1)
    assert pack.tests.line_coverage_percent == pytest.approx(80.0)


def test_an_unreadable_junit_report_is_a_user_error_naming_the_file(tmp_path) -> None:
    (tmp_path / "junit.xml").write_text("<testsuites>")
    with pytest.raises(UserError, match="junit.xml: cannot read the JUnit report"):
        read_junit(tmp_path / "junit.xml", "junit.xml")


def test_the_page_answers_the_four_questions_from_the_artefacts(tmp_path, service_repo, signer) -> None:
    text = render_markdown(pack_for(tmp_path, service_repo, signer))
    for heading in ("## What changed?", "## Was it tested?", "## Is it compliant?", "## How do we roll it back?"):
        assert heading in text
    assert "**2/4 passed**, 1 failed, 1 skipped" in text
    assert "Line coverage: **80.0%**" in text
    assert "first release" in text  # the commit subject from git
    assert "| image-signature-verified | pass | mandatory |" in text
    assert "**verified** with key `sha256:abc`" in text
    assert "pulumi config rm paved-road:releaseRecord" in text  # first release: no previous digest
    assert "{{" not in text and "{%" not in text


def test_a_second_release_names_the_previous_digest_and_the_commits_since(tmp_path, service_repo, signer) -> None:
    previous = replace(signer.release("hello-prod", version="0.1.0"), git_commit=git(service_repo, "rev-parse", "HEAD"))
    (service_repo / "b.txt").write_text("two\n")
    git(service_repo, "add", ".")
    git(service_repo, "commit", "-qm", "add b")
    text = render_markdown(pack_for(tmp_path, service_repo, signer, previous=previous))
    assert "Since the previous release 0.1.0" in text and "add b" in text and "first release" not in text
    assert previous.image.digest in text
    assert "pulumi config set paved-road:releaseRecord releases/hello-prod-0.1.0.json" in text
    assert "b.txt | 1 +" in text


def test_an_incomplete_release_says_where_it_stopped(tmp_path, service_repo, signer) -> None:
    pack = replace(
        pack_for(tmp_path, service_repo, signer),
        complete=False,
        failed_stage="verify",
        error="digest-mismatch: the signature names another image",
    )
    text = render_markdown(pack)
    assert "**Status: INCOMPLETE**: stopped at stage `verify`: digest-mismatch" in text


def test_the_html_page_stands_alone_with_images_inlined(tmp_path, service_repo, signer) -> None:
    png = tmp_path / "dashboard.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    pack = replace(pack_for(tmp_path, service_repo, signer), dashboard_png="dashboard.png")
    markdown_path, html_path = write_evidence(pack, tmp_path)
    page = html_path.read_text()
    assert "<table>" in page and "<h2>Is it compliant?</h2>" in page
    assert 'src="data:image/png;base64,' in page and 'src="dashboard.png"' not in page
    assert markdown_path.read_text().startswith("# Evidence pack: hello-prod 0.2.0")
    assert not list(tmp_path.glob(".release-*.tmp"))

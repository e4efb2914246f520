"""Read the release's artefacts into evidence facts: JUnit, lcov, git history, rollback commands."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from companyos.errors import UserError
from companyos.evidence.model import Changes, Commit, Rollback, TestSummary
from companyos.release_record import ReleaseRecord


def read_junit(path: Path, report_link: str) -> TestSummary:
    """Counts from a JUnit XML report (node --test-reporter=junit writes <testsuites> of <testcase>)."""
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise UserError(f"{path}: cannot read the JUnit report ({exc}). Fix: rerun the test stage.") from None
    cases = list(root.iter("testcase"))
    failed = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
    skipped = sum(1 for c in cases if c.find("skipped") is not None)
    return TestSummary(tests=len(cases), passed=len(cases) - failed - skipped, failed=failed, skipped=skipped,
                       report=report_link)


def lcov_line_coverage(path: Path) -> float | None:
    """Lines hit / lines found over every file of an lcov report (LH/LF records)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    found = hit = 0
    for line in text.splitlines():
        if line.startswith("LF:"):
            found += int(line[3:])
        elif line.startswith("LH:"):
            hit += int(line[3:])
    return 100.0 * hit / found if found else None


def _git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise UserError(f"{repo}: git {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def git_head(repo: Path) -> str:
    return _git(repo, "rev-parse", "HEAD").strip()


def git_changes(repo: Path, previous: ReleaseRecord | None, new_digest: str | None) -> Changes:
    head = git_head(repo)
    base = previous.git_commit if previous and previous.git_commit else None
    if base and subprocess.run(["git", "-C", str(repo), "cat-file", "-e", f"{base}^{{commit}}"],
                               capture_output=True).returncode != 0:
        base = None  # the previous release's commit is not in this clone (shallow or rewritten history)
    span = f"{base}..{head}" if base else head
    log = _git(repo, "log", "--format=%H%x09%s", span)
    commits = [Commit(*line.split("\t", 1)) for line in log.splitlines() if "\t" in line]
    if base:
        diffstat = _git(repo, "diff", "--stat", base, head).strip()
    else:
        diffstat = _git(repo, "show", "--stat", "--format=", head).strip()
    return Changes(commits=commits, diffstat=diffstat,
                   since=f"the previous release {previous.version} (`{base[:12]}`)" if base and previous else "the first commit",
                   previous_digest=previous.image.digest if previous else None, new_digest=new_digest)


def rollback_plan(service: str, previous: ReleaseRecord | None, previous_record: str | None,
                  environment: str = "dev") -> Rollback:
    stack = f"{service}-{environment}"
    if previous is None:
        # First release: without a record the program provisions the repository only (ADR-0011), so
        # `pulumi up` removes the workload and keeps the repository.
        return Rollback(None, None, None, [
            f"pulumi stack select {stack}",
            "pulumi config rm paved-road:releaseRecord",
            "pulumi up",
        ])
    return Rollback(previous.version, previous.image.digest, previous_record, [
        f"pulumi stack select {stack}",
        f"pulumi config set paved-road:releaseRecord {previous_record}",
        "pulumi preview --policy-pack policypacks/paved-road   # the gate checks the previous release too",
        "pulumi up",
        f"companyos check-deploy --url <service URL> --prometheus <Prometheus URL> --service {service}",
    ])

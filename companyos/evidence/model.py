"""What an evidence page is made of. Every field is filled from an artefact of the release, never typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stage:
    name: str
    status: str  # "passed" | "waived" (did not run its check, under a reviewed exception) | "failed" | "not-run"
    duration_s: float = 0.0
    artefact: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Commit:
    sha: str
    subject: str


@dataclass(frozen=True)
class Changes:
    commits: list[Commit]
    diffstat: str
    since: str  # "the previous release (<sha>)" or "the first commit"
    previous_digest: str | None
    new_digest: str | None


@dataclass(frozen=True)
class TestSummary:
    tests: int
    passed: int
    failed: int
    skipped: int
    report: str  # JUnit XML path
    line_coverage_percent: float | None = None
    coverage_report: str = ""


@dataclass(frozen=True)
class RuleOutcome:
    rule: str
    outcome: str  # "pass" | "violation" | "waived" | "disabled"
    level: str
    detail: str = ""


@dataclass(frozen=True)
class Compliance:
    gate_verdict: str  # "passed" | "blocked" | "could not run" | "not run"
    rules: list[RuleOutcome]
    gate_report: str
    sbom_digest: str | None
    sbom_components: int | None
    sbom_location: str | None
    signature_verified: bool | None
    signature_detail: str
    key_fingerprint: str | None
    scan: dict[str, Any]
    exceptions: list[str] = field(default_factory=list)
    """Every exception in force for the gate run: rule, setting, scope, reason, owner, approver, expiry."""
    attestations_verified: bool | None = None
    attestations_detail: str = ""
    """What was attested (SBOM, scan, provenance) and by which key, or why the attestations were rejected."""


@dataclass(frozen=True)
class Rollback:
    previous_version: str | None
    previous_digest: str | None
    previous_record: str | None
    commands: list[str]


@dataclass(frozen=True)
class Link:
    title: str
    target: str  # relative path from the evidence page, or a URL


@dataclass(frozen=True)
class EvidencePack:
    service: str
    version: str
    created_at: str
    complete: bool
    failed_stage: str | None
    error: str | None
    stages: list[Stage]
    changes: Changes
    tests: TestSummary | None
    post_deploy: dict[str, Any] | None
    compliance: Compliance
    rollback: Rollback
    links: list[Link] = field(default_factory=list)
    dashboard_png: str | None = None

"""Turn a scanner's report into the release record's ScanSummary.

No scanner can reach its vulnerability database from this network, so we ingest a report produced where
the internet exists: grype's JSON (`grype IMAGE -o json`) or any CycloneDX document with `vulnerabilities`
(`grype -o cyclonedx-json`, trivy, Dependency-Track exports). No report means "not-scanned", said plainly,
never a silent "0 findings".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import ScanSummary

SEVERITIES = ("critical", "high", "medium", "low", "negligible", "unknown")
# CycloneDX 1.6 severity enum -> grype's scale (grype has no info/none; negligible is its lowest).
_CYCLONEDX_SEVERITY = {
    "critical": "critical",
    "high": "high",
    "medium": "medium",
    "low": "low",
    "info": "negligible",
    "none": "negligible",
    "unknown": "unknown",
}
# The record keeps the worst findings only: it is evidence for a human, the full report stays in the
# release folder.
MAX_FINDINGS = 25
FORMATS = ("grype", "cyclonedx")


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str
    cvss: float
    package: str
    version: str
    fixed_in: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "cvss": self.cvss,
            "package": self.package,
            "version": self.version,
            "fixed_in": self.fixed_in,
        }


def not_scanned() -> ScanSummary:
    return ScanSummary(status="not-scanned")


def load_report(path: Path, report_format: str) -> ScanSummary:
    """Parse the report at `path` in `report_format` (grype | cyclonedx) into a ScanSummary."""
    if report_format not in FORMATS:
        raise UserError(f"--format {report_format!r}: expected one of {', '.join(FORMATS)}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(
            f"{path}: scan report not found; without a report the release is recorded as "
            "not-scanned (omit --report), or run the scanner where its database is reachable"
        ) from None
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: not a readable JSON scan report ({error})") from None
    if not isinstance(document, dict):
        raise UserError(f"{path}: a scan report must be a JSON object")
    return parse_grype(document, str(path)) if report_format == "grype" else parse_cyclonedx(document, str(path))


def parse_grype(document: dict[str, Any], source: str = "grype report") -> ScanSummary:
    """grype `-o json`: matches[].vulnerability / .artifact, descriptor.{name,version,db}."""
    matches = document.get("matches")
    descriptor = document.get("descriptor")
    if not isinstance(matches, list) or not isinstance(descriptor, dict):
        raise UserError(
            f"{source}: not grype JSON (needs `matches` and `descriptor`); produce it with "
            "`grype IMAGE -o json`, or pass --format cyclonedx for a CycloneDX report"
        )
    findings = []
    for match in matches:
        vulnerability = match.get("vulnerability", {}) if isinstance(match, dict) else {}
        artifact = match.get("artifact", {}) if isinstance(match, dict) else {}
        if not vulnerability.get("id"):
            raise UserError(f"{source}: a match has no vulnerability.id; the report is truncated or not grype's")
        related = [entry for entry in match.get("relatedVulnerabilities", []) if isinstance(entry, dict)]
        scores = [_cvss_scores(vulnerability.get("cvss"))] + [_cvss_scores(entry.get("cvss")) for entry in related]
        fix_field = vulnerability.get("fix")
        fix: dict[str, Any] = fix_field if isinstance(fix_field, dict) else {}
        findings.append(
            Finding(
                id=str(vulnerability["id"]),
                severity=_severity(vulnerability.get("severity")),
                cvss=max((score for group in scores for score in group), default=0.0),
                package=str(artifact.get("name", "")),
                version=str(artifact.get("version", "")),
                fixed_in=", ".join(str(version) for version in fix.get("versions", [])),
            )
        )
    scanner = " ".join(
        part for part in (str(descriptor.get("name", "grype")), str(descriptor.get("version", ""))) if part
    )
    return _summary(findings, scanner, _grype_db_version(descriptor.get("db")))


def parse_cyclonedx(document: dict[str, Any], source: str = "CycloneDX report") -> ScanSummary:
    """CycloneDX `vulnerabilities[]`: id, ratings[].{score,severity}, affects[].ref -> components' purls."""
    if document.get("bomFormat") != "CycloneDX":
        raise UserError(f"{source}: not a CycloneDX document (bomFormat is {document.get('bomFormat')!r})")
    vulnerabilities = document.get("vulnerabilities")
    if not isinstance(vulnerabilities, list):
        raise UserError(
            f"{source}: has no `vulnerabilities` array, so it says nothing about vulnerabilities; "
            "pass the scanner's report (e.g. `grype IMAGE -o cyclonedx-json`), not the plain SBOM"
        )
    names = {str(component.get("bom-ref")): component for component in _components(document.get("components", []))}
    findings = []
    for vulnerability in vulnerabilities:
        if not isinstance(vulnerability, dict) or not vulnerability.get("id"):
            raise UserError(f"{source}: a vulnerability has no id; the report is truncated")
        ratings = [rating for rating in vulnerability.get("ratings", []) if isinstance(rating, dict)]
        severities = [_CYCLONEDX_SEVERITY.get(str(rating.get("severity", "")).lower(), "unknown") for rating in ratings]
        severity = min(severities, key=SEVERITIES.index) if severities else "unknown"
        scores = [
            float(rating["score"])
            for rating in ratings
            if isinstance(rating.get("score"), (int, float))
            and str(rating.get("method", "CVSS")).upper().startswith("CVSS")
        ]
        fixes = [
            version.get("version", "")
            for affect in vulnerability.get("affects", [])
            for version in affect.get("versions", [])
            if version.get("status") == "unaffected"
        ]
        affected = [
            str(affect.get("ref", "")) for affect in vulnerability.get("affects", []) if isinstance(affect, dict)
        ]
        for ref in affected or [""]:
            component = names.get(ref, {})
            findings.append(
                Finding(
                    id=str(vulnerability["id"]),
                    severity=severity,
                    cvss=max(scores, default=0.0),
                    package=str(component.get("name", ref)),
                    version=str(component.get("version", "")),
                    fixed_in=", ".join(fixes),
                )
            )
    tools = document.get("metadata", {}).get("tools", {})
    tool_list = tools.get("components", []) if isinstance(tools, dict) else tools if isinstance(tools, list) else []
    scanner = (
        ", ".join(
            " ".join(str(part) for part in (tool.get("name", ""), tool.get("version", "")) if part)
            for tool in tool_list
            if isinstance(tool, dict)
        )
        or "unknown scanner"
    )
    db_version = next(
        (
            str(prop.get("value"))
            for prop in document.get("metadata", {}).get("properties", [])
            if "db" in str(prop.get("name", "")).lower()
        ),
        "",
    )
    return _summary(findings, scanner, db_version)


def _summary(findings: list[Finding], scanner: str, db_version: str) -> ScanSummary:
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in findings:
        counts[finding.severity] += 1
    worst = sorted(findings, key=lambda finding: (SEVERITIES.index(finding.severity), -finding.cvss, finding.id))
    return ScanSummary(
        status="scanned",
        scanner=scanner,
        db_version=db_version,
        counts=counts,
        max_cvss=max((finding.cvss for finding in findings), default=0.0),
        findings=[finding.as_dict() for finding in worst[:MAX_FINDINGS]],
    )


def _severity(value: object) -> str:
    text = str(value or "unknown").lower()
    return text if text in SEVERITIES else "unknown"


def _cvss_scores(entries: object) -> list[float]:
    if not isinstance(entries, list):
        return []
    scores = []
    for entry in entries:
        metrics = entry.get("metrics") if isinstance(entry, dict) else None
        score = metrics.get("baseScore") if isinstance(metrics, dict) else None
        if isinstance(score, (int, float)):
            scores.append(float(score))
    return scores


def _grype_db_version(db: object) -> str:
    """grype < 0.88 (schema v5): db.{schemaVersion, built}; >= 0.88 (schema v6): db.status.{schemaVersion, built}."""
    if not isinstance(db, dict):
        return ""
    nested = db.get("status")
    status: dict[str, Any] = nested if isinstance(nested, dict) else db
    schema, built = status.get("schemaVersion", ""), status.get("built", "")
    return " ".join(part for part in (f"schema {schema}" if schema else "", f"built {built}" if built else "") if part)


def _components(components: Iterable[Any]) -> Iterable[dict[str, Any]]:
    for component in components:
        if isinstance(component, dict):
            yield component
            yield from _components(component.get("components", []))

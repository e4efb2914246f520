"""Scanner reports -> the release record's ScanSummary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import ScanSummary
from companyos.supply_chain.vulnerabilities import load_report

FIXTURES = Path(__file__).parent / "fixtures"
COMPANYOS = Path(sys.executable).parent / "companyos"


def test_a_grype_v5_report_is_counted_by_severity_with_its_scanner_db_and_worst_cvss() -> None:
    summary = load_report(FIXTURES / "grype-v5.json", "grype")

    assert summary.status == "scanned"
    assert summary.scanner == "grype 0.87.0"
    assert summary.db_version == "schema 5 built 2025-01-28T01:31:49Z"
    assert summary.counts == {"critical": 1, "high": 1, "medium": 0, "low": 0, "negligible": 1, "unknown": 0}
    assert summary.max_cvss == 9.1
    assert [finding["id"] for finding in summary.findings] == ["CVE-2025-23166", "GHSA-3h5v-q93c-6h6q", "CVE-2010-4756"]
    assert summary.findings[1] == {
        "id": "GHSA-3h5v-q93c-6h6q",
        "severity": "high",
        "cvss": 7.5,
        "package": "ws",
        "version": "8.17.0",
        "fixed_in": "8.17.1",
    }


def test_a_negligible_finding_takes_its_cvss_from_the_related_nvd_record() -> None:
    summary = load_report(FIXTURES / "grype-v5.json", "grype")

    assert summary.findings[2]["cvss"] == 4.0


def test_a_clean_grype_v6_report_is_scanned_with_zero_findings_not_not_scanned() -> None:
    summary = load_report(FIXTURES / "grype-v6-clean.json", "grype")

    assert summary.status == "scanned"
    assert summary.scanner == "grype 0.92.2"
    assert summary.db_version == "schema v6.0.2 built 2025-05-20T04:16:32Z"
    assert sum(summary.counts.values()) == 0 and summary.findings == [] and summary.max_cvss == 0.0


def test_cyclonedx_vulnerabilities_map_ratings_to_severities_and_affects_to_packages() -> None:
    summary = load_report(FIXTURES / "cyclonedx-vex.json", "cyclonedx")

    assert summary.scanner == "grype 0.87.0"
    assert summary.counts["high"] == 1 and summary.counts["low"] == 1
    assert summary.max_cvss == 7.5
    assert summary.findings[0] == {
        "id": "GHSA-3h5v-q93c-6h6q",
        "severity": "high",
        "cvss": 7.5,
        "package": "ws",
        "version": "8.17.0",
        "fixed_in": "8.17.1",
    }
    assert summary.findings[1]["package"] == "cookie"


@pytest.mark.parametrize(
    ("fixture", "report_format", "message"),
    [
        ("cyclonedx-vex.json", "grype", "not grype JSON"),
        ("grype-v5.json", "cyclonedx", "not a CycloneDX document"),
        ("missing.json", "grype", "scan report not found"),
    ],
)
def test_a_report_in_the_wrong_format_or_missing_is_refused_with_the_fix(
    fixture: str, report_format: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        load_report(FIXTURES / fixture, report_format)


def test_a_plain_sbom_without_vulnerabilities_is_not_mistaken_for_a_clean_scan(tmp_path: Path) -> None:
    sbom = tmp_path / "sbom.json"
    sbom.write_text(json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}))

    with pytest.raises(UserError, match="no `vulnerabilities` array"):
        load_report(sbom, "cyclonedx")


def test_the_cli_without_a_report_records_not_scanned_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "scan.json"

    result = subprocess.run(
        [str(COMPANYOS), "scan", "ingest", "--out", str(out)], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "not-scanned" in result.stdout and "no scanner report" in result.stdout
    assert ScanSummary(**json.loads(out.read_text())) == ScanSummary(status="not-scanned")


def test_the_cli_writes_the_summary_the_release_record_embeds(tmp_path: Path) -> None:
    out = tmp_path / "scan.json"

    result = subprocess.run(
        [str(COMPANYOS), "scan", "ingest", str(FIXTURES / "grype-v5.json"), "--format", "grype", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "critical 1, high 1, negligible 1" in result.stdout
    assert json.loads(out.read_text())["max_cvss"] == 9.1

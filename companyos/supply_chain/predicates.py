"""The predicates a release attests besides its SBOM: the scan summary in cosign's vuln predicate (the SLSA
provenance is built in provenance.py)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from companyos.contracts.release_record import ScanSummary
from companyos.supply_chain.attestation import vuln_predicate

# Where each scanner lives (the predicate's scanner.uri names the tool, not a database).
SCANNER_URIS = {"grype": "https://github.com/anchore/grype"}


def rfc3339_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def scan_predicate(summary: ScanSummary, *, started_on: str, finished_on: str) -> dict[str, Any]:
    """cosign's vuln predicate whose `scanner.result` is the release record's scan summary."""
    name, _, version = summary.scanner.partition(" ")
    return vuln_predicate(
        asdict(summary),
        scanner_uri=SCANNER_URIS.get(name, name),
        scanner_version=version,
        db_uri="",
        db_version=summary.db_version,
        started_on=started_on,
        finished_on=finished_on,
    )

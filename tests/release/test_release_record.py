"""A release record that says an image was scanned must say what the scan found: missing counts are not zeros."""

from __future__ import annotations

import json
from typing import Any

import pytest

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import parse_release_record


def record(scan: dict[str, Any]) -> dict[str, Any]:
    return {
        "schema": "paved-road.release/v1",
        "service": "hello-prod",
        "version": "0.1.0",
        "image": {"repository": "ghcr.io/paved-road/hello-prod", "digest": "sha256:" + "a" * 64},
        "scan": scan,
    }


SCANNED = {"status": "scanned", "scanner": "grype 0.87.0", "counts": {"critical": 0, "high": 1}, "max_cvss": 7.5}


def test_a_complete_scan_result_is_read() -> None:
    scan = parse_release_record(record(SCANNED), "r.json").scan
    assert (scan.status, scan.counts, scan.max_cvss) == ("scanned", {"critical": 0, "high": 1}, 7.5)


@pytest.mark.parametrize(
    ("scan", "says"),
    [
        ({"status": "scanned"}, "scan.counts: missing or not an object"),
        ({**SCANNED, "counts": {"high": 0}}, "scan.counts.critical: missing (a missing count is not zero)"),
        ({**SCANNED, "counts": {"Critical": 4, "critical": 0, "high": 0}}, "scan.counts.Critical: not a severity"),
        ({**SCANNED, "counts": {"critical": -1, "high": 0}}, "scan.counts.critical: -1 is not a count"),
        ({**SCANNED, "counts": {"critical": "0", "high": 0}}, "scan.counts.critical: '0' is not a count"),
        (
            {key: value for key, value in SCANNED.items() if key != "max_cvss"},
            "scan.max_cvss: None is not a CVSS score",
        ),
        ({**SCANNED, "max_cvss": 11}, "scan.max_cvss: 11 is not a CVSS score"),
    ],
    ids=lambda value: json.dumps(value)[:60] if isinstance(value, dict) else value,
)
def test_a_scanned_result_that_does_not_say_what_it_found_is_refused(scan: dict[str, Any], says: str) -> None:
    with pytest.raises(UserError, match="invalid release record") as raised:
        parse_release_record(record(scan), "r.json")
    assert says in str(raised.value)


def test_an_unscanned_image_needs_no_counts() -> None:
    assert parse_release_record(record({"status": "not-scanned"}), "r.json").scan.status == "not-scanned"

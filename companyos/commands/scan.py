"""`companyos scan ingest REPORT --format grype|cyclonedx --out FILE`: a scanner report -> the record's ScanSummary."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from companyos.contracts.errors import UserError
from companyos.supply_chain.vulnerabilities import FORMATS, load_report, not_scanned
from companyos.support.files import atomic_write


@click.group("scan")
def command() -> None:
    """Vulnerability scan evidence for a release."""


@command.command("ingest")
@click.argument("report", required=False, type=click.Path(path_type=Path))
@click.option("--format", "report_format", type=click.Choice(FORMATS), default="grype", show_default=True)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Write the ScanSummary JSON here.")
def ingest(report: Path | None, report_format: str, out: Path) -> None:
    """Summarise REPORT (counts by severity, max CVSS, worst findings); without REPORT: not-scanned."""
    summary = load_report(report, report_format) if report is not None else not_scanned()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, (json.dumps(asdict(summary), indent=2, sort_keys=True) + "\n").encode())
    except OSError as error:
        raise UserError(f"cannot write --out {out}: {error.strerror}") from None
    if summary.status == "not-scanned":
        click.echo("not-scanned: no scanner report was given, so this release carries no vulnerability evidence")
    else:
        counts = ", ".join(f"{severity} {count}" for severity, count in summary.counts.items() if count)
        click.echo(
            f"scanned by {summary.scanner} (db {summary.db_version or 'unknown'}): {counts or 'no findings'}; "
            f"max CVSS {summary.max_cvss}"
        )

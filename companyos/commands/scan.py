"""`companyos scan ingest REPORT --format grype|cyclonedx --out FILE`: a scanner report -> the record's ScanSummary."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from companyos.commands.output import STDOUT, say, write_json
from companyos.supply_chain.vulnerabilities import FORMATS, load_report, not_scanned


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
    write_json(out, asdict(summary), option="--out")
    to_stdout = str(out) == STDOUT
    if summary.status == "not-scanned":
        say(
            "not-scanned: no scanner report was given, so this release carries no vulnerability evidence",
            data_on_stdout=to_stdout,
        )
    else:
        counts = ", ".join(f"{severity} {count}" for severity, count in summary.counts.items() if count)
        say(
            f"scanned by {summary.scanner} (db {summary.db_version or 'unknown'}): {counts or 'no findings'}; "
            f"max CVSS {summary.max_cvss}",
            data_on_stdout=to_stdout,
        )

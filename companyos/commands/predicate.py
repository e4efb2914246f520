"""`companyos predicate vuln|provenance`: write the predicate files `cosign attest --type vuln|slsaprovenance1`
(or `companyos attest`) signs: the scan summary in cosign's vuln predicate, and SLSA provenance v1."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from companyos.commands.output import STDOUT, say, write_json
from companyos.contracts.errors import UserError
from companyos.supply_chain.predicates import rfc3339_now, scan_predicate
from companyos.supply_chain.provenance import BuildFacts, service_provenance
from companyos.supply_chain.vulnerabilities import FORMATS, load_report

OUT = click.Path(dir_okay=False, path_type=Path)


@click.group("predicate")
def command() -> None:
    """Predicates for a release's attestations."""


def _write(out: Path, document: object) -> None:
    write_json(out, document, option="--out")


def _timestamp(value: str | None, option: str) -> str:
    if value is None:
        return rfc3339_now()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"{option} {value!r} is not an RFC 3339 time (e.g. 2026-12-06T10:00:00Z)") from None
    if parsed.tzinfo is None:
        raise UserError(f"{option} {value!r} has no time zone; add Z or an offset")
    return value


@command.command("vuln")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "report_format", type=click.Choice(FORMATS), default="grype", show_default=True)
@click.option("--started-on", help="When the scan started (RFC 3339); default now.")
@click.option("--finished-on", help="When the scan finished (RFC 3339); default now. The gate trusts the latest.")
@click.option("--out", required=True, type=OUT)
def vuln(report: Path, report_format: str, started_on: str | None, finished_on: str | None, out: Path) -> None:
    """cosign's vuln predicate for a scanner REPORT; its `scanner.result` is the release record's scan summary."""
    summary = load_report(report, report_format)
    finished = _timestamp(finished_on, "--finished-on")
    started = _timestamp(started_on, "--started-on") if started_on else finished
    predicate = scan_predicate(summary, started_on=started, finished_on=finished)
    _write(out, predicate)
    say(
        f"vuln predicate {out}: {summary.scanner or report_format}, max CVSS {summary.max_cvss}",
        data_on_stdout=str(out) == STDOUT,
    )


@command.command("provenance")
@click.argument("service_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--service", required=True)
@click.option("--version", required=True)
@click.option("--git-commit", required=True, help="Full commit id the image was built from.")
@click.option(
    "--source-uri",
    required=True,
    help="The source repository and ref, e.g. git+https://github.com/acme/hello-prod@refs/heads/main.",
)
@click.option(
    "--builder-id",
    required=True,
    help="Who built it, e.g. the workflow: https://github.com/OWNER/REPO/.github/workflows/ci.yml@REF.",
)
@click.option("--invocation-id", required=True, help="This build run, e.g. the Actions run URL.")
@click.option("--base-image", default="", help="REPO@sha256:... passed as BASE_IMAGE; default: the Dockerfile's.")
@click.option("--started-on", help="When the build started (RFC 3339); default now.")
@click.option(
    "--sbom",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The SBOM the build produced: named as a byproduct, so the release cannot swap it.",
)
@click.option(
    "--scan-report",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The scanner's report: named as a byproduct, so the release cannot drop the scan.",
)
@click.option("--out", required=True, type=OUT)
def provenance(
    service_dir: Path,
    service: str,
    version: str,
    git_commit: str,
    source_uri: str,
    builder_id: str,
    invocation_id: str,
    base_image: str,
    started_on: str | None,
    sbom: Path | None,
    scan_report: Path | None,
    out: Path,
) -> None:
    """SLSA provenance v1 for SERVICE_DIR's image: source commit, base image by digest, lockfile, builder."""
    finished = rfc3339_now()
    predicate = service_provenance(
        BuildFacts(
            service=service,
            version=version,
            service_dir=service_dir,
            git_commit=git_commit,
            source_uri=source_uri,
            base_image=base_image,
            builder_id=builder_id,
            invocation_id=invocation_id,
            started_on=_timestamp(started_on, "--started-on") if started_on else finished,
            finished_on=finished,
            sbom=sbom,
            scan_report=scan_report,
        )
    )
    _write(out, predicate)
    dependencies = predicate["buildDefinition"]["resolvedDependencies"]
    say(
        f"provenance predicate {out}: {len(dependencies)} resolved dependencies "
        f"({', '.join(dep.get('name', dep['uri']) for dep in dependencies)})",
        data_on_stdout=str(out) == STDOUT,
    )

"""`companyos release SERVICE --local`: the whole release, stage by stage, and its evidence pack."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.commands import exit_with
from companyos.contracts.errors import UserError
from companyos.release.pipeline import ReleaseOptions, run_release


@click.command("release")
@click.argument("service")
@click.option("--version", help="Release version and image tag (default: the service's package.json version).")
@click.option(
    "--local", is_flag=True, help="Run every stage on this machine (registry, build, gate, deploy on loopback)."
)
@click.option("--catalog", default="services.yaml", show_default=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--work-dir",
    default=".work",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Registry data, keys, builds and release folders.",
)
@click.option(
    "--service-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The service's source (default: WORK_DIR/services/SERVICE, scaffolded if missing).",
)
@click.option("--registry-port", type=int, default=5000, show_default=True)
@click.option(
    "--scan-report",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Vulnerability report from a scanner run where the internet is (grype JSON or CycloneDX).",
)
@click.option("--scan-format", type=click.Choice(["grype", "cyclonedx"]), default="grype", show_default=True)
@click.option(
    "--tamper-tag",
    is_flag=True,
    help="Demonstration: after signing, push another image under the signed tag; verify must stop the release.",
)
def command(
    service: str,
    version: str | None,
    local: bool,
    catalog: Path,
    work_dir: Path,
    service_dir: Path | None,
    registry_port: int,
    scan_report: Path | None,
    scan_format: str,
    tamper_tag: bool,
) -> None:
    """Release SERVICE: build, test, SBOM, image, sign, verify, gate, deploy, check; write the evidence pack."""
    if not local:
        raise UserError(
            "only --local releases run from this command; in CI the service's workflow runs the same "
            "stages as jobs (.github/workflows/ci.yml). Fix: add --local."
        )
    from companyos.release.tamper import repoint_tag

    outcome = run_release(
        ReleaseOptions(
            service=service,
            version=version,
            catalog=catalog,
            work=work_dir,
            service_dir=service_dir,
            registry_port=registry_port,
            scan_report=scan_report,
            scan_format=scan_format,
            tamper=repoint_tag if tamper_tag else None,
        )
    )
    click.echo(f"evidence: {outcome.evidence_markdown}")
    click.echo(f"evidence (HTML): {outcome.evidence_html}")
    if not outcome.complete:
        exit_with(1)

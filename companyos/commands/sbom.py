"""`companyos sbom SERVICE_DIR [--image REF] --out FILE [--attach]`: one connected, schema-valid CycloneDX 1.6 SBOM."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from companyos.commands.output import STDOUT, say, write_data
from companyos.supply_chain.buildah import work_dir
from companyos.supply_chain.sbom_release import produce_sbom
from companyos.support.progress import progress


@click.command("sbom")
@click.argument("service_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--image", help="Built image (registry/repo@sha256:... or :tag) to catalogue with syft and merge.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="SBOM file to write.")
@click.option("--attach", is_flag=True, help="Attach the SBOM to --image in the registry (OCI 1.1 referrer).")
@click.option(
    "--version",
    default=None,
    help="The release the SBOM belongs to (its copy goes to releases/NAME/VERSION/) [default: package.json's].",
)
def command(service_dir: Path, image: str | None, out: Path, attach: bool, version: str | None) -> None:
    """Merge cyclonedx-npm's application graph with syft's image inventory; fails on any orphan or schema error."""
    to_stdout = str(out) == STDOUT
    with tempfile.TemporaryDirectory() as scratch:
        # With `--out -` the SBOM is made beside its release copy as usual, then printed.
        target = Path(scratch) / "sbom.cdx.json" if to_stdout else out
        with progress(f"SBOM of {service_dir} (cyclonedx-npm, syft, merge)"):
            result = produce_sbom(service_dir, target, work_dir(), image=image, attach=attach, version=version)
        if to_stdout:
            write_data(STDOUT, target.read_bytes(), option="--out")
    say(
        f"SBOM {out} ({result.digest}): {result.components} components, {result.edges} edges, "
        f"{result.orphans} orphans; copy {result.copy}",
        data_on_stdout=to_stdout,
    )
    say(f"location: {result.location}", data_on_stdout=to_stdout)

"""`companyos sbom-merge APP IMAGE --out FILE`: merge an app SBOM (cyclonedx-npm) and an image SBOM (syft)
that CI produced with its own tools, with the same merge, schema check and orphan check as `companyos sbom`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import click

from companyos.commands.output import STDOUT, say, write_data
from companyos.contracts.errors import UserError
from companyos.supply_chain.reference import parse_pinned_reference
from companyos.supply_chain.sbom import (
    SbomError,
    find_orphans,
    graph_stats,
    merge_sboms,
    read_lockfile,
    render,
)

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _read(path: Path, what: str) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserError(f"{path}: cannot read the {what} ({error}); regenerate it") from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise UserError(f"{path}: not a CycloneDX JSON document (bomFormat is not CycloneDX); regenerate the {what}")
    return document


@click.command("sbom-merge")
@click.argument("app_sbom", type=FILE)
@click.argument("image_sbom", type=FILE)
@click.option(
    "--image", "image_ref", help="The image REPOSITORY@sha256:... the image SBOM describes (becomes the root)."
)
@click.option(
    "--lockfile",
    type=FILE,
    help="The service's package-lock.json: each npm component gets its SHA-512 from the lockfile's integrity.",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Merged SBOM to write.")
def command(app_sbom: Path, image_sbom: Path, image_ref: str | None, lockfile: Path | None, out: Path) -> None:
    """Merge APP_SBOM and IMAGE_SBOM into one CycloneDX 1.6 document; fail on any orphan or schema error."""
    repository = digest = None
    if image_ref:
        reference = parse_pinned_reference(
            image_ref, option="--image", why="pass REPOSITORY@sha256:... (a tag can move)"
        )
        repository, digest = reference.repository, reference.digest
    document = merge_sboms(
        _read(app_sbom, "app SBOM"),
        _read(image_sbom, "image SBOM"),
        image_repository=repository,
        image_digest=digest,
        lockfile=read_lockfile(lockfile) if lockfile else None,
    )
    text = render(document)
    orphans = find_orphans(json.loads(text))
    if orphans:
        raise SbomError(f"the merged SBOM has {len(orphans)} orphan component(s), e.g. {orphans[:3]}")
    write_data(out, text, option="--out")
    stats = graph_stats(json.loads(text))
    say(
        f"SBOM {out} (sha256:{hashlib.sha256(text.encode()).hexdigest()}): {stats.components} components, "
        f"{stats.edges} edges, {stats.orphans} orphans",
        data_on_stdout=str(out) == STDOUT,
    )

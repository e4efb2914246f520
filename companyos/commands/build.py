"""`companyos build SERVICE_DIR --registry HOST:PORT`: build with buildah, push, print and record the digest."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.supply_chain.build import build_service
from companyos.supply_chain.buildah import work_dir
from companyos.supply_chain.release_paths import BUILD_FILE, release_dir
from companyos.support.progress import progress


@click.command("build")
@click.argument("service_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--registry", required=True, help="Registry host:port to push to (loopback registries use HTTP).")
@click.option("--tag", help="Image tag (default: package.json version).")
@click.option(
    "--base-image",
    help="BASE_IMAGE build argument, pinned REPO@sha256:... (default: the Dockerfile's "
    "pinned official base; on a loopback registry the local node base).",
)
def command(service_dir: Path, registry: str, tag: str | None, base_image: str | None) -> None:
    """Build SERVICE_DIR's Dockerfile without a daemon and push it; prints REPOSITORY@DIGEST."""
    work = work_dir()
    with progress(f"building {service_dir} and pushing it to {registry}"):
        result = build_service(service_dir, registry, work, tag=tag, base_image=base_image)
    record = release_dir(work, result.service, result.tag) / BUILD_FILE
    click.echo(
        f"built {result.repository}:{result.tag} (base {result.base_image or 'from the Dockerfile'}); "
        f"build record {record}",
        err=True,
    )
    click.echo(result.pinned)  # the data: what later commands take as IMAGE

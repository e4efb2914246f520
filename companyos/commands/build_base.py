"""`companyos build-base --registry HOST:PORT`: build and push the local node base image (offline machines)."""

from __future__ import annotations

import click

from companyos.supply_chain.base_image import ensure_base_image
from companyos.supply_chain.buildah import work_dir


@click.command("build-base")
@click.option("--registry", required=True, help="Registry host:port to push the base to.")
@click.option("--rebuild", is_flag=True, help="Rebuild even if the registry already has this node version's base.")
def command(registry: str, rebuild: bool) -> None:
    """Build a minimal base from this machine's node, npm and their Debian libraries; prints its pinned ref."""
    base = ensure_base_image(registry, work_dir(), rebuild=rebuild)
    click.echo(f"{'built' if base.built else 'reused'} node {base.node_version} base: {base.reference}")

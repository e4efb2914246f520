"""`companyos validate`: check the service catalogue; exit 0 valid, 2 invalid."""

from __future__ import annotations

import click

from companyos.catalog import load_catalog


@click.command("validate")
@click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Service catalogue to check.",
)
def command(catalog_path: str) -> None:
    """Validate the service catalogue against its schema and rules."""
    catalog = load_catalog(catalog_path)
    names = ", ".join(catalog.names())
    click.echo(f"{catalog_path}: {len(catalog.services)} service(s) valid: {names}")

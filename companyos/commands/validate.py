"""`companyos validate`: check the service catalogue; exit 0 valid, 2 invalid."""

from __future__ import annotations

from dataclasses import asdict

import click

from companyos.catalog import load_catalog
from companyos.commands.output import STDOUT, json_option, say, write_json


@click.command("validate")
@click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Service catalogue to check.",
)
@json_option("The catalogue's services (defaults applied)")
def command(catalog_path: str, json_out: str | None) -> None:
    """Validate the service catalogue against its schema and rules."""
    catalog = load_catalog(catalog_path)
    names = ", ".join(catalog.names())
    if json_out is not None:
        write_json(json_out, {"catalog": catalog_path, "valid": True, "services": [
            {key: value for key, value in asdict(spec).items() if key != "line"} for spec in catalog.services
        ]})  # fmt: skip
    say(f"{catalog_path}: {len(catalog.services)} service(s) valid: {names}", data_on_stdout=json_out == STDOUT)

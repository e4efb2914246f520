"""`companyos graph`: the resources a stanza becomes, built by running __main__.py under Pulumi mocks."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from companyos.catalog import load_catalog
from companyos.contracts.errors import UserError
from companyos.preview.graph import resource_tree, type_counts
from companyos.preview.program_run import run_program


@click.command("graph")
@click.option("--catalog", "catalog_path", default="services.yaml", show_default=True, type=click.Path(dir_okay=False))
@click.option("--service", help="Only this stanza (as a `<service>-<env>` stack would). Default: the whole catalogue.")
@click.option(
    "--release",
    "release_path",
    type=click.Path(dir_okay=False, exists=True),
    help="Release record to deploy for --service (default: releases/<service>.json if present).",
)
@click.option(
    "--project-dir",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, exists=True),
    help="Directory holding Pulumi.yaml and __main__.py.",
)
def command(catalog_path: str, service: str | None, release_path: str | None, project_dir: str) -> None:
    """Print the resource graph of the Pulumi program, built offline under Pulumi's mocks."""
    load_catalog(catalog_path)  # report catalogue problems as the validate command does
    if release_path and not service:
        raise UserError("--release needs --service (a release record belongs to one service).")
    config = {"paved-road:catalog": str(Path(catalog_path).resolve())}
    if service:
        config["paved-road:service"] = service
    if release_path:
        config["paved-road:releaseRecord"] = str(Path(release_path).resolve())
    run = run_program(Path(project_dir).resolve(), stack=f"{service}-dev" if service else "dev", config=config)
    if run.error:
        raise UserError(run.error)
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(resource_tree(run))
    for level, message in run.logs:
        if level in ("warning", "error"):
            console.print(f"[yellow]{level}[/]: {message}")
    counts = type_counts(run)
    console.print(f"{sum(counts.values())} resources, {len(counts)} types")

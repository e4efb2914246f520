"""`companyos graph`: the resources a stanza becomes, built by running __main__.py under Pulumi mocks."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from companyos.catalog import load_catalog
from companyos.commands.output import STDOUT, json_option, say, write_json
from companyos.contracts.errors import UserError
from companyos.policy_gate.preview import PreviewOptions, project_name, stack_config
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
@json_option("Every resource (urn, type, name, parent, inputs, dependencies)")
def command(
    catalog_path: str, service: str | None, release_path: str | None, project_dir: str, json_out: str | None
) -> None:
    """Print the resource graph of the Pulumi program, built offline under Pulumi's mocks."""
    load_catalog(catalog_path)  # report catalogue problems as the validate command does
    if release_path and not service:
        raise UserError("--release needs --service (a release record belongs to one service).")
    options = PreviewOptions(
        project_dir=Path(project_dir).resolve(),
        catalog=Path(catalog_path),
        stack=f"{service}-dev" if service else "dev",
        service=service,
        release=Path(release_path) if release_path else None,
    )
    # The same flags-to-config mapping as `companyos preview`, so both show the program the same stack.
    project = project_name(options.project_dir)
    config = stack_config(options, project)
    run = run_program(options.project_dir, stack=options.stack, project=project, config=config)
    if run.error:
        raise UserError(run.error)
    # Warnings are for a person, never inside the data: always on stderr.
    warnings = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    for level, message in run.logs:
        if level in ("warning", "error"):
            warnings.print(f"[yellow]{level}[/]: {message}")
    counts = type_counts(run)
    summary = f"{sum(counts.values())} resources, {len(counts)} types"
    if json_out is not None:
        write_json(json_out, {"stack": options.stack, "resources": [
            {"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent, "custom": r.custom,
             "inputs": r.inputs, "dependencies": r.dependencies}
            for r in run.resources
        ]})  # fmt: skip
        say(summary, data_on_stdout=json_out == STDOUT)
        return
    console = Console(width=None if sys.stdout.isatty() else 160)
    console.print(resource_tree(run))
    console.print(summary)

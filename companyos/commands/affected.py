"""`companyos affected BASE HEAD`: the stacks a change to the platform repository touches; exit 0, 2 bad input."""

from __future__ import annotations

import json
from pathlib import Path

import click

from companyos.contracts.errors import UserError
from companyos.platform_pipeline.affected import affected_between
from companyos.support.files import atomic_write


@click.command("affected")
@click.argument("base")
@click.argument("head")
@click.option(
    "--catalog", "catalog_path", default="services.yaml", show_default=True, help="Catalogue path in the repo."
)
@click.option(
    "--environment",
    "environments",
    multiple=True,
    default=("dev",),
    show_default=True,
    help="Environments whose stacks (<service>-<environment>) to list (repeatable).",
)
@click.option(
    "--repo",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The platform repository (a git checkout with both commits).",
)
@click.option(
    "--json",
    "json_out",
    is_flag=False,
    flag_value="-",
    default=None,
    help="Write the result as JSON to FILE, or to stdout with `--json` alone or `--json -`.",
)
def command(
    base: str, head: str, catalog_path: str, environments: tuple[str, ...], repo: Path, json_out: str | None
) -> None:
    """List the stacks the change from BASE to HEAD affects (from its merge base, as a pull request's diff)."""
    result = affected_between(repo.resolve(), base, head, catalog_path=catalog_path, environments=environments)
    report = json.dumps(result.to_report(), indent=2, sort_keys=True) + "\n"
    if json_out == "-":
        click.echo(report, nl=False)
    else:
        if json_out is not None:
            try:
                Path(json_out).parent.mkdir(parents=True, exist_ok=True)
                atomic_write(Path(json_out), report.encode())
            except OSError as error:
                raise UserError(f"--json {json_out}: cannot write it ({error.strerror})") from None
        for stack, reasons in sorted(result.stacks.items()):
            click.echo(f"{stack}: {'; '.join(reasons)}")
        if not result.stacks:
            click.echo("no stack is affected")
    for service in result.removed:
        click.echo(
            f"warning: {catalog_path}: stanza '{service}' removed; its stacks are not previewed. Destroy them with "
            f"a reviewed `pulumi destroy --stack {service}-<environment>` once its workloads are drained.",
            err=True,
        )

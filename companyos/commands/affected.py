"""`companyos affected BASE HEAD`: the stacks a change to the platform repository touches; exit 0, 2 bad input."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.commands.output import STDOUT, json_option, say, write_json
from companyos.platform_pipeline.affected import affected_between


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
@json_option("The stacks, why each is affected, the removed stanzas and the Actions matrix")
def command(
    base: str, head: str, catalog_path: str, environments: tuple[str, ...], repo: Path, json_out: str | None
) -> None:
    """List the stacks the change from BASE to HEAD affects (from its merge base, as a pull request's diff)."""
    result = affected_between(repo.resolve(), base, head, catalog_path=catalog_path, environments=environments)
    if json_out is not None:
        write_json(json_out, result.to_report())
    to_stdout = json_out == STDOUT
    for stack, reasons in sorted(result.stacks.items()):
        say(f"{stack}: {'; '.join(reasons)}", data_on_stdout=to_stdout)
    if not result.stacks:
        say("no stack is affected", data_on_stdout=to_stdout)
    for service in result.removed:
        click.echo(
            f"warning: {catalog_path}: stanza '{service}' removed; its stacks are not previewed. Destroy them with "
            f"a reviewed `pulumi destroy --stack {service}-<environment>` once its workloads are drained.",
            err=True,
        )

"""`companyos update-service DIR`: take a newer template version into a generated service.

Exit 0 updated cleanly (or already current), 1 updated with conflicts to resolve, 2 error."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.scaffolding.update import update_service


@click.command("update-service")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--to", "to_ref", default=None, help="Template tag to move to [default: the newest].")
def command(directory: Path, to_ref: str | None) -> None:
    """Run copier update on DIR (a git repository with no uncommitted changes) and report conflicts."""
    update = update_service(directory, to_ref)
    if update.from_version == update.to_version and not update.changed:
        click.echo(f"{update.path}: already at template {update.to_version}")
        return
    click.echo(
        f"{update.path}: template {update.from_version} -> {update.to_version}, {len(update.changed)} file(s) changed"
    )
    for name in update.changed:
        click.echo(f"  {name}")
    if update.conflicts:
        click.echo(f"conflicts in {len(update.conflicts)} file(s): your edits and the template's overlap:", err=True)
        for name in update.conflicts:
            click.echo(f"  {name}", err=True)
        click.echo(
            "fix: resolve the <<<<<<< before updating / >>>>>>> after updating blocks, then "
            "git add --all && git commit",
            err=True,
        )
        click.get_current_context().exit(1)
    click.echo("review with git diff, then git add --all && git commit")

"""`companyos platform-workflow`: write (or check) the platform repository's own workflow; exit 0, 1 stale."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.commands import exit_with
from companyos.commands.output import STDOUT, write_data
from companyos.platform_pipeline.workflow import WORKFLOW_FILE, render_platform_workflow


@click.command("platform-workflow")
@click.option(
    "--out",
    default=WORKFLOW_FILE,
    show_default=True,
    help="Where to write it; `-` prints it.",
)
@click.option("--check", is_flag=True, help="Exit 1 if the file differs from what would be written (CI).")
def command(out: str, check: bool) -> None:
    """Render .github/workflows/platform.yml: validate, affected stacks, preview with the pack, up on merge."""
    text = render_platform_workflow()
    if check and out != STDOUT:
        path = Path(out)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current != text:
            click.echo(f"{path} is stale: run `companyos platform-workflow` and commit the result", err=True)
            exit_with(1)
        click.echo(f"{path}: up to date")
        return
    write_data(out, text, option="--out")
    if out != STDOUT:
        click.echo(f"wrote {out}")

"""`companyos template publish`: this checkout's node-express template as a tagged git repository."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.scaffolding.template import (
    BUNDLED_TEMPLATE_DIR,
    default_published_dir,
    publish_template,
)


@click.group("template")
def command() -> None:
    """The paved-road service template."""


@command.command("publish")
@click.option(
    "--to",
    "destination",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Git repository to publish into [default: ~/.cache/paved-road/templates/node-express].",
)
def publish(destination: Path | None) -> None:
    """Commit service_templates/node-express/ and tag it v<VERSION> (refused if that tag holds other content)."""
    published = publish_template(BUNDLED_TEMPLATE_DIR, destination or default_published_dir())
    state = "published" if published.created else "already published"
    click.echo(f"{state}: {published.path} at {published.tag}")

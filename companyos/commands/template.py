"""`companyos template publish`: this checkout's node-express template as a tagged git repository."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.scaffolding.template import (
    BUNDLED_TEMPLATE_DIR,
    TEMPLATE_DEV_ENV,
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
    help="Git repository to publish into [default: ~/.cache/paved-road/templates/<key>/node-express, "
    "<key> naming this template folder].",
)
@click.option(
    "--dev",
    is_flag=True,
    envvar=TEMPLATE_DEV_ENV,
    help="Template development: publish the working tree as v<VERSION>-dev.<hash> into the dev repository "
    f"(node-express-dev), leaving the release tags alone [env {TEMPLATE_DEV_ENV}=1].",
)
def publish(destination: Path | None, dev: bool) -> None:
    """Commit service_templates/node-express/ and tag it v<VERSION> (refused if that tag holds other content)."""
    published = publish_template(
        BUNDLED_TEMPLATE_DIR, destination or default_published_dir(BUNDLED_TEMPLATE_DIR, dev=dev), dev=dev
    )
    state = "published" if published.created else "already published"
    click.echo(f"{state}: {published.path} at {published.tag}")

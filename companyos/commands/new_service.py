"""`companyos new-service NAME`: a new paved-road service from the template, registered in the catalogue.

Exit 0 created, 2 invalid input (nothing written)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from companyos.catalog import DATA_CLASSIFICATIONS, RISKS
from companyos.contracts.conventions import MAX_OWNER_LENGTH, is_owner
from companyos.contracts.errors import UserError
from companyos.scaffolding.catalog import DEFAULT_PORT, ServiceAnswers
from companyos.scaffolding.new_service import new_service
from companyos.scaffolding.template import TEMPLATE_DEV_ENV, TEMPLATE_ENV

DEFAULT_RISK, DEFAULT_DATA = "medium", "internal"
SLUG_RULE = f"a GitHub team slug: lower-case letters, digits, '-' and '_', at most {MAX_OWNER_LENGTH} characters, e.g. team-payments"


def _owner(value: str) -> str:
    if not is_owner(value):
        raise click.BadParameter(f"{value!r} is not {SLUG_RULE}")
    return value


def _ask_missing(owner: str | None, risk: str | None, data: str | None) -> tuple[str, str, str]:
    """On a terminal, ask for what the flags left out (defaults shown); off one, a missing owner is an error,
    since no default owner is right and a script must not hang on a prompt."""
    if sys.stdin.isatty():
        owner = owner or click.prompt("Owning team (GitHub team slug)", value_proc=_owner)
        risk = risk or click.prompt("Risk", type=click.Choice(RISKS), default=DEFAULT_RISK)
        data = data or click.prompt(
            "Data classification", type=click.Choice(DATA_CLASSIFICATIONS), default=DEFAULT_DATA
        )
    elif owner is None:
        raise UserError(f"--owner is missing: pass the owning team as --owner SLUG, {SLUG_RULE}.")
    return owner, risk or DEFAULT_RISK, data or DEFAULT_DATA


@click.command("new-service")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Parent directory; the service is created in PARENT/NAME.",
)
@click.option("--owner", default=None, help="Owning team slug (GitHub team), e.g. team-payments [asked on a terminal].")
@click.option(
    "--risk",
    type=click.Choice(RISKS),
    default=None,
    help=f"Business risk if the service misbehaves [default: {DEFAULT_RISK}; asked on a terminal].",
)
@click.option(
    "--data-classification",
    type=click.Choice(DATA_CLASSIFICATIONS),
    default=None,
    help=f"Most sensitive data the service handles [default: {DEFAULT_DATA}; asked on a terminal].",
)
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="Port the service listens on.")
@click.option("--description", default="", help="One line saying what the service does.")
@click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Service catalogue to register the service in.",
)
@click.option("--no-register", is_flag=True, help="Generate the code only; leave the catalogue unchanged.")
@click.option(
    "--template",
    envvar=TEMPLATE_ENV,
    default=None,
    help=f"Template git URL, local repository or template folder [env {TEMPLATE_ENV}; default: this checkout's "
    "(or the installed) template, published to ~/.cache/paved-road].",
)
@click.option(
    "--template-ref",
    default=None,
    help="Template tag to render [default: a published folder's VERSION, else the repository's newest tag].",
)
@click.option(
    "--template-dev",
    is_flag=True,
    envvar=TEMPLATE_DEV_ENV,
    help=f"Template development: render the template folder's working tree as v<VERSION>-dev.<hash>, "
    f"without bumping VERSION [env {TEMPLATE_DEV_ENV}=1].",
)
def command(
    name: str,
    parent: Path,
    owner: str | None,
    risk: str | None,
    data_classification: str | None,
    port: int,
    description: str,
    catalog_path: Path,
    no_register: bool,
    template: str | None,
    template_ref: str | None,
    template_dev: bool,
) -> None:
    """Create PARENT/NAME from the paved-road template, with its CI workflow, and add it to the catalogue."""
    owner, risk, data_classification = _ask_missing(owner, risk, data_classification)
    answers = ServiceAnswers(
        name=name, owner=owner, risk=risk, data_classification=data_classification, description=description, port=port
    )
    created = new_service(
        answers,
        parent=parent,
        catalog_path=catalog_path,
        register=not no_register,
        template=template,
        template_ref=template_ref,
        template_dev=template_dev,
    )
    click.echo(f"created {created.path} from {created.template_src} at {created.template_version}")
    if created.registered_in is not None:
        click.echo(f"registered '{name}' in {created.registered_in}")
    click.echo("next steps:")
    for step in created.next_steps:
        click.echo(f"  {step}")

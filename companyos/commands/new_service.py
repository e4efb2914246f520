"""`companyos new-service NAME`: a new paved-road service from the template, registered in the catalogue.

Exit 0 created, 2 invalid input (nothing written)."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.catalog import DATA_CLASSIFICATIONS, RISKS
from companyos.scaffolding.catalog import DEFAULT_PORT, ServiceAnswers
from companyos.scaffolding.new_service import new_service
from companyos.scaffolding.template import TEMPLATE_ENV


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
@click.option("--owner", required=True, help="Owning team slug (GitHub team), e.g. team-payments.")
@click.option(
    "--risk",
    type=click.Choice(RISKS),
    default="medium",
    show_default=True,
    help="Business risk if the service misbehaves.",
)
@click.option(
    "--data-classification",
    type=click.Choice(DATA_CLASSIFICATIONS),
    default="internal",
    show_default=True,
    help="Most sensitive data the service handles.",
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
    help=f"Template git URL or local repository [env {TEMPLATE_ENV}; default: this checkout's "
    "template, published to ~/.cache/paved-road].",
)
@click.option("--template-ref", default=None, help="Template tag to render [default: the newest].")
def command(
    name: str,
    parent: Path,
    owner: str,
    risk: str,
    data_classification: str,
    port: int,
    description: str,
    catalog_path: Path,
    no_register: bool,
    template: str | None,
    template_ref: str | None,
) -> None:
    """Create PARENT/NAME from the paved-road template, with its CI workflow, and add it to the catalogue."""
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
    )
    click.echo(f"created {created.path} from {created.template_src} at {created.template_version}")
    if created.registered_in is not None:
        click.echo(f"registered '{name}' in {created.registered_in}")
    click.echo("next steps:")
    for step in created.next_steps:
        click.echo(f"  {step}")

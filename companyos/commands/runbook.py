"""`companyos runbook`: generate a service's on-call runbook from the catalogue; exit 0 ok, 2 bad input."""

from __future__ import annotations

import click

from companyos.commands.obs import catalog_service
from companyos.commands.output import STDOUT, say, write_data
from companyos.observability.runbook import render_runbook


@click.command("runbook")
@click.option("--service", default=None, help="Catalogue stanza (default: the only one).")
@click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Service catalogue.",
)
@click.option(
    "--environment",
    default="dev",
    show_default=True,
    help="Environment of the Pulumi stack the commands name (stack <service>-<environment>).",
)
@click.option(
    "--prometheus-namespace",
    default="monitoring",
    show_default=True,
    help="Namespace of the cluster's Prometheus (kube-prometheus-stack).",
)
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False), help="File to write, e.g. docs/runbooks/NAME.md."
)
def command(service: str | None, catalog_path: str, environment: str, prometheus_namespace: str, out: str) -> None:
    """The runbook: one section per SLO alert, version lookup, rollback and check-deploy commands."""
    spec = catalog_service(catalog_path, service)
    write_data(
        out, render_runbook(spec, environment=environment, prometheus_namespace=prometheus_namespace), option="--out"
    )
    say(f"{out}: runbook for {spec.name}", data_on_stdout=out == STDOUT)

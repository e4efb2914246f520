"""`companyos slo rules|openslo|doc`: generate a service's SLO artefacts from the catalogue; exit 0 ok, 2 bad input."""

from __future__ import annotations

from collections.abc import Callable

import click

from companyos.catalog import ServiceSpec, load_catalog
from companyos.commands.output import STDOUT, say, write_data
from companyos.contracts.errors import UserError
from companyos.observability.openslo import render_openslo
from companyos.observability.slo_doc import render_slo_doc
from companyos.observability.slo_rules import DEFAULT_MIN_REQUESTS, render_rules

_catalog_option = click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Service catalogue.",
)
_service_option = click.option("--service", required=True, help="Service name (a catalogue stanza).")
_out_option = click.option("--out", required=True, type=click.Path(dir_okay=False), help="File to write.")
_min_requests_option = click.option(
    "--min-requests",
    type=int,
    default=DEFAULT_MIN_REQUESTS,
    show_default=True,
    help="Requests a long window must hold before its burn rate may alert (low-traffic guard; 0 disables).",
)


def _spec(catalog_path: str, name: str) -> ServiceSpec:
    catalog = load_catalog(catalog_path)
    try:
        return catalog.service(name)
    except KeyError:
        raise UserError(
            f"--service {name}: no such stanza in {catalog_path} (known: {', '.join(catalog.names())}). "
            "Fix: pass one of the known names, or add the stanza."
        ) from None


def _generate(catalog_path: str, service: str, out: str, render: Callable[[ServiceSpec], str], what: str) -> None:
    text = render(_spec(catalog_path, service))
    write_data(out, text, option="--out", create_folders=False)
    say(f"{out}: {what} for {service}", data_on_stdout=out == STDOUT)


@click.group("slo")
def command() -> None:
    """Generate SLO rules, OpenSLO documents and SLO pages from the catalogue."""


@command.command("rules")
@_service_option
@_catalog_option
@_out_option
@_min_requests_option
def rules(service: str, catalog_path: str, out: str, min_requests: int) -> None:
    """Prometheus recording and multiwindow burn-rate alerting rules."""
    _generate(
        catalog_path, service, out, lambda spec: render_rules(spec, min_requests=min_requests), "Prometheus SLO rules"
    )


@command.command("openslo")
@_service_option
@_catalog_option
@_out_option
def openslo(service: str, catalog_path: str, out: str) -> None:
    """OpenSLO v1 Service and SLO objects."""
    _generate(catalog_path, service, out, render_openslo, "OpenSLO v1 documents")


@command.command("doc")
@_service_option
@_catalog_option
@_out_option
@_min_requests_option
def doc(service: str, catalog_path: str, out: str, min_requests: int) -> None:
    """The human SLO page (objectives, SLI queries, alert policy)."""
    _generate(catalog_path, service, out, lambda spec: render_slo_doc(spec, min_requests=min_requests), "SLO page")

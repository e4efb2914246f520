"""`companyos policy-config`: the policy config CI's policy-gate job runs the gate with (labels, trusted key)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from companyos.catalog import load_catalog
from companyos.ci_workflow.policy_config import ci_policy_config, render
from companyos.commands.output import STDOUT, write_data
from companyos.contracts.errors import UserError


@click.command("policy-config")
@click.option("--event", "event_name", required=True, help="The GitHub event name (pull_request, push, ...).")
@click.option("--pr-labels", default="[]", show_default=True, help="JSON list of the pull request's label names.")
@click.option("--pr-number", default="", help="The pull request's number (for the report's label source).")
@click.option(
    "--service-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="The service checkout (its service.yaml gives the labels on push).",
)
@click.option(
    "--public-key-env",
    default="COSIGN_PUBLIC_KEY",
    show_default=True,
    help="Environment variable holding the trusted cosign.pub (PEM text).",
)
@click.option(
    "--service",
    default=None,
    help="Take the labels from this catalogue stanza (the platform repository's preview of the service's stack).",
)
@click.option("--catalog", "catalog_path", default="services.yaml", show_default=True, help="With --service.")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
def command(
    event_name: str,
    pr_labels: str,
    pr_number: str,
    service_dir: Path,
    public_key_env: str,
    service: str | None,
    catalog_path: str,
    out: Path,
) -> None:
    """Write the gate's policy config for this CI event (and print it)."""
    stanza = None
    if service is not None:
        try:
            stanza = load_catalog(catalog_path).service(service)
        except KeyError as missing:
            raise UserError(f"--service: {missing.args[0]}") from None
    config = ci_policy_config(
        event_name=event_name,
        pr_labels=pr_labels,
        pr_number=pr_number,
        service_dir=service_dir,
        public_key=os.environ.get(public_key_env, ""),
        stanza=stanza,
    )
    text = render(config)
    write_data(out, text, option="--out")
    if str(out) != STDOUT:
        click.echo(text, nl=False)

"""`companyos obs up|down|status`: the local observability stack; exit 0 ok, 1 status not all up, 2 bad input."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from companyos.catalog import ServiceSpec, load_catalog
from companyos.commands import exit_with
from companyos.commands.output import STDOUT, json_option, write_json
from companyos.contracts.errors import UserError
from companyos.observability import local_stack, stack_state

_work_dir_option = click.option(
    "--work-dir",
    default=".work/obs",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Configs, data, logs and the PID state file.",
)


def catalog_service(catalog_path: str, name: str | None) -> ServiceSpec:
    catalog = load_catalog(catalog_path)
    if name is None:
        if len(catalog.services) != 1:
            raise UserError(
                f"--service: {catalog_path} has {len(catalog.services)} services "
                f"({', '.join(catalog.names())}). Fix: pass --service NAME."
            )
        return catalog.services[0]
    try:
        return catalog.service(name)
    except KeyError:
        raise UserError(
            f"--service {name}: no such stanza in {catalog_path} (known: {', '.join(catalog.names())}). "
            "Fix: pass one of the known names, or add the stanza."
        ) from None


@click.group("obs")
def command() -> None:
    """Run Prometheus, Alertmanager and an OTLP trace receiver on 127.0.0.1 for one service."""


@command.command("up")
@click.option("--service", default=None, help="Catalogue stanza to observe (default: the only one).")
@click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Service catalogue.",
)
@click.option(
    "--target",
    default=None,
    help="HOST:PORT where the service serves /metrics (default: 127.0.0.1:<the stanza's port>).",
)
@click.option("--prometheus-port", type=int, default=9090, show_default=True)
@click.option("--alertmanager-port", type=int, default=9093, show_default=True)
@click.option(
    "--otlp-port",
    type=int,
    default=4318,
    show_default=True,
    help="OTLP/HTTP trace receiver; point OTEL_EXPORTER_OTLP_ENDPOINT at it.",
)
@click.option("--scrape-interval", default="5s", show_default=True)
@click.option("--evaluation-interval", default="5s", show_default=True, help="Rule evaluation interval.")
@_work_dir_option
def up_command(
    service: str | None,
    catalog_path: str,
    target: str | None,
    prometheus_port: int,
    alertmanager_port: int,
    otlp_port: int,
    scrape_interval: str,
    evaluation_interval: str,
    work_dir: Path,
) -> None:
    """Start the stack (a no-op if the same stack already runs)."""
    spec = catalog_service(catalog_path, service)
    options = local_stack.StackOptions(
        service=spec.name,
        target=target or f"127.0.0.1:{spec.port}",
        work_dir=work_dir,
        prometheus_port=prometheus_port,
        alertmanager_port=alertmanager_port,
        otlp_port=otlp_port,
        scrape_interval=scrape_interval,
        evaluation_interval=evaluation_interval,
    )
    state, started = local_stack.up(options, spec)
    verb = f"started in {state.startup_seconds:.1f}s" if started else "already running"
    click.echo(f"obs stack for {spec.name} {verb} (state: {stack_state.state_path(work_dir)})")
    for c in state.components:
        click.echo(f"  {c.name:14} {c.url}  pid {c.pid}")
    click.echo(
        f"  scraping {options.target} as job=\"{spec.name}\"; spans: {work_dir / 'spans.jsonl'}; "
        f"send traces with OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:{otlp_port}"
    )


@command.command("down")
@_work_dir_option
def down_command(work_dir: Path) -> None:
    """Stop the processes the state file lists, by PID."""
    results = local_stack.down(work_dir)
    if not results:
        click.echo(f"no stack state in {work_dir}: nothing to stop")
    for component, outcome in results:
        click.echo(f"{component.name} (pid {component.pid}): {outcome}")


@command.command("status")
@_work_dir_option
@json_option("Each component and scrape target")
def status_command(work_dir: Path, json_out: str | None) -> None:
    """Show each component and Prometheus' scrape targets; exit 1 unless all are ready."""
    state, rows, targets = local_stack.status(work_dir)
    if json_out is not None:
        write_json(json_out, {
            "running": state is not None,
            "service": state.options["service"] if state else None,
            "components": [asdict(row) for row in rows],
            "targets": targets,
        })  # fmt: skip
    if state is None:
        click.echo(f"no stack state in {work_dir}: not running (start it with `companyos obs up`)", err=True)
        exit_with(1)
    if json_out == STDOUT:
        exit_with(0 if all(r.ready for r in rows) else 1)
    table = Table(title=f"obs stack for {state.options['service']} (started {state.started_at})")
    for column in ("component", "pid", "running", "ready", "url"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, str(row.pid), "yes" if row.running else "NO", "yes" if row.ready else "NO", row.url)
    for target in targets:
        table.add_row(
            f"scrape {target['labels'].get('job', '')}", "", "", target.get("health", ""), target.get("scrapeUrl", "")
        )
    Console(width=120).print(table)
    if not all(r.ready for r in rows):
        exit_with(1)

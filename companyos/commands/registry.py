"""`companyos registry start|stop|status`: the local OCI registry (Debian's distribution) on 127.0.0.1."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from companyos.commands import exit_with
from companyos.commands.output import STDOUT, json_option, say, write_json
from companyos.supply_chain.registry import (
    DEFAULT_DATA_DIR,
    DEFAULT_PORT,
    registry_status,
    start_registry,
    stop_registry,
)

_DATA_DIR = click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=DEFAULT_DATA_DIR,
    show_default=True,
    help="Registry storage, config, PID and log files.",
)


@click.group("registry")
def command() -> None:
    """Run a local OCI registry for builds, signatures and SBOMs (loopback only)."""


@command.command("start")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT, show_default=True)
@_DATA_DIR
def start(port: int, data_dir: Path) -> None:
    """Start the registry in the background and wait until it answers."""
    status = start_registry(data_dir, port)
    click.echo(status.detail)


@command.command("stop")
@_DATA_DIR
def stop(data_dir: Path) -> None:
    """Stop the registry started from --data-dir (by its PID file)."""
    click.echo(stop_registry(data_dir).detail)


@command.command("status")
@_DATA_DIR
@json_option("The registry's state (running, pid, address)")
def status(data_dir: Path, json_out: str | None) -> None:
    """Exit 0 if the registry runs and answers, 1 if not."""
    current = registry_status(data_dir)
    if json_out is not None:
        write_json(json_out, asdict(current))
    say(current.detail, data_on_stdout=json_out == STDOUT)
    if not current.running:
        exit_with(1)

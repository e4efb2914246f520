"""`companyos check-deploy`: probes and SLO checks of a deployed service; exit 0 healthy, 1 unhealthy, 2 could not check."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from companyos.commands import exit_with
from companyos.commands.obs import catalog_service
from companyos.commands.output import STDOUT, json_option, write_data
from companyos.contracts.errors import UserError
from companyos.observability.check_deploy import DeployReport, check_deploy

_STYLE = {"pass": "green", "fail": "bold red", "no-data": "yellow", "error": "yellow"}


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{value:.4%}"
    if unit == "s":
        return f"{value * 1000:.1f} ms"
    return f"{value:g}"


def print_report(report: DeployReport, console: Console) -> None:
    probes = Table(title=f"{report.service}: probes of {report.url}")
    for column in ("route", "status", "answers", "p50", "max", "detail"):
        probes.add_column(column)
    for p in report.probes:
        answers = ", ".join(f"{code} x{n}" for code, n in sorted(p.statuses.items()))
        probes.add_row(
            f"{p.method} {p.path}",
            f"[{_STYLE[p.status]}]{p.status}[/]",
            answers,
            _number(p.latency_ms_p50) + " ms" if p.latency_ms_p50 is not None else "-",
            _number(p.latency_ms_max) + " ms" if p.latency_ms_max is not None else "-",
            p.detail,
        )
    console.print(probes)
    checks = Table(title=f"{report.service}: SLO checks over {report.window} ({report.prometheus})")
    for column in ("check", "status", "value", "threshold", "detail"):
        checks.add_column(column)
    units = {"error-ratio": "ratio", "latency": "s"}
    for c in report.checks:
        unit = units.get(c.name, "")
        checks.add_row(
            c.name, f"[{_STYLE[c.status]}]{c.status}[/]", _number(c.value, unit), _number(c.threshold, unit), c.detail
        )
    console.print(checks)
    colour = {"healthy": "green", "unhealthy": "bold red"}.get(report.verdict, "yellow")
    console.print(f"verdict: [{colour}]{report.verdict}[/] (exit {report.exit_code}) in {report.duration_seconds:.2f}s")


@click.command("check-deploy")
@click.option("--url", required=True, help="Base URL of the running service, e.g. http://127.0.0.1:8080.")
@click.option("--prometheus", "prometheus_url", required=True, help="Prometheus base URL, e.g. http://127.0.0.1:9090.")
@click.option("--service", default=None, help="Catalogue stanza (default: the only one).")
@click.option(
    "--catalog",
    "catalog_path",
    default="services.yaml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Service catalogue.",
)
@click.option("--window", default="5m", show_default=True, help="PromQL range of the error-ratio and latency checks.")
@click.option("--probe-count", type=int, default=5, show_default=True, help="Requests per probed route.")
@json_option("The report (schema paved-road.check-deploy/v1)")
def command(
    url: str,
    prometheus_url: str,
    service: str | None,
    catalog_path: str,
    window: str,
    probe_count: int,
    json_out: str | None,
) -> None:
    """Probe a deployed service and check its SLO in Prometheus; exit 0 healthy, 1 unhealthy, 2 could not check."""
    spec = catalog_service(catalog_path, service)
    to_stdout = json_out == STDOUT
    if json_out is not None and not to_stdout and not Path(json_out).parent.is_dir():
        raise UserError(f"--json {json_out}: folder {Path(json_out).parent} does not exist. Fix: create it first.")
    report = check_deploy(spec, url, prometheus_url, window=window, probe_count=probe_count)
    print_report(report, Console(width=140, stderr=to_stdout))
    if json_out is not None:
        write_data(json_out, report.to_json(), option="--json")
        if not to_stdout:
            click.echo(f"{json_out}: report written")
    exit_with(report.exit_code)

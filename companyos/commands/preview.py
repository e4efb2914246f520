"""`companyos preview`: the program under mocks, then the policy pack over gRPC; exit 0 passed, 1 blocked, 2 could not run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from companyos.commands import exit_with
from companyos.commands.output import STDOUT, json_option, write_data
from companyos.contracts.errors import UserError
from companyos.policy_gate import DEFAULT_TIMEOUT_S, render_summary, write_report
from companyos.policy_gate.preview import DEFAULT_PACK, PreviewOptions, run_preview

FILE = click.Path(dir_okay=False, path_type=Path)


@click.command("preview")
@click.option("--catalog", type=FILE, help="Service catalogue (default: paved-road:catalog, else services.yaml).")
@click.option("--stack", default="dev", show_default=True, help="Stack name; Pulumi.<stack>.yaml config is read.")
@click.option("--service", help="Preview one stanza (a per-service stack), as paved-road:service.")
@click.option(
    "--policy-pack",
    "pack_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help=f"CrossGuard pack folder (PulumiPolicy.yaml) [default: PROJECT_DIR/{DEFAULT_PACK}, else the pack "
    "installed with companyos].",
)
@click.option(
    "--policy-pack-config",
    "policy_config",
    type=FILE,
    help='JSON as for pulumi: {"policy": "mandatory"} or {"policy": {"enforcementLevel": ..., prop: ...}}.',
)
@json_option("The gate report (paved-road.gate-report/v1)")
@click.option("--release", type=FILE, help="Release record to deploy (needs --service), as paved-road:releaseRecord.")
@click.option(
    "--releases-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of <service>.json release records, as paved-road:releasesDir.",
)
@click.option(
    "--project-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Folder holding Pulumi.yaml and __main__.py.",
)
@click.option(
    "--exceptions",
    "exceptions",
    type=FILE,
    help="policy-exceptions.yaml: the reviewed, expiring exceptions any weakening of the baseline needs "
    "(default: the pack's own, if any).",
)
@click.option(
    "--allow-env-config",
    is_flag=True,
    help="Accept stack config from the environment (PULUMI_CONFIG, PULUMI_CONFIG_*); it is recorded in the "
    "report. Without it such config is refused (exit 2).",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0.1),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="Seconds for the pack to start and for each policy call.",
)
def command(
    catalog: Path | None,
    stack: str,
    service: str | None,
    pack_dir: Path | None,
    policy_config: Path | None,
    json_out: str | None,
    release: Path | None,
    releases_dir: Path | None,
    project_dir: Path,
    exceptions: Path | None,
    allow_env_config: bool,
    timeout_s: float,
) -> None:
    """Preview the stack and gate it with the policy pack, as `pulumi preview --policy-pack` would."""
    result = run_preview(
        PreviewOptions(
            project_dir=project_dir.resolve(),
            catalog=catalog,
            stack=stack,
            service=service,
            pack_dir=pack_dir,
            policy_config=policy_config,
            release=release,
            releases_dir=releases_dir,
            timeout_s=timeout_s,
            allow_env_config=allow_env_config,
            exceptions=exceptions,
        )
    )
    to_stdout = json_out == STDOUT
    click.echo(render_summary(result, include_error=False), nl=False, err=to_stdout)
    if to_stdout:
        write_data(STDOUT, json.dumps(result.to_report(), indent=2) + "\n", option="--json")
    elif json_out is not None:
        write_report(result.to_report(), json_out)
        click.echo(f"gate report: {json_out}")
    if result.error is not None:
        raise UserError(f"policy gate could not run: {result.error}")
    if result.exit_code:
        exit_with(result.exit_code)

"""`pulumi preview --policy-pack` without the Pulumi CLI: run __main__.py under mocks, then gate what it registered."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from companyos.contracts.errors import UserError
from companyos.policy_gate.gate import DEFAULT_TIMEOUT_S, GateSession
from companyos.policy_gate.inputs import ConfigInput, environment_config, gate_inputs, refuse_environment_config
from companyos.policy_gate.model import GateResult
from companyos.policy_gate.pack_process import read_manifest
from companyos.policy_gate.policy_config import load_config_file
from companyos.preview.program_run import ProgramRun, run_program
from companyos.support.assets import POLICY_PACK, locate

DEFAULT_PACK = POLICY_PACK.path
"""Relative to the project directory; without one there, the pack this companyos carries (checkout or wheel)."""


@dataclass(frozen=True)
class PreviewOptions:
    project_dir: Path
    catalog: Path | None = None
    stack: str = "dev"
    service: str | None = None
    pack_dir: Path | None = None
    """Relative to project_dir, or absolute; None = default_pack_dir(project_dir)."""
    policy_config: Path | None = None
    release: Path | None = None
    releases_dir: Path | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    exceptions: Path | None = None
    """policy-exceptions.yaml to run under (default: the one beside the pack, if any)."""
    allow_env_config: bool = False
    """Accept stack config from the caller's environment (PULUMI_CONFIG, PULUMI_CONFIG_*) and record it."""
    environ: Mapping[str, str] | None = None
    """The caller's environment (default: this process's)."""


def default_pack_dir(project_dir: Path) -> Path:
    """The project's own policypacks/paved-road, else the one installed with companyos."""
    in_project = project_dir / DEFAULT_PACK
    return in_project if in_project.is_dir() else locate(POLICY_PACK)


def project_name(project_dir: Path) -> str:
    path = project_dir / "Pulumi.yaml"
    if not path.is_file() or not (project_dir / "__main__.py").is_file():
        raise UserError(
            f"{project_dir}: no Pulumi.yaml and __main__.py here. Fix: run `companyos preview` from the "
            f"Pulumi project directory (the repository root)"
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return str(data.get("name") or project_dir.name)


def stack_config(options: PreviewOptions, project: str) -> dict[str, str]:
    """Pulumi.<stack>.yaml's config, then the flags; values as the engine passes them (strings, JSON for objects)."""
    return {item.key: item.value or "" for item in stack_config_sources(options, project)}


FLAGS = {"catalog": "--catalog", "releasesDir": "--releases-dir", "service": "--service", "releaseRecord": "--release"}


def stack_config_sources(options: PreviewOptions, project: str) -> list[ConfigInput]:
    """Each stack-config value with where it came from; a flag replaces the stack file's value."""
    config: dict[str, ConfigInput] = {}
    stack_file = options.project_dir / f"Pulumi.{options.stack}.yaml"
    if stack_file.is_file():
        data = yaml.safe_load(stack_file.read_text(encoding="utf-8")) or {}
        for key, value in (data.get("config") or {}).items():
            if isinstance(value, dict) and "secure" in value:
                continue  # ciphertext: only the Pulumi CLI can decrypt it, and no program default depends on it
            full = key if ":" in key else f"{project}:{key}"
            config[full] = ConfigInput(full, value if isinstance(value, str) else json.dumps(value), stack_file.name)
    flags = {
        "catalog": options.catalog,
        "releasesDir": options.releases_dir,
        "service": options.service,
        "releaseRecord": options.release,
    }
    for key, value in flags.items():
        if value is not None:
            text = str(Path(value).resolve()) if isinstance(value, Path) else value
            config[f"paved-road:{key}"] = ConfigInput(f"paved-road:{key}", text, f"flag {FLAGS[key]}")
    return list(config.values())


def run_preview(options: PreviewOptions) -> GateResult:
    """Run the program, then the gate. Returns verdict `error` (never raises) when either could not run.

    The pack starts before the program runs (its start-up, ~0.3-0.7 s, overlaps the program) as the engine
    loads policy packs before it runs the program."""
    started = time.perf_counter()
    pack_dir = (
        options.project_dir / options.pack_dir
        if options.pack_dir is not None
        else default_pack_dir(options.project_dir)
    ).resolve()
    inputs: dict[str, Any] = {}
    try:
        project = project_name(options.project_dir)
        overrides: Mapping[str, Any] = load_config_file(options.policy_config) if options.policy_config else {}
        sources = stack_config_sources(options, project)
        config = {item.key: item.value or "" for item in sources}
        environ = os.environ if options.environ is None else options.environ
        from_environment = environment_config(environ)
        inputs = gate_inputs(
            options.project_dir,
            sources + from_environment,
            environ if from_environment and options.allow_env_config else None,
            pack_dir,
        )
        if from_environment and not options.allow_env_config:
            raise UserError(refuse_environment_config(from_environment))
        session = GateSession(
            pack_dir,
            project=project,
            stack=options.stack,
            stack_config=config,
            timeout_s=options.timeout_s,
            exceptions_file=options.exceptions.resolve() if options.exceptions else None,
        ).start()
    except UserError as error:
        return _failed(options, pack_dir, str(error), started, inputs=inputs)
    with session:
        program_started = time.perf_counter()
        try:
            run = _run_program(options, project, config)
        except UserError as error:
            return _failed(options, pack_dir, str(error), started, project=project, inputs=inputs)
        program_ms = (time.perf_counter() - program_started) * 1000
        if run.error is not None:
            return _failed(
                options,
                pack_dir,
                f"the Pulumi program failed: {run.error}",
                started,
                project=project,
                program_ms=program_ms,
                inputs=inputs,
            )
        if run.transforms:
            return _failed(
                options,
                pack_dir,
                _transforms_error(run.transforms),
                started,
                project=project,
                program_ms=program_ms,
                inputs=inputs,
            )
        if run.plugin_downloads:
            return _failed(
                options,
                pack_dir,
                _plugin_download_error(run.plugin_downloads),
                started,
                project=project,
                program_ms=program_ms,
                inputs=inputs,
            )
        source = f"--policy-pack-config {options.policy_config}" if options.policy_config else "policy config"
        result = session.run(run.resources, overrides, config_source=source)
    result.config_file = str(options.policy_config) if options.policy_config else None
    result.inputs = inputs
    result.durations_ms["program"] = program_ms
    result.durations_ms["total"] = (time.perf_counter() - started) * 1000
    return result


def _transforms_error(where: list[str]) -> str:
    shown = ", ".join(where[:3]) + (f" and {len(where) - 3} more" if len(where) > 3 else "")
    return (
        f"the program registers resource transforms ({shown}). The Pulumi engine runs them and analyses what "
        "they return; an offline preview cannot run them, so it cannot see what would be created. Fix: make "
        "the change in the component's arguments (or services.yaml) instead of a transform, or gate this "
        "change with `pulumi preview --policy-pack` where the engine runs the transforms"
    )


def _plugin_download_error(where: list[str]) -> str:
    return (
        f"the program asks the engine to download provider plugins from its own URLs ({'; '.join(where[:3])}). "
        "A plugin is a binary the deployment runs with its credentials, and the analyzer protocol never shows "
        "the URL to a policy. Fix: drop `plugin_download_url`; the platform's providers come from the "
        "versions pinned in the platform's requirements"
    )


def _run_program(options: PreviewOptions, project: str, config: Mapping[str, str]) -> ProgramRun:
    try:
        return run_program(options.project_dir, stack=options.stack, project=project, config=config, preview=True)
    except Exception as error:  # noqa: BLE001 - a program bug must end the gate (exit 2), not print a traceback
        raise UserError(f"the Pulumi program raised {type(error).__name__}: {error}") from None


def _failed(
    options: PreviewOptions,
    pack_dir: Path,
    error: str,
    started: float,
    *,
    project: str = "",
    program_ms: float | None = None,
    inputs: dict[str, Any] | None = None,
) -> GateResult:
    result = GateResult(
        pack_name=pack_dir.name,
        pack_version="",
        pack_dir=str(pack_dir),
        project=project,
        stack=options.stack,
        dry_run=True,
        error=error,
        config_file=str(options.policy_config) if options.policy_config else None,
        inputs=dict(inputs or {}),
    )
    try:
        manifest = read_manifest(pack_dir)
        result.pack_name, result.pack_version = manifest.name, manifest.version
    except UserError:
        pass  # the report still names the pack folder; the error that stopped the run is the one to show
    if program_ms is not None:
        result.durations_ms["program"] = program_ms
    result.durations_ms["total"] = (time.perf_counter() - started) * 1000
    return result

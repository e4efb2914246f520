"""`companyos release SERVICE --local`: run every stage, always clean up, always write the evidence pack
(INCOMPLETE, naming the failing stage, when a stage fails)."""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from companyos.catalog import load_catalog
from companyos.contracts.errors import UserError
from companyos.contracts.release_record import ReleaseRecord, load_release_record
from companyos.evidence.assemble import ReleaseArtefacts, assemble
from companyos.evidence.model import Changes, EvidencePack, Stage
from companyos.evidence.render import write_evidence
from companyos.evidence.sources import git_changes
from companyos.observability import local_stack
from companyos.release.runner import StageContext, run_stages
from companyos.release.stages import LOCAL_STAGES
from companyos.release.state import ReleaseState
from companyos.supply_chain.registry import stop_registry

ROOT = Path(__file__).resolve().parents[2]
ADRS = [
    ("ADR-0013 paved-road service template", "docs/adr/ADR-0013-paved-road-service-template.md"),
    ("ADR-0014 SBOM strategy", "docs/adr/ADR-0014-sbom-strategy.md"),
    ("ADR-0015 policy gate (CrossGuard)", "docs/adr/ADR-0015-policy-gate-crossguard.md"),
    ("ADR-0016 image signing", "docs/adr/ADR-0016-image-signing.md"),
    ("ADR-0011 release record", "docs/adr/ADR-0011-release-record.md"),
]


@dataclass(frozen=True)
class ReleaseOptions:
    service: str
    version: str | None = None
    catalog: Path = Path("services.yaml")
    work: Path = Path(".work")
    service_dir: Path | None = None
    registry_port: int = 5000
    scan_report: Path | None = None
    scan_format: str = "grype"
    tamper: Callable[[StageContext], None] | None = None


@dataclass(frozen=True)
class ReleaseOutcome:
    complete: bool
    failed_stage: str | None
    out: Path
    evidence_markdown: Path
    evidence_html: Path
    stages: list[Stage]


def _package_version(service_dir: Path) -> str | None:
    try:
        return str(json.loads((service_dir / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def previous_release(work: Path, service: str, version: str) -> tuple[ReleaseRecord | None, Path | None]:
    """The newest other release record of the service in the work tree (by file time)."""
    folder = work / "releases" / service
    records = (
        sorted((p for p in folder.glob("*/release.json") if p.parent.name != version), key=lambda p: p.stat().st_mtime)
        if folder.is_dir()
        else []
    )
    if not records:
        return None, None
    return load_release_record(records[-1]), records[-1]


def run_release(options: ReleaseOptions, console: Console | None = None) -> ReleaseOutcome:
    console = console or Console(width=None if sys.stdout.isatty() else 200)
    catalog = load_catalog(options.catalog)
    try:
        spec = catalog.service(options.service)
    except KeyError as missing:
        raise UserError(f"{missing.args[0]}. Fix: add the stanza (`companyos new-service`) first.") from None
    work = options.work.resolve()
    service_dir = (options.service_dir or work / "services" / spec.name).resolve()
    version = options.version or _package_version(service_dir) or "0.1.0"
    out = work / "releases" / spec.name / version
    replaced = _set_aside(out)
    out.mkdir(parents=True, exist_ok=True)
    previous, previous_path = previous_release(work, spec.name, version)
    context = StageContext(
        service=spec.name,
        version=version,
        work=work,
        out=out,
        console=console,
        state=ReleaseState(
            spec=spec,
            catalog=options.catalog.resolve(),
            service_dir=service_dir,
            registry_port=options.registry_port,
            scan_report=options.scan_report,
            scan_format=options.scan_format,
            tamper=options.tamper,
        ),
    )
    console.print(f"[bold]Release {spec.name} {version}[/] (local) -> {out}")
    if replaced is not None:
        console.print(f"[yellow]![/] the previous local run of {version} was moved, whole, to {replaced}")
    try:
        stages, failure = run_stages(LOCAL_STAGES, context)
    finally:
        _clean_up(context)
    stages.append(Stage("evidence", "passed", 0.0, f"evidence/release-{version}.md"))
    pack = _evidence(context, stages, failure, previous, previous_path)
    markdown, html = write_evidence(pack, out / "evidence")
    verdict = "[green]COMPLETE[/]" if pack.complete else f"[red]INCOMPLETE[/] (stopped at {pack.failed_stage})"
    console.print(f"Evidence pack {verdict}: {markdown}")
    return ReleaseOutcome(pack.complete, pack.failed_stage, out, markdown, html, stages)


def _set_aside(out: Path) -> Path | None:
    """A new local run of a version starts from an empty folder: the previous run's files move, untouched, to
    releases/<service>/.replaced/<version>-<time>/ (nothing of one run is rewritten by another)."""
    if not out.is_dir() or not any(out.iterdir()):
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    target = out.parent / ".replaced" / f"{out.name}-{stamp}"
    target.parent.mkdir(parents=True, exist_ok=True)
    out.rename(target)
    return target


def _clean_up(context: StageContext) -> None:
    """Stop what the release started; never leave servers behind."""
    state = context.state
    if state.service_pid is not None:
        try:
            os.killpg(state.service_pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    if state.started_obs:
        local_stack.down(context.work / "obs")
    if state.started_registry:
        stop_registry(context.work / "registry")


def _evidence(
    context: StageContext,
    stages: list[Stage],
    failure: Exception | None,
    previous: ReleaseRecord | None,
    previous_path: Path | None,
) -> EvidencePack:
    out, state = context.out, context.state
    image = state.image
    service_dir = state.service_dir
    changes = (
        git_changes(service_dir, previous, image.digest if image else None)
        if (service_dir / ".git").exists()
        else Changes(
            [],
            "",
            "(the service folder is not a git repository)",
            previous.image.digest if previous else None,
            image.digest if image else None,
        )
    )
    return assemble(
        ReleaseArtefacts(
            service=context.service,
            version=context.version,
            output=out / "evidence",
            stages=stages,
            failure=str(failure) if failure else None,
            changes=changes,
            record=state.record,
            previous=previous,
            previous_path=previous_path,
            junit=out / "reports" / "junit.xml",
            lcov=out / "reports" / "lcov.info",
            gate_report=state.gate_report,
            signature_result=state.verify_result,
            attestations_result=state.attestations_result,
            scan=state.scan_path,
            post_deploy=state.check_deploy_report,
            dashboard_png=state.dashboard_png,
            links=[(title, ROOT / path) for title, path in ADRS]
            + [
                ("SLO document", ROOT / "docs" / "slo" / f"SLO-001-{context.service}.md"),
                ("Runbook", ROOT / "docs" / "runbooks" / f"{context.service}.md"),
                ("Release record", out / "release.json"),
                ("SBOM (CycloneDX 1.6)", out / "sbom.cdx.json"),
                ("SLSA provenance (signed DSSE envelope)", out / "attestations" / "slsaprovenance1.dsse.json"),
                ("Attestation verification", out / "attestations-verify.json"),
                ("Gate report", out / "gate-report.json"),
                ("Post-deploy check", out / "check-deploy.json"),
            ],
        )
    )

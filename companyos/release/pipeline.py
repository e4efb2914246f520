"""`companyos release SERVICE --local`: run every stage, always clean up, always write the evidence pack
(INCOMPLETE, naming the failing stage, when a stage fails)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from companyos.catalog import load_catalog
from companyos.contracts.errors import UserError
from companyos.contracts.release_record import ReleaseRecord, load_release_record
from companyos.evidence.model import Compliance, EvidencePack, Link, Stage
from companyos.evidence.provenance import ci_run_url
from companyos.evidence.render import write_evidence
from companyos.evidence.sources import (
    attestation_detail,
    git_changes,
    lcov_line_coverage,
    read_check_deploy,
    read_gate_exceptions,
    read_gate_report,
    read_junit,
    rollback_plan,
)
from companyos.release.runner import StageContext, run_stages
from companyos.release.stages import COMPANYOS, LOCAL_STAGES

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
    out.mkdir(parents=True, exist_ok=True)
    previous, previous_path = previous_release(work, spec.name, version)
    started = datetime.now(UTC).isoformat(timespec="seconds")
    context = StageContext(
        service=spec.name,
        version=version,
        work=work,
        out=out,
        console=console,
        facts={
            "spec": spec,
            "service_dir": service_dir,
            "registry_port": options.registry_port,
            "scan_report": options.scan_report,
            "scan_format": options.scan_format,
            "tamper": options.tamper,
        },
    )
    console.print(f"[bold]Release {spec.name} {version}[/] (local) -> {out}")
    try:
        stages, failure = run_stages(LOCAL_STAGES, context)
    finally:
        _clean_up(context)
    stages.append(Stage("evidence", "passed", 0.0, f"evidence/release-{version}.md"))
    pack = _evidence(context, stages, failure, previous, previous_path, started)
    markdown, html = write_evidence(pack, out / "evidence")
    verdict = "[green]COMPLETE[/]" if pack.complete else f"[red]INCOMPLETE[/] (stopped at {pack.failed_stage})"
    console.print(f"Evidence pack {verdict}: {markdown}")
    return ReleaseOutcome(pack.complete, pack.failed_stage, out, markdown, html, stages)


def _clean_up(context: StageContext) -> None:
    """Stop what the release started, by PID or by its own `down`/`stop` command; never leave servers behind."""
    pid = context.facts.get("service_pid")
    if isinstance(pid, int):
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    env = {**os.environ, "COMPANYOS_WORK_DIR": str(context.work)}
    if context.facts.get("started_obs"):
        subprocess.run(
            [*COMPANYOS, "obs", "down", "--work-dir", str(context.work / "obs")],
            env=env,
            capture_output=True,
            timeout=60,
        )
    if context.facts.get("started_registry"):
        subprocess.run(
            [*COMPANYOS, "registry", "stop", "--data-dir", str(context.work / "registry")],
            env=env,
            capture_output=True,
            timeout=60,
        )


def _relative(path: object, out: Path) -> str:
    return os.path.relpath(Path(str(path)), out / "evidence")


def _evidence(
    context: StageContext,
    stages: list[Stage],
    failure: Exception | None,
    previous: ReleaseRecord | None,
    previous_path: Path | None,
    started: str,
) -> EvidencePack:
    out, facts = context.out, context.facts
    reports = out / "reports"
    tests = None
    if (reports / "junit.xml").exists():
        tests = replace(
            read_junit(reports / "junit.xml", _relative(reports / "junit.xml", out)),
            line_coverage_percent=lcov_line_coverage(reports / "lcov.info"),
            coverage_report=_relative(reports / "lcov.info", out),
        )
    check_report = Path(str(facts.get("check_deploy_report", out / "check-deploy.json")))
    post_deploy = read_check_deploy(check_report) if check_report.exists() else None
    return EvidencePack(
        service=context.service,
        version=context.version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=failure is None,
        failed_stage=next((s.name for s in stages if s.status == "failed"), None),
        error=str(failure) if failure else None,
        stages=stages,
        changes=git_changes(Path(str(facts["service_dir"])), previous, facts.get("image_digest"))  # type: ignore[arg-type]
        if (Path(str(facts["service_dir"])) / ".git").exists()
        else _no_changes(previous, facts),
        tests=tests,
        post_deploy=post_deploy,
        compliance=_compliance(context),
        rollback=rollback_plan(context.service, previous, str(previous_path) if previous_path else None),
        links=_links(context, complete=failure is None),
        dashboard_png=_relative(facts["dashboard_png"], out) if facts.get("dashboard_png") else None,
    )


def _links(context: StageContext, *, complete: bool) -> list[Link]:
    """Only links that resolve: a missing file is left out rather than linked."""
    evidence_dir = context.out / "evidence"
    candidates = [(title, ROOT / path) for title, path in ADRS] + [
        ("SLO document", ROOT / "docs" / "slo" / f"SLO-001-{context.service}.md"),
        ("Runbook", ROOT / "docs" / "runbooks" / f"{context.service}.md"),
        ("Release record", context.out / "release.json"),
        ("SBOM (CycloneDX 1.6)", context.out / "sbom.cdx.json"),
        ("SLSA provenance (signed DSSE envelope)", context.out / "attestations" / "slsaprovenance1.dsse.json"),
        ("Attestation verification", context.out / "attestations-verify.json"),
        ("Gate report", context.out / "gate-report.json"),
        ("Post-deploy check", context.out / "check-deploy.json"),
    ]
    links = [Link(title, os.path.relpath(path, evidence_dir)) for title, path in candidates if path.exists()]
    run_url = ci_run_url()
    if run_url:
        links.append(Link("CI run", run_url))
    return links


def _no_changes(previous: ReleaseRecord | None, facts: dict[str, object]) -> object:
    from companyos.evidence.model import Changes

    digest = facts.get("image_digest")
    return Changes(
        [],
        "",
        "(the service folder is not a git repository)",
        previous.image.digest if previous else None,
        str(digest) if digest else None,
    )


def _compliance(context: StageContext) -> Compliance:
    facts, out = context.facts, context.out
    gate_path = Path(str(facts.get("gate_report", out / "gate-report.json")))
    verdict, rules = read_gate_report(gate_path) if gate_path.exists() else ("not run", [])
    exceptions = read_gate_exceptions(gate_path) if gate_path.exists() else []
    verified, detail, fingerprint = None, "", None
    if Path(str(facts.get("verify_path", "-"))).exists():
        try:
            result = json.loads(Path(str(facts["verify_path"])).read_text())
            verified = bool(result.get("verified"))
            detail = f"{result.get('reason')}: {result.get('detail')}" if not verified else ""
            fingerprint = result.get("key_fingerprint")
        except ValueError:
            verified, detail = False, "unreadable verification result"
    attested, attested_detail = None, ""
    if Path(str(facts.get("attestations_verify_path", "-"))).exists():
        try:
            result = json.loads(Path(str(facts["attestations_verify_path"])).read_text())
            attested = bool(result.get("verified"))
            attested_detail = attestation_detail(result)
        except ValueError:
            attested, attested_detail = False, "unreadable attestation verification result"
    release = facts.get("release")
    scan = {"status": "not run"}
    if Path(str(facts.get("scan_path", "-"))).exists():
        scan = json.loads(Path(str(facts["scan_path"])).read_text())
    sbom = release.sbom if isinstance(release, ReleaseRecord) else None
    return Compliance(
        gate_verdict=verdict,
        rules=rules,
        gate_report=_relative(gate_path, out) if gate_path.exists() else "",
        sbom_digest=sbom.digest if sbom else None,
        sbom_components=sbom.components if sbom else None,
        sbom_location=sbom.location if sbom else None,
        signature_verified=verified,
        signature_detail=detail,
        key_fingerprint=fingerprint,
        scan=scan,
        exceptions=exceptions,
        attestations_verified=attested,
        attestations_detail=attested_detail,
    )

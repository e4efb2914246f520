"""The one way an evidence page is put together, for a CI release (`companyos evidence`, from the run's artifacts)
and a local one (`companyos release --local`, from its release folder): each answer is read from an artefact, and
an artefact that is not there reads as "not run" or "not checked", never as passed."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from companyos.contracts.release_record import ReleaseRecord
from companyos.evidence.model import Changes, Compliance, EvidencePack, Link, Stage, TestSummary
from companyos.evidence.provenance import ci_run_url
from companyos.evidence.sources import (
    attestation_detail,
    lcov_line_coverage,
    read_check_deploy,
    read_gate_exceptions,
    read_gate_report,
    read_junit,
    rollback_plan,
)
from companyos.supply_chain.intoto import PREDICATE_NAMES


@dataclass(frozen=True)
class ReleaseArtefacts:
    """Where one release's artefacts are (None: not produced)."""

    service: str
    version: str
    output: Path
    """The evidence folder; every link is relative to it."""
    stages: list[Stage]
    failure: str | None
    changes: Changes
    record: ReleaseRecord | None = None
    record_vouches: bool = False
    """True when the record was written by `companyos record`, which refuses a signature or an attestation that
    does not verify: the record is then the proof of both. A local release's record is not, its checks' results are."""
    previous: ReleaseRecord | None = None
    previous_path: Path | None = None
    environment: str = "dev"
    junit: Path | None = None
    lcov: Path | None = None
    gate_report: Path | None = None
    gate_not_run: str = "not run"
    """The gate's verdict when there is no gate report (in CI, deploy only runs after the gate job passed)."""
    signature_result: Path | None = None
    """`companyos verify --json` output."""
    attestations_result: Path | None = None
    """`companyos verify-attestations --json` output."""
    scan: Path | None = None
    """`companyos scan ingest` output, read when there is no record (the record carries its scan)."""
    post_deploy: Path | None = None
    dashboard_png: Path | None = None
    links: list[tuple[str, Path]] = field(default_factory=list)
    """Candidate links (title, file); the ones whose file exists are kept."""
    run_url: str | None = None


def assemble(artefacts: ReleaseArtefacts) -> EvidencePack:
    a = artefacts
    return EvidencePack(
        service=a.service,
        version=a.version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=a.failure is None,
        failed_stage=next((s.name for s in a.stages if s.status == "failed"), None),
        error=a.failure,
        stages=a.stages,
        changes=a.changes,
        tests=_tests(a),
        post_deploy=read_check_deploy(a.post_deploy) if a.post_deploy and a.post_deploy.exists() else None,
        compliance=_compliance(a),
        rollback=rollback_plan(a.service, a.previous, str(a.previous_path) if a.previous_path else None, a.environment),
        links=_links(a),
        dashboard_png=_relative(a.dashboard_png, a.output) if _exists(a.dashboard_png) else None,
    )


def _exists(path: Path | None) -> bool:
    return path is not None and path.exists()


def _relative(path: Path | None, output: Path) -> str:
    return os.path.relpath(Path(str(path)).resolve(), output.resolve())


def _tests(a: ReleaseArtefacts) -> TestSummary | None:
    if a.junit is None or not a.junit.exists():
        return None
    tests = read_junit(a.junit, _relative(a.junit, a.output))
    if _exists(a.lcov):
        tests = replace(
            tests,
            line_coverage_percent=lcov_line_coverage(Path(str(a.lcov))),
            coverage_report=_relative(a.lcov, a.output),
        )
    return tests


def _read_result(path: Path | None) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {"verified": False, "reason": "unreadable", "detail": f"{path.name} is not JSON"}
    return result if isinstance(result, dict) else {"verified": False, "reason": "unreadable", "detail": path.name}


def _signature(a: ReleaseArtefacts) -> tuple[bool | None, str, str | None]:
    result = _read_result(a.signature_result)
    if result is not None:
        verified = bool(result.get("verified"))
        detail = "" if verified else f"{result.get('reason')}: {result.get('detail')}"
        return verified, detail, result.get("key_fingerprint")
    if a.record_vouches and a.record is not None:
        signature = a.record.signature
        return (
            signature is not None,
            "" if signature else "no signature in the record",
            (signature.key_fingerprint if signature else None),
        )
    return None, "", None


def _attestations(a: ReleaseArtefacts) -> tuple[bool | None, str]:
    result = _read_result(a.attestations_result)
    if result is not None:
        return bool(result.get("verified")), attestation_detail(result)
    if a.record_vouches and a.record is not None:
        kinds = [PREDICATE_NAMES.get(x.predicate_type, x.predicate_type) for x in a.record.attestations]
        return bool(kinds), ", ".join(kinds) or "no attestations in the record"
    return None, ""


def _compliance(a: ReleaseArtefacts) -> Compliance:
    gate = a.gate_report if _exists(a.gate_report) else None
    verdict, rules = read_gate_report(gate) if gate else (a.gate_not_run, [])
    signature_verified, signature_detail, fingerprint = _signature(a)
    attested, attested_detail = _attestations(a)
    if a.record is not None:
        scan: dict[str, Any] = asdict(a.record.scan)
    elif _exists(a.scan):
        scan = json.loads(Path(str(a.scan)).read_text(encoding="utf-8"))
    else:
        scan = {"status": "not run"}
    sbom = a.record.sbom if a.record else None
    return Compliance(
        gate_verdict=verdict,
        rules=rules,
        gate_report=_relative(gate, a.output) if gate else "",
        sbom_digest=sbom.digest if sbom else None,
        sbom_components=sbom.components if sbom else None,
        sbom_location=sbom.location if sbom else None,
        signature_verified=signature_verified,
        signature_detail=signature_detail,
        key_fingerprint=fingerprint,
        scan=scan,
        exceptions=read_gate_exceptions(gate) if gate else [],
        attestations_verified=attested,
        attestations_detail=attested_detail,
    )


def _links(a: ReleaseArtefacts) -> list[Link]:
    """Only links that resolve: a missing file is left out rather than linked."""
    links = [Link(title, _relative(path, a.output)) for title, path in a.links if path.exists()]
    run_url = a.run_url or ci_run_url()
    if run_url:
        links.append(Link("CI run", run_url))
    return links

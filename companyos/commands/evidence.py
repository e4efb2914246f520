"""`companyos evidence SERVICE --artifacts DIR`: the evidence page of a CI release, from the artifacts the
workflow's jobs uploaded (release record, JUnit report, gate report when present, post-deploy check)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click

from companyos.contracts.release_record import load_release_record
from companyos.evidence.model import Changes, Compliance, EvidencePack, Link, Stage
from companyos.evidence.provenance import ci_run_url
from companyos.evidence.render import write_evidence
from companyos.evidence.sources import (
    read_check_deploy,
    read_gate_exceptions,
    read_gate_report,
    read_junit,
    rollback_plan,
)
from companyos.supply_chain.intoto import PREDICATE_NAMES

# Where actions/download-artifact puts each job's upload (one folder per artifact name, ci_workflow/workflow.py).
RELEASE = "release-record/release.json"
JUNIT = "test-report/junit.xml"
GATE = "policy-gate/gate-report.json"


@click.command("evidence")
@click.argument("service")
@click.option(
    "--artifacts",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder holding the run's downloaded artifacts (one sub-folder per artifact).",
)
@click.option("--post-deploy", type=click.Path(dir_okay=False, path_type=Path), help="`check-deploy --json` output.")
@click.option(
    "--previous",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The previous release record (for the image change and the rollback commands).",
)
@click.option("--run-url", default=None, help="This CI run (default: from GITHUB_* variables).")
@click.option("--environment", default="dev", show_default=True)
@click.option("--output", required=True, type=click.Path(file_okay=False, path_type=Path))
def command(
    service: str,
    artifacts: Path,
    post_deploy: Path | None,
    previous: Path | None,
    run_url: str | None,
    environment: str,
    output: Path,
) -> None:
    """Write release-<version>.md/.html into OUTPUT from a CI run's artifacts."""
    record = load_release_record(artifacts / RELEASE)
    before = load_release_record(previous) if previous else None
    junit = artifacts / JUNIT
    gate_path = artifacts / GATE
    # In CI the gate is `pulumi preview --policy-pack` in the policy-gate job; deploy (and so this job) only
    # runs after it passed. A gate report file is used when the job also uploaded one.
    verdict, rules = read_gate_report(gate_path) if gate_path.exists() else ("passed (job policy-gate)", [])
    checked = post_deploy is not None and post_deploy.exists()
    pack = EvidencePack(
        service=service,
        version=record.version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        complete=checked,
        failed_stage=None if checked else "post-deploy",
        error=None if checked else "no post-deploy check report",
        stages=[Stage(name, "passed") for name in ("build", "test", "sbom", "sign", "policy-gate", "deploy")]
        + [Stage("post-deploy", "passed" if checked else "failed")],
        changes=Changes(
            [],
            "",
            f"commit `{record.git_commit[:12]}` (see the CI run for its diff)",
            before.image.digest if before else None,
            record.image.digest,
        ),
        tests=read_junit(junit, f"{_rel(junit, output)}") if junit.exists() else None,
        post_deploy=read_check_deploy(post_deploy) if post_deploy is not None and checked else None,
        compliance=Compliance(
            gate_verdict=verdict,
            rules=rules,
            gate_report=_rel(gate_path, output) if gate_path.exists() else "",
            sbom_digest=record.sbom.digest if record.sbom else None,
            sbom_components=record.sbom.components if record.sbom else None,
            sbom_location=record.sbom.location if record.sbom else None,
            # `companyos record` refuses a release whose signature does not verify under the trusted key.
            signature_verified=record.signature is not None,
            signature_detail="no signature in the record",
            key_fingerprint=record.signature.key_fingerprint if record.signature else None,
            scan=asdict(record.scan),
            exceptions=read_gate_exceptions(gate_path) if gate_path.exists() else [],
            # `companyos record --attestations` refuses envelopes that do not verify for this record.
            attestations_verified=bool(record.attestations),
            attestations_detail=", ".join(
                PREDICATE_NAMES.get(a.predicate_type, a.predicate_type) for a in record.attestations
            )
            or "no attestations in the record",
        ),
        rollback=rollback_plan(service, before, str(previous) if previous else None, environment),
        links=[Link("CI run", url) for url in [run_url or ci_run_url()] if url]
        + [Link("Release record", _rel(artifacts / RELEASE, output))],
    )
    markdown, html = write_evidence(pack, output)
    click.echo(f"evidence: {markdown} and {html}")


def _rel(path: Path, output: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), output.resolve())

"""`companyos evidence SERVICE --artifacts DIR`: the evidence page of a CI release, from the artifacts the
workflow's jobs uploaded (release record, JUnit report, gate report when present, post-deploy check)."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.ci_workflow.artifact_paths import (
    JUNIT_REPORT,
    RELEASE_RECORD,
    RELEASE_RECORD_ARTIFACT,
    TEST_REPORT_ARTIFACT,
)
from companyos.contracts.release_record import load_release_record
from companyos.evidence.assemble import ReleaseArtefacts, assemble
from companyos.evidence.model import Changes, Stage
from companyos.evidence.render import write_evidence

# Where actions/download-artifact puts each job's upload: one folder per artifact name, the files as uploaded.
RELEASE = f"{RELEASE_RECORD_ARTIFACT}/{Path(RELEASE_RECORD).name}"
JUNIT = f"{TEST_REPORT_ARTIFACT}/{Path(JUNIT_REPORT).name}"
GATE = "policy-gate/gate-report.json"
CI_STAGES = ("build", "test", "sbom", "sign", "policy-gate", "deploy")


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
@click.option(
    "--out",
    "--output",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for release-<version>.md and .html (`--output` is its old name).",
)
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
    checked = post_deploy is not None and post_deploy.exists()
    pack = assemble(
        ReleaseArtefacts(
            service=service,
            version=record.version,
            output=output,
            stages=[Stage(name, "passed") for name in CI_STAGES]
            + [Stage("post-deploy", "passed" if checked else "failed")],
            failure=None if checked else "no post-deploy check report",
            changes=Changes(
                [],
                "",
                f"commit `{record.git_commit[:12]}` (see the CI run for its diff)",
                before.image.digest if before else None,
                record.image.digest,
            ),
            record=record,
            record_vouches=True,
            previous=before,
            previous_path=previous,
            environment=environment,
            junit=artifacts / JUNIT,
            gate_report=artifacts / GATE,
            # In CI the gate is `pulumi preview --policy-pack` in the policy-gate job; deploy (and so this job) only
            # runs after it passed. A gate report file is used when the job also uploaded one.
            gate_not_run="passed (job policy-gate)",
            post_deploy=post_deploy if checked else None,
            links=[("Release record", artifacts / RELEASE)],
            run_url=run_url,
        )
    )
    markdown, html = write_evidence(pack, output)
    click.echo(f"evidence: {markdown} and {html}")

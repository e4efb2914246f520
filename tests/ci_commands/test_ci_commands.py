"""The commands the service's CI workflow calls exist and do their job: every `companyos` line of the
generated workflow parses against the real CLI; sbom-merge and record work on CI-shaped inputs."""

from __future__ import annotations

import base64
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from companyos.catalog import ServiceSpec
from companyos.ci_workflow import render_ci_workflow
from companyos.contracts.release_record import load_release_record
from companyos.release.stages import LOCAL_STAGES
from companyos.supply_chain import sign_payload, simple_signing_payload
from companyos.supply_chain.sbom import find_orphans
from tests.conftest import REPO_ROOT, digest_of
from tests.supply_chain_e2e.test_sbom_merge import app_sbom, image_sbom

FIXTURES = REPO_ROOT / "tests" / "supply_chain_e2e" / "fixtures"
SPEC = ServiceSpec(name="hello-prod", owner="team-platform", risk="medium", data_classification="internal")
WORKFLOW = yaml.safe_load(render_ci_workflow(SPEC))


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "companyos.cli", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


def workflow_commands() -> list[tuple[str, str]]:
    found = []
    for job_name, job in WORKFLOW["jobs"].items():
        for step in job["steps"]:
            script = re.sub(r"\\\n\s*", " ", step.get("run", ""))
            found += [(job_name, line.strip()) for line in script.splitlines() if line.strip().startswith("companyos ")]
    return found


@pytest.mark.parametrize("job, line", workflow_commands(), ids=lambda v: v if isinstance(v, str) else None)
def test_every_companyos_command_in_the_workflow_exists_with_its_options(job, line) -> None:
    argv = [re.sub(r"\$\{?[A-Za-z_:0-9]+\}?", "x", arg) for arg in shlex.split(line)[1:]]
    done = cli(*argv, "--help")  # click parses every option before --help: a wrong flag still fails
    assert done.returncode == 0, f"job {job}: {line}\n{done.stderr}"


# Where CI runs a vendor tool instead of the local command, the equivalent it must run (same job).
CI_EQUIVALENT = {
    "build": "docker/build-push-action",
    "sign": "cosign sign --yes --key",
    "verify": "cosign verify --key",
    "attest": "cosign attest --yes --key",  # the same DSSE/in-toto format and `.att` layout (attestation tests)
    "verify-attestations": "cosign verify-attestation --key",
    "scan": "anchore/scan-action",
    "sbom": "companyos sbom-merge",  # CI's tools write the two SBOMs, the same merge code joins them
    "preview": "platform/policypacks/paved-road",  # policyPacks of the real `pulumi preview`: the same pack
}


@pytest.mark.parametrize("stage", [s for s in LOCAL_STAGES if s.ci_job], ids=lambda s: s.name)
def test_each_local_release_stage_has_its_counterpart_in_the_workflow_job_it_names(stage) -> None:
    job = WORKFLOW["jobs"][stage.ci_job]
    text = yaml.safe_dump(job, width=10_000)
    if not stage.command.startswith("companyos "):
        assert job["steps"], stage.name
        return
    sub = stage.command.split()[1]
    expected = CI_EQUIVALENT.get(sub, f"companyos {sub}")
    assert expected in text, f"stage {stage.name}: job {stage.ci_job} does not run `{expected}`"


def test_sbom_merge_merges_ci_tool_outputs_with_zero_orphans(tmp_path: Path) -> None:
    (tmp_path / "app.json").write_text(json.dumps(app_sbom()))
    (tmp_path / "image.json").write_text(json.dumps(image_sbom()))
    out = tmp_path / "sbom.cdx.json"
    done = cli(
        "sbom-merge",
        str(tmp_path / "app.json"),
        str(tmp_path / "image.json"),
        "--out",
        str(out),
        "--image",
        "ghcr.io/acme/hello-prod@" + digest_of("img"),
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text())
    assert document["specVersion"] == "1.6" and find_orphans(document) == []
    (tmp_path / "bad.json").write_text('{"bomFormat": "SPDX"}')
    refused = cli("sbom-merge", str(tmp_path / "bad.json"), str(tmp_path / "image.json"), "--out", str(tmp_path / "x"))
    assert refused.returncode == 2 and "not a CycloneDX JSON document" in refused.stderr
    assert not (tmp_path / "x").exists()


def test_record_keeps_the_cosign_signature_that_verifies_and_refuses_an_unsigned_image(tmp_path: Path, signer) -> None:
    repository, digest = "ghcr.io/acme/hello-prod", digest_of("hello-prod:1")
    payload = simple_signing_payload(repository, digest)
    other = simple_signing_payload(repository, digest_of("other"))
    lines = [
        {"Base64Signature": sign_payload(signer.private_key, other), "Payload": base64.b64encode(other).decode()},
        {"Base64Signature": sign_payload(signer.private_key, payload), "Payload": base64.b64encode(payload).decode()},
    ]
    (tmp_path / "signatures.json").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    (tmp_path / "cosign.pub").write_bytes(signer.public_pem)
    out = tmp_path / "release.json"
    done = cli(
        "record",
        "hello-prod",
        "--image",
        f"{repository}@{digest}",
        "--version",
        "1.0.0",
        "--git-commit",
        "a" * 40,
        "--signatures",
        str(tmp_path / "signatures.json"),
        "--key",
        str(tmp_path / "cosign.pub"),
        "--scan",
        str(FIXTURES / "grype-v5.json"),
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    record = load_release_record(out)
    assert record.signature.payload_b64 == lines[1]["Payload"] and record.scan.status == "scanned"
    (tmp_path / "signatures.json").write_text(json.dumps(lines[0]) + "\n")
    refused = cli(
        "record",
        "hello-prod",
        "--image",
        f"{repository}@{digest}",
        "--version",
        "1.0.0",
        "--signatures",
        str(tmp_path / "signatures.json"),
        "--key",
        str(tmp_path / "cosign.pub"),
        "--out",
        str(tmp_path / "r2.json"),
    )
    assert refused.returncode == 2 and "none of its 1 signature(s) verifies" in refused.stderr
    assert not (tmp_path / "r2.json").exists()


def test_evidence_builds_the_page_from_a_ci_runs_artifacts(tmp_path: Path, signer) -> None:
    from companyos.contracts.release_record import write_release_record

    artifacts = tmp_path / "artifacts"
    write_release_record(signer.release("hello-prod", version="abc123"), artifacts / "release-record" / "release.json")
    (artifacts / "test-report").mkdir(parents=True)
    (artifacts / "test-report" / "junit.xml").write_text(
        '<testsuites><testsuite name="s"><testcase name="a"/><testcase name="b"/></testsuite></testsuites>'
    )
    post_deploy = tmp_path / "post-deploy.json"
    post_deploy.write_text(
        json.dumps(
            {
                "verdict": "healthy",
                "probes": [{"method": "GET", "path": "/healthz", "status": "pass", "latency_ms_p50": 2.0}],
                "checks": [{"name": "error-ratio", "status": "pass", "detail": "0%"}],
            }
        )
    )
    out = tmp_path / "evidence"
    done = cli(
        "evidence",
        "hello-prod",
        "--artifacts",
        str(artifacts),
        "--post-deploy",
        str(post_deploy),
        "--run-url",
        "https://github.com/acme/hello-prod/actions/runs/1",
        "--output",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    text = (out / "release-abc123.md").read_text()
    assert "**Status: COMPLETE**" in text and "**2/2 passed**" in text and "Post-deploy check: **healthy**" in text
    assert "Policy gate: **passed (job policy-gate)**" in text and "**verified** with key" in text
    assert "- Attestations: **verified**: SBOM, vulnerability scan, SLSA provenance" in text
    assert "(https://github.com/acme/hello-prod/actions/runs/1)" in text
    missing = cli("evidence", "hello-prod", "--artifacts", str(artifacts), "--output", str(tmp_path / "e2"))
    assert missing.returncode == 0
    assert "stopped at stage `post-deploy`" in (tmp_path / "e2" / "release-abc123.md").read_text()

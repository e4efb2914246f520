"""What each job of the rendered workflow does, step by step: build by digest, the test report, SBOM and scan,
sign and attest, the policy gate, deploy and post-deploy; its shell steps run under bash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from companyos.catalog import ServiceSpec
from companyos.catalog.service_metadata import render_service_yaml
from companyos.ci_workflow import DIGEST_GUARD, render_ci_workflow

from .conftest import SAMPLE, one_step, step_index


def test_build_pushes_by_digest_and_hands_the_digest_on(workflow) -> None:
    build = workflow["jobs"]["build"]
    push = one_step(workflow, "build", uses="docker/build-push-action")
    assert "push-by-digest=true" in push["with"]["outputs"]
    assert build["outputs"] == {"digest": "${{ steps.push.outputs.digest }}"}
    login = one_step(workflow, "build", uses="docker/login-action")
    assert login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    runs = [step.get("run") for step in build["steps"]]
    assert runs.index("npm ci") < runs.index("npm run build") < step_index(workflow, "build", push)


def test_test_job_writes_a_junit_report_and_uploads_it_even_when_tests_fail(workflow) -> None:
    test = one_step(workflow, "test", name_contains="Test (JUnit")
    assert "npm test" in test["run"]
    assert "--test-reporter=junit --test-reporter-destination=out/test/junit.xml" in test["env"]["NODE_OPTIONS"]
    upload = one_step(workflow, "test", uses="actions/upload-artifact")
    assert upload["if"] == "${{ !cancelled() }}"
    lint = one_step(workflow, "test", name_contains="Lint")
    assert lint["run"] == "npm run lint"
    assert (
        step_index(workflow, "test", test) < step_index(workflow, "test", lint) < step_index(workflow, "test", upload)
    )
    assert upload["with"] == {"name": "test-report", "path": "out/test/", "if-no-files-found": "error"}


def test_sbom_job_uses_exact_tool_versions_and_the_scan_fails_the_build(workflow) -> None:
    app = one_step(workflow, "sbom", name_contains="App SBOM")
    assert "npx --yes @cyclonedx/cyclonedx-npm@6.0.1 " in app["run"]
    image = one_step(workflow, "sbom", uses="anchore/sbom-action")
    assert image["with"]["image"] == "${{ env.IMAGE_REPOSITORY }}@${{ needs.build.outputs.digest }}"
    assert image["with"]["format"] == "cyclonedx-json"
    merge = one_step(workflow, "sbom", name_contains="Merge")
    assert "companyos sbom-merge" in merge["run"]
    scan = one_step(workflow, "sbom", uses="anchore/scan-action")
    assert scan["with"]["fail-build"] is True
    assert scan["with"]["sbom"] == "out/sbom/sbom.cdx.json"
    assert scan["with"]["output-format"] == "json"
    uploads = {
        step["with"]["name"]
        for step in workflow["jobs"]["sbom"]["steps"]
        if step.get("uses", "").startswith("actions/upload-artifact@")
    }
    assert uploads == {"sbom", "vulnerability-scan"}


@pytest.mark.parametrize(("risk", "cutoff"), [("low", "critical"), ("medium", "high"), ("high", "medium")])
def test_the_vulnerability_cutoff_tightens_with_the_service_risk(risk: str, cutoff: str) -> None:
    spec = ServiceSpec(name="svc", owner="team-a", risk=risk, data_classification="internal")
    scan = one_step(yaml.safe_load(render_ci_workflow(spec)), "sbom", uses="anchore/scan-action")
    assert scan["with"]["severity-cutoff"] == cutoff


def test_sign_signs_the_digest_with_the_secret_key_then_verifies_it_with_the_public_key(workflow) -> None:
    sign = one_step(workflow, "sign", name_contains="Sign the image")
    assert 'cosign sign --yes --key env://COSIGN_PRIVATE_KEY "$IMAGE_REPOSITORY@$IMAGE_DIGEST"' in sign["run"]
    assert "cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type cyclonedx" in sign["run"]
    assert sign["env"] == {
        "IMAGE_DIGEST": "${{ needs.build.outputs.digest }}",
        "COSIGN_PRIVATE_KEY": "${{ secrets.COSIGN_PRIVATE_KEY }}",
        "COSIGN_PASSWORD": "${{ secrets.COSIGN_PASSWORD }}",
    }
    verify = one_step(workflow, "sign", name_contains="Verify")
    assert 'cosign verify --key env://COSIGN_PUBLIC_KEY "$IMAGE_REPOSITORY@$IMAGE_DIGEST"' in verify["run"]
    assert step_index(workflow, "sign", sign) < step_index(workflow, "sign", verify)


@pytest.mark.parametrize(
    ("cosign_type", "predicate"),
    [
        ("cyclonedx", "out/sbom/sbom.cdx.json"),
        ("vuln", "out/sign/vuln.json"),
        ("slsaprovenance1", "out/sign/provenance.json"),
    ],
)
def test_sign_attests_the_sbom_the_scan_and_the_provenance_and_verifies_each(
    workflow, cosign_type: str, predicate: str
) -> None:
    sign = one_step(workflow, "sign", name_contains="Sign the image")
    assert (
        f"cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type {cosign_type} --predicate {predicate} "
        '"$IMAGE_REPOSITORY@$IMAGE_DIGEST"'
    ) in sign["run"]
    verify = one_step(workflow, "sign", name_contains="Verify")
    assert f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {cosign_type} " in verify["run"]
    deploy = one_step(workflow, "deploy", name_contains="Refuse an image")
    assert f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {cosign_type} " in deploy["run"]


def test_the_provenance_names_the_commit_the_workflow_and_the_run_from_runner_variables_only(workflow) -> None:
    predicates = one_step(workflow, "sign", name_contains="predicates")
    run = predicates["run"]
    assert "companyos predicate vuln out/scan/grype.json --format grype --out out/sign/vuln.json" in run
    for flag in (
        '--git-commit "$GITHUB_SHA"',
        '--builder-id "$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF"',
        '--source-uri "git+$GITHUB_SERVER_URL/$GITHUB_REPOSITORY@$GITHUB_REF"',
    ):
        assert flag in run
    assert "${{" not in run and "env" not in predicates
    # The service checkout (Dockerfile's pinned base, lockfile) comes before the predicates that read it.
    checkout = one_step(workflow, "sign", name_contains="Check out the service")
    assert step_index(workflow, "sign", checkout) < step_index(workflow, "sign", predicates)
    sign = one_step(workflow, "sign", name_contains="Sign the image")
    assert step_index(workflow, "sign", predicates) < step_index(workflow, "sign", sign)


def test_the_release_record_carries_the_downloaded_attestations(workflow) -> None:
    verify = one_step(workflow, "sign", name_contains="Verify")
    assert (
        'cosign download attestation "$IMAGE_REPOSITORY@$IMAGE_DIGEST" > out/sign/attestations.jsonl' in verify["run"]
    )
    record = one_step(workflow, "sign", name_contains="release record")
    assert "--attestations out/sign/attestations.jsonl" in record["run"]


@pytest.mark.parametrize("command", ["preview", "up"])
def test_pulumi_runs_the_paved_road_policy_pack_against_the_dev_stack_from_the_platform_checkout(
    workflow, command: str
) -> None:
    job = "policy-gate" if command == "preview" else "deploy"
    pulumi = one_step(workflow, job, uses="pulumi/actions")
    settings = pulumi["with"]
    assert settings["command"] == command
    assert settings["stack-name"] == "hello-prod-dev"
    assert settings["work-dir"] == "platform"
    assert settings["policyPacks"].endswith("/platform/policypacks/paved-road")
    assert settings["policyPackConfigs"].endswith("/out/policy/config.json")
    config = yaml.safe_load(settings["config-map"])
    assert config["paved-road:service"] == {"value": "hello-prod", "secret": False}
    assert config["paved-road:releaseRecord"]["value"].endswith("/out/release/release.json")
    assert set(pulumi["env"]) == {"PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}
    platform = one_step(workflow, job, name_contains="Check out the platform")
    assert platform["with"]["repository"] == "${{ vars.PLATFORM_REPO }}"
    assert platform["with"]["path"] == "platform"
    assert step_index(workflow, job, platform) < step_index(workflow, job, pulumi)


def test_deploy_refuses_an_image_that_does_not_verify_before_pulumi_up(workflow) -> None:
    verify = one_step(workflow, "deploy", name_contains="Refuse an image")
    assert 'cosign verify --key env://COSIGN_PUBLIC_KEY "$IMAGE_REPOSITORY@$IMAGE_DIGEST"' in verify["run"]
    assert "jq -e" in verify["run"]  # the record being deployed names the digest that verified
    up = one_step(workflow, "deploy", uses="pulumi/actions")
    assert step_index(workflow, "deploy", verify) < step_index(workflow, "deploy", up)


def test_post_deploy_checks_the_release_and_uploads_the_evidence_pack(workflow) -> None:
    check = one_step(workflow, "post-deploy", name_contains="Post-deploy checks")
    assert check["run"].startswith(
        'companyos check-deploy --url "$SERVICE_URL" --prometheus "$PROMETHEUS_URL" --service "$SERVICE_NAME" --json '
    )
    assert check["env"] == {"SERVICE_URL": "${{ vars.SERVICE_URL }}", "PROMETHEUS_URL": "${{ vars.PROMETHEUS_URL }}"}
    evidence = one_step(workflow, "post-deploy", name_contains="Evidence pack")
    assert evidence["run"].startswith("companyos evidence ")
    upload = one_step(workflow, "post-deploy", uses="actions/upload-artifact")
    assert upload["with"] == {"name": "evidence-pack", "path": "out/evidence/", "if-no-files-found": "error"}
    assert upload["if"] == "${{ !cancelled() }}"


def _bash(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # The venv's python first on PATH: it stands in for the companyos virtualenv the workflow puts there.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={"PATH": path, **env},
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("digest", "accepted"),
    [
        ("sha256:" + "0123456789abcdef" * 4, True),
        ("sha256:" + "0123456789ABCDEF" * 4, False),
        ("sha256:abc", False),
        ("", False),
        ('sha256:$(touch pwned)', False),
    ],
)
def test_the_digest_guard_passes_only_a_sha256_digest(tmp_path: Path, digest: str, accepted: bool) -> None:
    result = _bash(DIGEST_GUARD, {"IMAGE_DIGEST": digest}, tmp_path)
    assert (result.returncode == 0) is accepted, result.stdout + result.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("env", "service_yaml", "expected"),
    [
        (
            {
                "EVENT_NAME": "pull_request",
                "PR_NUMBER": "7",
                "PR_LABELS": json.dumps(["bug", "risk:high", "data-classification:confidential"]),
            },
            None,
            {"labels": ["data-classification:confidential", "risk:high"], "source": "pull request #7 labels"},
        ),
        (
            {"EVENT_NAME": "pull_request", "PR_NUMBER": "8", "PR_LABELS": "[]"},
            None,
            {"labels": [], "source": "pull request #8 labels"},
        ),
        (
            {"EVENT_NAME": "push", "PR_NUMBER": "", "PR_LABELS": "null"},
            "name: hello-prod\nrisk: medium\ndata_classification: internal\n",
            {"labels": ["data-classification:internal", "risk:medium"], "source": "service.yaml"},
        ),
        (
            {"EVENT_NAME": "push", "PR_NUMBER": "", "PR_LABELS": "null"},
            render_service_yaml(SAMPLE),
            {"labels": ["data-classification:internal", "risk:medium"], "source": "service.yaml"},
        ),
        (
            {"EVENT_NAME": "push", "PR_NUMBER": "", "PR_LABELS": "null"},
            "name: hello-prod\n",
            {"labels": [], "source": "service.yaml"},
        ),
    ],
)
def test_the_policy_config_step_writes_the_labels_the_gate_checks(
    workflow, tmp_path: Path, env, service_yaml, expected
) -> None:
    if service_yaml is not None:
        (tmp_path / "service.yaml").write_text(service_yaml, encoding="utf-8")
    script = one_step(workflow, "policy-gate", name_contains="policy config")["run"]
    result = _bash(script, env, tmp_path)
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "out/policy/config.json").read_text(encoding="utf-8"))
    assert written == {"pull-request-governance-labels": expected}


def test_the_policy_config_step_fails_on_push_without_service_yaml(workflow, tmp_path: Path) -> None:
    script = one_step(workflow, "policy-gate", name_contains="policy config")["run"]
    result = _bash(script, {"EVENT_NAME": "push", "PR_NUMBER": "", "PR_LABELS": "null"}, tmp_path)
    assert result.returncode != 0
    assert "service.yaml" in result.stderr

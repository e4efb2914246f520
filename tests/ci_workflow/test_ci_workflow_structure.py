"""The rendered workflow keeps its contract: job names, order, pins, permissions, and fail-closed gates."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from companyos.catalog import ServiceSpec
from companyos.catalog.service_metadata import render_service_yaml
from companyos.ci_workflow import (
    DIGEST_GUARD,
    JOB_NAMES,
    REQUIRED_STATUS_CHECKS,
    load_pins,
    render_ci_workflow,
    unpinned_uses,
)
from companyos.contracts.errors import UserError

from .conftest import SAMPLE, all_steps


def _step(workflow: dict[str, Any], job: str, *, uses: str = "", name_contains: str = "") -> dict[str, Any]:
    matches = [
        step
        for step in workflow["jobs"][job]["steps"]
        if (uses and str(step.get("uses", "")).startswith(uses + "@"))
        or (name_contains and name_contains in step.get("name", ""))
    ]
    assert len(matches) == 1, f"{job}: expected one step matching uses={uses!r} name~{name_contains!r}, got {matches}"
    return matches[0]


def _index(workflow: dict[str, Any], job: str, step: dict[str, Any]) -> int:
    return workflow["jobs"][job]["steps"].index(step)


def test_the_required_status_checks_are_the_five_gating_jobs() -> None:
    assert REQUIRED_STATUS_CHECKS == ("build", "test", "sbom", "sign", "policy-gate")


def test_the_workflow_declares_exactly_the_contract_job_names_and_reports_them_as_its_checks(workflow) -> None:
    assert list(workflow["jobs"]) == list(JOB_NAMES)
    # Branch protection matches the check name, which is the job's `name:` when it has one.
    assert {job_id: job["name"] for job_id, job in workflow["jobs"].items()} == {name: name for name in JOB_NAMES}


@pytest.mark.parametrize(
    ("job", "needs"),
    [
        ("build", set()),
        ("test", set()),
        ("sbom", {"build"}),
        ("sign", {"build", "sbom"}),
        ("policy-gate", {"build", "sbom", "sign"}),
        ("deploy", {"build", "policy-gate", "test"}),
        ("post-deploy", {"deploy"}),
    ],
)
def test_each_job_waits_for_exactly_the_jobs_it_needs(workflow, job: str, needs: set[str]) -> None:
    assert set(workflow["jobs"][job].get("needs", [])) == needs


def test_deploy_is_downstream_of_every_gating_check(workflow) -> None:
    def ancestors(job: str) -> set[str]:
        direct = set(workflow["jobs"][job].get("needs", []))
        return direct.union(*(ancestors(parent) for parent in direct))

    assert ancestors("deploy") == set(REQUIRED_STATUS_CHECKS)
    assert ancestors("post-deploy") == {*REQUIRED_STATUS_CHECKS, "deploy"}


def test_it_runs_on_prs_and_their_label_changes_and_on_pushes_to_main_and_never_cancels_a_deploy(workflow) -> None:
    assert workflow["on"] == {
        "pull_request": {"branches": ["main"], "types": ["opened", "synchronize", "reopened", "labeled", "unlabeled"]},
        "push": {"branches": ["main"]},
    }
    assert workflow["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert workflow["jobs"]["deploy"]["concurrency"] == {"group": "deploy-hello-prod-dev", "cancel-in-progress": False}


def test_every_uses_is_pinned_to_a_commit_with_the_release_tag_beside_it(rendered) -> None:
    pins = load_pins()
    tags = {pin.uses: pin.tag for pin in pins.actions.values()}
    uses_lines = re.findall(r"^\s*(?:- )?uses: (.*)$", rendered, re.MULTILINE)
    assert len(uses_lines) > 20
    assert unpinned_uses(rendered) == []
    for line in uses_lines:
        ref, _, comment = line.partition(" # ")
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), line
        assert comment == tags[ref], f"{ref} is {tags[ref]} in the pins file but the comment says {comment!r}"


def test_the_pins_file_holds_exactly_the_actions_the_workflow_uses(workflow) -> None:
    used = {step["uses"].split("@")[0] for _, step in all_steps(workflow) if "uses" in step}
    assert used == set(load_pins().actions)


@pytest.mark.parametrize(
    ("uses", "pinned"),
    [
        ("actions/checkout@v4", False),
        ("actions/checkout@main", False),
        ("actions/checkout@11bd719", False),
        ("actions/checkout@11BD71901BBE5B1630CEEA73D27597364C9AF683", False),
        ("actions/checkout", False),
        ("docker://alpine:3.20", False),
        ("github/codeql-action/init@11bd71901bbe5b1630ceea73d27597364c9af683", True),
        ("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", True),
        ("docker://alpine@sha256:" + "a" * 64, True),
        ("./.github/actions/local", True),
    ],
)
def test_unpinned_uses_flags_tags_branches_and_short_shas(uses: str, pinned: bool) -> None:
    text = yaml.safe_dump({"jobs": {"one": {"runs-on": "x", "steps": [{"uses": uses}]}, "two": {"uses": uses}}})
    assert unpinned_uses(text) == ([] if pinned else [uses, uses])


def test_no_job_or_step_may_continue_on_error(workflow) -> None:
    assert [job_id for job_id, job in workflow["jobs"].items() if "continue-on-error" in job] == []
    assert [(job_id, step.get("name")) for job_id, step in all_steps(workflow) if "continue-on-error" in step] == []


@pytest.mark.parametrize(
    ("job", "permissions"),
    [
        ("build", {"contents": "read", "packages": "write"}),
        ("test", {"contents": "read"}),
        ("sbom", {"contents": "read", "packages": "read"}),
        ("sign", {"contents": "read", "packages": "write"}),
        ("policy-gate", {"contents": "read", "pull-requests": "read"}),
        ("deploy", {"packages": "read"}),
        ("post-deploy", {}),
    ],
)
def test_each_job_gets_only_the_token_permissions_it_uses(workflow, job: str, permissions: dict[str, str]) -> None:
    assert workflow["jobs"][job]["permissions"] == permissions


def test_the_workflow_grants_nothing_by_default_and_no_job_mints_oidc_tokens(workflow, rendered) -> None:
    assert workflow["permissions"] == {}
    assert "id-token" not in rendered


def test_every_job_has_a_timeout_and_a_fixed_runner(workflow) -> None:
    for job_id, job in workflow["jobs"].items():
        assert 5 <= job["timeout-minutes"] <= 30, job_id
        assert job["runs-on"] == "ubuntu-24.04", job_id


def test_no_checkout_leaves_the_token_in_git_config(workflow) -> None:
    checkouts = [
        (job_id, step) for job_id, step in all_steps(workflow) if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert len(checkouts) >= 7
    assert [job_id for job_id, step in checkouts if step["with"].get("persist-credentials") is not False] == []


def test_no_run_script_expands_an_expression_so_event_data_only_arrives_through_env(workflow) -> None:
    offenders = [
        (job_id, step["name"]) for job_id, step in all_steps(workflow) if "run" in step and "${{" in step["run"]
    ]
    assert offenders == []


def test_the_job_that_publishes_the_image_uses_no_dependency_cache(workflow) -> None:
    setup = _step(workflow, "build", uses="actions/setup-node")
    assert setup["with"] == {"node-version": "20", "package-manager-cache": False}


def test_build_pushes_by_digest_and_hands_the_digest_on(workflow) -> None:
    build = workflow["jobs"]["build"]
    push = _step(workflow, "build", uses="docker/build-push-action")
    assert "push-by-digest=true" in push["with"]["outputs"]
    assert build["outputs"] == {"digest": "${{ steps.push.outputs.digest }}"}
    login = _step(workflow, "build", uses="docker/login-action")
    assert login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    runs = [step.get("run") for step in build["steps"]]
    assert runs.index("npm ci") < runs.index("npm run build") < _index(workflow, "build", push)


def test_test_job_writes_a_junit_report_and_uploads_it_even_when_tests_fail(workflow) -> None:
    test = _step(workflow, "test", name_contains="Test (JUnit")
    assert "npm test" in test["run"]
    assert "--test-reporter=junit --test-reporter-destination=out/test/junit.xml" in test["env"]["NODE_OPTIONS"]
    upload = _step(workflow, "test", uses="actions/upload-artifact")
    assert upload["if"] == "${{ !cancelled() }}"
    assert upload["with"] == {"name": "test-report", "path": "out/test/", "if-no-files-found": "error"}


def test_sbom_job_uses_exact_tool_versions_and_the_scan_fails_the_build(workflow) -> None:
    app = _step(workflow, "sbom", name_contains="App SBOM")
    assert "npx --yes @cyclonedx/cyclonedx-npm@6.0.1 " in app["run"]
    image = _step(workflow, "sbom", uses="anchore/sbom-action")
    assert image["with"]["image"] == "${{ env.IMAGE_REPOSITORY }}@${{ needs.build.outputs.digest }}"
    assert image["with"]["format"] == "cyclonedx-json"
    merge = _step(workflow, "sbom", name_contains="Merge")
    assert "companyos sbom-merge" in merge["run"]
    scan = _step(workflow, "sbom", uses="anchore/scan-action")
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
    scan = _step(yaml.safe_load(render_ci_workflow(spec)), "sbom", uses="anchore/scan-action")
    assert scan["with"]["severity-cutoff"] == cutoff


def test_sign_signs_the_digest_with_the_secret_key_then_verifies_it_with_the_public_key(workflow) -> None:
    sign = _step(workflow, "sign", name_contains="Sign the image")
    assert 'cosign sign --yes --key env://COSIGN_PRIVATE_KEY "$IMAGE_REPOSITORY@$IMAGE_DIGEST"' in sign["run"]
    assert "cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type cyclonedx" in sign["run"]
    assert sign["env"] == {
        "IMAGE_DIGEST": "${{ needs.build.outputs.digest }}",
        "COSIGN_PRIVATE_KEY": "${{ secrets.COSIGN_PRIVATE_KEY }}",
        "COSIGN_PASSWORD": "${{ secrets.COSIGN_PASSWORD }}",
    }
    verify = _step(workflow, "sign", name_contains="Verify")
    assert 'cosign verify --key env://COSIGN_PUBLIC_KEY "$IMAGE_REPOSITORY@$IMAGE_DIGEST"' in verify["run"]
    assert _index(workflow, "sign", sign) < _index(workflow, "sign", verify)


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
    sign = _step(workflow, "sign", name_contains="Sign the image")
    assert (
        f"cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type {cosign_type} --predicate {predicate} "
        '"$IMAGE_REPOSITORY@$IMAGE_DIGEST"'
    ) in sign["run"]
    verify = _step(workflow, "sign", name_contains="Verify")
    assert f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {cosign_type} " in verify["run"]
    deploy = _step(workflow, "deploy", name_contains="Refuse an image")
    assert f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {cosign_type} " in deploy["run"]


def test_the_provenance_names_the_commit_the_workflow_and_the_run_from_runner_variables_only(workflow) -> None:
    predicates = _step(workflow, "sign", name_contains="predicates")
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
    checkout = _step(workflow, "sign", name_contains="Check out the service")
    assert _index(workflow, "sign", checkout) < _index(workflow, "sign", predicates)
    sign = _step(workflow, "sign", name_contains="Sign the image")
    assert _index(workflow, "sign", predicates) < _index(workflow, "sign", sign)


def test_the_release_record_carries_the_downloaded_attestations(workflow) -> None:
    verify = _step(workflow, "sign", name_contains="Verify")
    assert (
        'cosign download attestation "$IMAGE_REPOSITORY@$IMAGE_DIGEST" > out/sign/attestations.jsonl' in verify["run"]
    )
    record = _step(workflow, "sign", name_contains="release record")
    assert "--attestations out/sign/attestations.jsonl" in record["run"]


def test_the_signing_key_reaches_the_sign_job_only(workflow) -> None:
    holders = {job_id for job_id, step in all_steps(workflow) if "COSIGN_PRIVATE_KEY" in json.dumps(step)}
    assert holders == {"sign"}


@pytest.mark.parametrize("command", ["preview", "up"])
def test_pulumi_runs_the_paved_road_policy_pack_against_the_dev_stack_from_the_platform_checkout(
    workflow, command: str
) -> None:
    job = "policy-gate" if command == "preview" else "deploy"
    pulumi = _step(workflow, job, uses="pulumi/actions")
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
    platform = _step(workflow, job, name_contains="Check out the platform")
    assert platform["with"]["repository"] == "${{ vars.PLATFORM_REPO }}"
    assert platform["with"]["path"] == "platform"
    assert _index(workflow, job, platform) < _index(workflow, job, pulumi)


def test_the_policy_gate_reads_pr_labels_only_through_env(workflow) -> None:
    step = _step(workflow, "policy-gate", name_contains="policy config")
    assert step["env"]["PR_LABELS"] == "${{ toJSON(github.event.pull_request.labels.*.name) }}"
    assert "github.event" not in step["run"]


def test_deploy_runs_only_for_pushes_to_main_in_the_dev_environment(workflow) -> None:
    condition = "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert workflow["jobs"]["deploy"]["if"] == condition
    assert workflow["jobs"]["post-deploy"]["if"] == condition
    assert workflow["jobs"]["deploy"]["environment"]["name"] == "dev"


def test_deploy_refuses_an_image_that_does_not_verify_before_pulumi_up(workflow) -> None:
    verify = _step(workflow, "deploy", name_contains="Refuse an image")
    assert 'cosign verify --key env://COSIGN_PUBLIC_KEY "$IMAGE_REPOSITORY@$IMAGE_DIGEST"' in verify["run"]
    assert "jq -e" in verify["run"]  # the record being deployed names the digest that verified
    up = _step(workflow, "deploy", uses="pulumi/actions")
    assert _index(workflow, "deploy", verify) < _index(workflow, "deploy", up)


def test_post_deploy_checks_the_release_and_uploads_the_evidence_pack(workflow) -> None:
    check = _step(workflow, "post-deploy", name_contains="Post-deploy checks")
    assert check["run"].startswith(
        'companyos check-deploy --url "$SERVICE_URL" --prometheus "$PROMETHEUS_URL" --service "$SERVICE_NAME" --json '
    )
    assert check["env"] == {"SERVICE_URL": "${{ vars.SERVICE_URL }}", "PROMETHEUS_URL": "${{ vars.PROMETHEUS_URL }}"}
    evidence = _step(workflow, "post-deploy", name_contains="Evidence pack")
    assert evidence["run"].startswith("companyos evidence ")
    upload = _step(workflow, "post-deploy", uses="actions/upload-artifact")
    assert upload["with"] == {"name": "evidence-pack", "path": "out/evidence/", "if-no-files-found": "error"}
    assert upload["if"] == "${{ !cancelled() }}"


def test_the_file_says_it_is_generated_and_how_to_change_it(rendered) -> None:
    first = rendered.splitlines()[0]
    assert first.startswith("# Generated by the Paved Road platform for service 'hello-prod'")
    header = "\n".join(line for line in rendered.splitlines() if line.startswith("#"))
    assert "To change it, change companyos/ci_workflow/ (or the action pins in" in header


def test_rendering_is_deterministic_and_follows_the_stanza() -> None:
    assert render_ci_workflow(SAMPLE) == render_ci_workflow(SAMPLE)
    other = yaml.safe_load(
        render_ci_workflow(ServiceSpec(name="orders", owner="t", risk="low", data_classification="public"))
    )
    assert other["env"] == {"SERVICE_NAME": "orders", "IMAGE_REPOSITORY": "ghcr.io/paved-road/orders"}
    assert _step(other, "deploy", uses="pulumi/actions")["with"]["stack-name"] == "orders-dev"


@pytest.mark.parametrize(
    ("spec", "registry", "message"),
    [
        (
            ServiceSpec(name="Hello_Prod", owner="t", risk="low", data_classification="public"),
            "ghcr.io/paved-road",
            "name must be a DNS-1123 label",
        ),
        (
            ServiceSpec(name="ok; rm -rf /", owner="t", risk="low", data_classification="public"),
            "ghcr.io/paved-road",
            "Fix: rename the stanza in services.yaml",
        ),
        (
            ServiceSpec(name="svc", owner="t", risk="extreme", data_classification="public"),
            "ghcr.io/paved-road",
            "risk 'extreme' has no vulnerability cutoff",
        ),
        (
            ServiceSpec(name="svc", owner="t", risk="low", data_classification="public"),
            "registry.example.com/team",
            "Fix: set defaults.image_registry",
        ),
        (
            ServiceSpec(name="svc", owner="t", risk="low", data_classification="public"),
            "ghcr.io/Paved-Road",
            "lower-case owner",
        ),
    ],
)
def test_a_stanza_the_workflow_cannot_carry_safely_is_refused_with_its_fix(spec, registry, message) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        render_ci_workflow(spec, image_registry=registry)


@pytest.mark.parametrize(
    ("pins_text", "message"),
    [
        (
            "actions:\n  actions/checkout: {sha: 11bd719, tag: v4.2.2, confirmed: x}\ntools: {}\n",
            "actions.actions/checkout.sha: '11bd719' is not a full 40-hex commit sha",
        ),
        (
            "actions:\n  actions/checkout: {sha: " + "a" * 40 + ", confirmed: x}\ntools: {}\n",
            "actions.actions/checkout.tag: missing",
        ),
        (
            "actions:\n  actions/checkout: {sha: " + "a" * 40 + ", tag: v1}\ntools: {}\n",
            "actions.actions/checkout.confirmed: missing",
        ),
        ("tools: {}\n", "actions: missing or empty"),
        ("actions: [\n", "not valid YAML"),
    ],
)
def test_a_pins_file_without_full_shas_tags_and_provenance_is_refused(
    tmp_path: Path, pins_text: str, message: str
) -> None:
    path = tmp_path / "pins.yaml"
    path.write_text(pins_text, encoding="utf-8")
    with pytest.raises(UserError, match=re.escape(message)):
        load_pins(path)


def test_a_missing_pins_file_names_itself_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="pins file is missing. Fix: restore it"):
        load_pins(tmp_path / "absent.yaml")


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
    script = _step(workflow, "policy-gate", name_contains="policy config")["run"]
    result = _bash(script, env, tmp_path)
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "out/policy/config.json").read_text(encoding="utf-8"))
    assert written == {"pull-request-governance-labels": expected}


def test_the_policy_config_step_fails_on_push_without_service_yaml(workflow, tmp_path: Path) -> None:
    script = _step(workflow, "policy-gate", name_contains="policy config")["run"]
    result = _bash(script, {"EVENT_NAME": "push", "PR_NUMBER": "", "PR_LABELS": "null"}, tmp_path)
    assert result.returncode != 0
    assert "service.yaml" in result.stderr

"""The real program under mocks against the whole pack: what the platform produces passes, and what CI
feeds the gate (the policy-config step's output) is accepted by the rule that reads it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pulumi_policy import EnforcementLevel

from companyos.catalog import ServiceSpec
from companyos.ci_workflow import POLICY_CONFIG, POLICY_CONFIG_POLICY, render_ci_workflow
from companyos.contracts.conventions import trusted_key_config
from companyos.contracts.release_record import ScanSummary
from tests.conftest import REPO_ROOT
from tests.policies.harness import assert_has_violation, assert_no_violations, run_rules
from tests.policies.regenerate_fixtures import as_fixtures

from paved_road_policies.rule_config import PolicyConfigError  # noqa: E402, I001 (the harness puts the pack on sys.path)

PR_LABELS = {"labels": ["data-classification:internal", "risk:medium"], "source": "pull request #1 labels"}
PAYMENTS_STANZA = """
  - name: payments-api
    owner: team-payments
    risk: high
    data_classification: confidential
"""


def gate_config(signer) -> dict:
    return {**trusted_key_config([signer.public_pem.decode()]), POLICY_CONFIG_POLICY: PR_LABELS}


def test_the_sample_catalogue_passes_every_rule(run_catalog, signer) -> None:
    run = run_catalog()
    assert run.error is None, run.error
    assert_no_violations(run_rules(as_fixtures(run), gate_config(signer)))


def test_two_services_of_different_risk_pass_every_rule_under_the_labels_of_the_riskier(run_catalog, signer) -> None:
    catalog = (REPO_ROOT / "services.yaml").read_text() + PAYMENTS_STANZA
    run = run_catalog(catalog, released=("hello-prod", "payments-api"))
    assert run.error is None, run.error
    riskier = {"labels": ["data-classification:confidential", "risk:high"], "source": "pull request #1 labels"}
    assert_no_violations(run_rules(as_fixtures(run), {**gate_config(signer), POLICY_CONFIG_POLICY: riskier}))
    # The labels of the calmer service are below what payments-api declares.
    below = run_rules(as_fixtures(run), gate_config(signer), [POLICY_CONFIG_POLICY])
    assert_has_violation(
        below,
        POLICY_CONFIG_POLICY,
        "",
        "label `risk:medium` is below what ConfigMap payments-api-dashboard declares (risk: high)",
    )


def test_a_release_whose_signature_covers_another_digest_is_blocked(run_catalog, signer) -> None:
    tampered = signer.release("hello-prod", signed_digest="sha256:" + "e" * 64)
    run = run_catalog(releases={"hello-prod": tampered})
    result = run_rules(as_fixtures(run), gate_config(signer))
    assert_has_violation(
        result,
        "image-signature-verified",
        "hello-prod-deployment",
        f"the signature covers sha256:{'e' * 64} but the deployed digest is {tampered.image.digest}",
    )
    assert {v.rule for v in result.violations} == {"image-signature-verified"}


def test_an_unscanned_release_is_blocked_unless_waived_and_the_waiver_is_always_reported(
    run_catalog, signer, pack_exceptions
) -> None:
    unscanned = signer.release("hello-prod", scan=ScanSummary(status="not-scanned"))
    resources = as_fixtures(run_catalog(releases={"hello-prod": unscanned}))
    blocked = run_rules(resources, gate_config(signer))
    assert_has_violation(blocked, "image-vulnerability-threshold", "hello-prod-deployment", "no waiver is configured")
    waiver = {**gate_config(signer), "image-vulnerability-threshold": {"allow_unscanned": True}}
    with pytest.raises(PolicyConfigError, match="allow_unscanned: false -> true weakens the baseline"):
        run_rules(resources, waiver)  # not without a reviewed exception
    pack_exceptions([("image-vulnerability-threshold", "allow_unscanned")])
    waived = run_rules(resources, waiver)
    assert [(v.rule, v.level) for v in waived.violations] == [("unscanned-image-waiver", EnforcementLevel.ADVISORY)]


def _policy_config_step() -> str:
    spec = ServiceSpec(name="hello-prod", owner="team-platform", risk="medium", data_classification="internal")
    steps = yaml.safe_load(render_ci_workflow(spec))["jobs"]["policy-gate"]["steps"]
    return next(step["run"] for step in steps if "policy config" in step.get("name", ""))


@pytest.mark.parametrize(
    ("event", "service_yaml", "violations"),
    [
        (
            {
                "EVENT_NAME": "pull_request",
                "PR_NUMBER": "7",
                "PR_LABELS": json.dumps(["bug", "risk:high", "data-classification:confidential"]),
            },
            None,
            0,
        ),
        ({"EVENT_NAME": "pull_request", "PR_NUMBER": "8", "PR_LABELS": "[]"}, None, 2),
        (
            {"EVENT_NAME": "push", "PR_NUMBER": "", "PR_LABELS": "null"},
            "name: hello-prod\nrisk: medium\ndata_classification: internal\n",
            0,
        ),
    ],
)
def test_the_config_the_ci_policy_gate_job_writes_is_accepted_and_judged(
    tmp_path: Path, event, service_yaml, violations
) -> None:
    if service_yaml:
        (tmp_path / "service.yaml").write_text(service_yaml, encoding="utf-8")
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", _policy_config_step()],
        cwd=tmp_path,
        env={"PATH": path, **event},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    config = json.loads((tmp_path / POLICY_CONFIG).read_text(encoding="utf-8"))
    result = run_rules([], config, [POLICY_CONFIG_POLICY])
    assert len(result.violations) == violations, result.describe()


def test_the_ci_config_carries_the_trusted_key_so_a_signed_release_passes_and_without_it_blocks(
    tmp_path: Path, run_catalog, signer
) -> None:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    event = {
        "EVENT_NAME": "pull_request",
        "PR_NUMBER": "9",
        "PR_LABELS": json.dumps(["risk:medium", "data-classification:internal"]),
    }
    resources = as_fixtures(run_catalog())
    outcomes = {}
    for key in (signer.public_pem.decode(), ""):
        subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", _policy_config_step()],
            cwd=tmp_path,
            check=True,
            env={"PATH": path, **event, "COSIGN_PUBLIC_KEY": key},
            capture_output=True,
            timeout=60,
        )
        config = json.loads((tmp_path / POLICY_CONFIG).read_text(encoding="utf-8"))
        outcomes[bool(key)] = run_rules(resources, config, ["image-signature-verified"])
    assert_no_violations(outcomes[True])
    assert_has_violation(outcomes[False], "image-signature-verified", "hello-prod-deployment", "")

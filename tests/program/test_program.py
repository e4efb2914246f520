"""The whole __main__.py under Pulumi mocks: what one stanza becomes, and what a broken input does."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from companyos.contracts.conventions import (
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SIGNATURE,
    ANNOTATION_SIGNATURE_PAYLOAD,
    GOVERNANCE_LABELS,
    REQUIRED_STATUS_CHECKS,
)
from companyos.preview.program_run import ProgramRun

K8S_PREFIX = "kubernetes:"
COMPONENTS = {
    "paved-road:index:PavedRoadService",
    "paved-road:index:ServiceRepository",
    "paved-road:index:ServiceImage",
    "paved-road:index:ServiceDeployment",
    "paved-road:index:ServiceObservability",
}
# What one released stanza becomes (a second stanza must produce exactly the same shape).
EXPECTED_TYPES_PER_SERVICE = Counter(
    {
        "paved-road:index:PavedRoadService": 1,
        "paved-road:index:ServiceRepository": 1,
        "github:index/repository:Repository": 1,
        "github:index/branchProtection:BranchProtection": 1,
        "github:index/issueLabel:IssueLabel": 7,
        "github:index/repositoryFile:RepositoryFile": 3,
        "paved-road:index:ServiceImage": 1,
        "paved-road:index:ServiceDeployment": 1,
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:ServiceAccount": 1,
        "kubernetes:apps/v1:Deployment": 1,
        "kubernetes:core/v1:Service": 1,
        "kubernetes:policy/v1:PodDisruptionBudget": 1,
        "kubernetes:networking.k8s.io/v1:NetworkPolicy": 1,
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": 1,
        "paved-road:index:ServiceObservability": 1,
        "kubernetes:core/v1:ConfigMap": 1,
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule": 1,
    }
)

PAYMENTS_STANZA = """
  - name: payments-api
    owner: team-payments
    risk: high
    data_classification: confidential
"""


def service_resources(run: ProgramRun, service: str) -> list:
    """Every resource under the service's PavedRoadService component (by parent chain)."""
    by_urn = run.by_urn()
    root = next(r for r in run.resources if r.type == "paved-road:index:PavedRoadService" and r.name == service)
    members = []
    for resource in run.resources:
        node = resource
        while node is not None and node.urn != root.urn:
            node = by_urn.get(node.parent)
        if node is not None:
            members.append(resource)
    return members


def test_the_sample_catalogue_runs_without_error_and_exports_the_service(run_catalog) -> None:
    run = run_catalog()
    assert run.error is None, run.error
    outputs = run.stack_outputs["services"]["hello-prod"]
    assert outputs["image_digest"].startswith("sha256:")
    assert outputs["namespace"] == "hello-prod"
    assert outputs["dashboard_name"] == "hello-prod-dashboard"
    assert outputs["repository_url"] == "https://github.com/mock-org/hello-prod"
    assert any("BudgetBurnPage" in name for name in outputs["alert_rule_names"])


def test_one_released_stanza_becomes_the_complete_set_of_resources(run_catalog) -> None:
    run = run_catalog()
    assert Counter(r.type for r in service_resources(run, "hello-prod")) == EXPECTED_TYPES_PER_SERVICE


def test_adding_a_second_stanza_and_nothing_else_produces_a_second_complete_service(run_catalog) -> None:
    from tests.conftest import REPO_ROOT

    catalog = (REPO_ROOT / "services.yaml").read_text() + PAYMENTS_STANZA
    run = run_catalog(catalog, released=("hello-prod", "payments-api"))
    assert run.error is None, run.error
    for service in ("hello-prod", "payments-api"):
        assert Counter(r.type for r in service_resources(run, service)) == EXPECTED_TYPES_PER_SERVICE, service
    payments = {r.type: r for r in service_resources(run, "payments-api")}
    deployment = payments["kubernetes:apps/v1:Deployment"].inputs
    assert deployment["metadata"]["labels"]["risk"] == "high"
    assert deployment["metadata"]["labels"]["data-classification"] == "confidential"
    protection = payments["github:index/branchProtection:BranchProtection"].inputs
    assert protection["requiredPullRequestReviews"][0]["requiredApprovingReviewCount"] == 2  # high risk


def test_every_kubernetes_object_carries_the_governance_labels_from_the_stanza(run_catalog) -> None:
    run = run_catalog()
    k8s_objects = [r for r in run.resources if r.type.startswith(K8S_PREFIX)]
    assert len(k8s_objects) == 9
    for resource in k8s_objects:
        labels = resource.inputs["metadata"]["labels"]
        assert {k: labels.get(k) for k in GOVERNANCE_LABELS} == {
            "owner": "team-platform",
            "risk": "medium",
            "data-classification": "internal",
        }, resource.urn


def test_the_deployment_runs_the_image_by_digest_with_probes_limits_and_a_locked_down_container(run_catalog) -> None:
    run = run_catalog()
    deployment = run.of_type("kubernetes:apps/v1:Deployment")[0].inputs
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert re.fullmatch(r"ghcr\.io/paved-road/hello-prod@sha256:[0-9a-f]{64}", container["image"])
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "PORT", "value": "8080"} in container["env"]
    assert {"name": "LOG_LEVEL", "value": "info"} in container["env"]
    assert pod["automountServiceAccountToken"] is False
    assert deployment["spec"]["template"]["metadata"]["labels"]["risk"] == "medium"


def test_the_deployment_carries_the_release_evidence_the_gate_verifies(run_catalog, signer) -> None:
    run = run_catalog()
    annotations = run.of_type("kubernetes:apps/v1:Deployment")[0].inputs["metadata"]["annotations"]
    release = signer.release("hello-prod")
    assert annotations[ANNOTATION_SBOM_DIGEST] == release.sbom.digest
    assert annotations[ANNOTATION_SIGNATURE_PAYLOAD] == release.signature.payload_b64
    assert annotations[ANNOTATION_SIGNATURE]  # the signature itself is random per signing
    assert json.loads(annotations["paved-road.dev/vulnerability-scan"])["status"] == "scanned"


def test_branch_protection_requires_reviews_and_the_governance_status_checks(run_catalog) -> None:
    run = run_catalog()
    protection = run.of_type("github:index/branchProtection:BranchProtection")[0]
    assert protection.inputs["pattern"] == "main"
    assert protection.inputs["requiredStatusChecks"][0]["contexts"] == list(REQUIRED_STATUS_CHECKS)
    assert protection.inputs["requiredStatusChecks"][0]["strict"] is True
    reviews = protection.inputs["requiredPullRequestReviews"][0]
    assert reviews["requiredApprovingReviewCount"] == 1 and reviews["requireCodeOwnerReviews"] is True
    files = [r.urn for r in run.of_type("github:index/repositoryFile:RepositoryFile")]
    assert set(files) <= set(protection.dependencies), "files must land before the protection rule"


def test_the_repository_carries_governance_topics_labels_and_platform_files(run_catalog) -> None:
    run = run_catalog()
    repository = run.of_type("github:index/repository:Repository")[0].inputs
    assert {"risk-medium", "data-classification-internal", "owner-team-platform"} <= set(repository["topics"])
    labels = {r.inputs["name"] for r in run.of_type("github:index/issueLabel:IssueLabel")}
    assert labels == {
        "risk:low",
        "risk:medium",
        "risk:high",
        "data-classification:public",
        "data-classification:internal",
        "data-classification:confidential",
        "data-classification:restricted",
    }
    files = {r.inputs["file"]: r.inputs["content"] for r in run.of_type("github:index/repositoryFile:RepositoryFile")}
    assert set(files) == {".github/workflows/ci.yml", "service.yaml", "CODEOWNERS"}
    assert files["CODEOWNERS"].rstrip().endswith("* @acme/team-platform")
    assert "policy-gate:" in files[".github/workflows/ci.yml"]


def test_every_resource_hangs_under_its_component(run_catalog) -> None:
    run = run_catalog()
    by_urn = run.by_urn()
    expected_parent = {
        "github:": "paved-road:index:ServiceRepository",
        "kubernetes:core/v1:ConfigMap": "paved-road:index:ServiceObservability",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule": "paved-road:index:ServiceObservability",
        "kubernetes:": "paved-road:index:ServiceDeployment",
    }
    for resource in run.resources:
        if resource.type in COMPONENTS - {"paved-road:index:PavedRoadService"}:
            assert by_urn[resource.parent].type == "paved-road:index:PavedRoadService"
            continue
        parent_type = next((want for prefix, want in expected_parent.items() if resource.type.startswith(prefix)), None)
        if parent_type:
            assert by_urn[resource.parent].type == parent_type, resource.urn


def test_the_prometheus_rule_carries_the_generated_slo_alerts_and_the_dashboard_its_json(run_catalog) -> None:
    run = run_catalog()
    rule = run.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0].inputs
    alerts = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    assert "SLOAvailabilityBudgetBurnPage" in alerts and "SLOLatencyBudgetBurnTicket" in alerts
    dashboard = run.of_type("kubernetes:core/v1:ConfigMap")[0].inputs
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["hello-prod.json"])["title"].startswith("hello-prod")


def test_a_stack_selects_one_service_and_names_its_environment(run_catalog) -> None:
    from tests.conftest import REPO_ROOT

    catalog = (REPO_ROOT / "services.yaml").read_text() + PAYMENTS_STANZA
    run = run_catalog(
        catalog,
        released=("hello-prod", "payments-api"),
        stack="payments-api-staging",
        config={"paved-road:service": "payments-api"},
    )
    assert run.error is None, run.error
    assert {r.name for r in run.of_type("paved-road:index:PavedRoadService")} == {"payments-api"}
    assert run.stack_outputs["namespace"] == "payments-api"
    deployment = run.of_type("kubernetes:apps/v1:Deployment")[0].inputs
    assert deployment["metadata"]["labels"]["environment"] == "staging"


def test_a_stanza_without_a_release_gets_only_its_repository_and_a_warning(run_catalog) -> None:
    run = run_catalog(released=())
    assert run.error is None
    types = {r.type for r in run.resources}
    assert "github:index/repository:Repository" in types
    assert not any(t.startswith(K8S_PREFIX) for t in types)
    assert any(level == "warning" and "no release record yet" in message for level, message in run.logs)


@pytest.mark.parametrize(
    "catalog_text, expected",
    [
        (
            "services:\n  - name: Bad_Name\n    owner: t\n    risk: extreme\n    data_classification: internal\n",
            ["field 'name'", "field 'risk'", "allowed: low, medium, high"],
        ),
        ("services: [", ["not valid YAML"]),
    ],
)
def test_a_broken_catalogue_stops_the_program_with_the_report_and_no_traceback(
    run_catalog, catalog_text, expected
) -> None:
    run = run_catalog(catalog_text, released=())
    assert run.error is not None
    for fragment in expected:
        assert fragment in run.error
    assert "Traceback" not in run.error
    assert run.resources == []


def test_a_release_record_for_another_service_is_refused(run_catalog, signer) -> None:
    run = run_catalog(releases={"hello-prod": signer.release("payments-api")})
    assert run.error is not None and "is for 'payments-api', not 'hello-prod'" in run.error


def test_a_release_record_with_a_tag_instead_of_a_digest_is_refused_before_anything_is_created(
    run_catalog, signer
) -> None:
    from dataclasses import replace

    release = signer.release("hello-prod")
    tagged = replace(release, image=replace(release.image, digest="latest"))
    run = run_catalog(releases={"hello-prod": tagged})
    assert run.error is not None
    assert "image.digest: 'latest' is not sha256:<64 hex>" in run.error
    assert run.resources == []


def test_selecting_an_unknown_service_names_the_config_key_and_the_fix(run_catalog) -> None:
    run = run_catalog(config={"paved-road:service": "nope"})
    assert run.error is not None
    assert "paved-road:service" in run.error and "new-service" in run.error


def test_a_secret_reference_becomes_a_kubernetes_secret_fed_from_stack_config(run_catalog) -> None:
    catalog = """services:
  - name: hello-prod
    owner: team-platform
    risk: medium
    data_classification: internal
    secrets:
      DATABASE_URL: hello-prod:databaseUrl
"""
    run = run_catalog(catalog, config={"hello-prod:databaseUrl": "postgres://u:p@db/hello"})
    assert run.error is None, run.error
    secret = run.of_type("kubernetes:core/v1:Secret")[0].inputs
    assert secret["stringData"] == {"DATABASE_URL": "postgres://u:p@db/hello"}
    env = run.of_type("kubernetes:apps/v1:Deployment")[0].inputs["spec"]["template"]["spec"]["containers"][0]["env"]
    ref = next(e for e in env if e["name"] == "DATABASE_URL")
    assert ref["valueFrom"]["secretKeyRef"] == {"name": "hello-prod-secrets", "key": "DATABASE_URL"}
    assert "value" not in ref

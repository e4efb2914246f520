"""Kubernetes hygiene family: probes, requests and limits, a locked-down container."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.harness import Expect, check_fixture, fixtures

HERE = Path(__file__).parent
DEPLOYMENT = "Deployment::hello-prod-deployment"
EXPECTED = {
    "bad-container-probes--no-readiness-probe.json": Expect(
        DEPLOYMENT, "has no readinessProbe (spec.template.spec.containers[0].readinessProbe)"
    ),
    "bad-container-resources--no-memory-limit.json": Expect(
        DEPLOYMENT, "has no limits.memory (spec.template.spec.containers[0].resources.limits.memory)"
    ),
    "bad-container-security-context--runs-as-root.json": Expect(
        DEPLOYMENT, "securityContext.runAsNonRoot is False; it must be true"
    ),
    "bad-container-security-context--escalation-not-denied.json": Expect(
        DEPLOYMENT, "securityContext.allowPrivilegeEscalation is not set; it must be false"
    ),
    "bad-container-env-unambiguous--node-env-twice.json": Expect(
        DEPLOYMENT, "sets env `NODE_ENV` 2 times (spec.template.spec.containers[0].env)"
    ),
    "bad-container-resources--zero-quantity.json": Expect(DEPLOYMENT, "has '0m', which is zero, as requests.cpu"),
    "bad-service-exposure--load-balancer.json": Expect(
        "Service::hello-prod-service", "spec.type is 'LoadBalancer'; only ClusterIP"
    ),
    "bad-namespace-pod-security-admission--privileged.json": Expect(
        "Namespace::hello-prod-ns",
        "label `pod-security.kubernetes.io/enforce` (metadata.labels) is 'privileged'; it must be `restricted`",
    ),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_hygiene_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)

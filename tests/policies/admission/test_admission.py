"""Default-deny admission: allowed types, provider inputs, wrappers the offline preview cannot open, ownership."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.harness import Expect, check_fixture, fixtures

HERE = Path(__file__).parent
EXPECTED = {
    "bad-resource-type-allowed--replication-controller.json": Expect(
        "::miner", "the resource type `kubernetes:core/v1:ReplicationController` is not one the paved road creates"
    ),
    "bad-resource-type-allowed--aws-provider.json": Expect(
        "::other-account", "the provider `pulumi:providers:aws` is not one the paved road creates"
    ),
    "bad-provider-inputs-allowed--inline-kubeconfig.json": Expect(
        "::admin", "provider kubernetes 'admin': input `kubeconfig` carries a credential in the program"
    ),
    "bad-provider-inputs-allowed--github-token.json": Expect(
        "::personal", "provider github 'personal': input `token` carries a credential"
    ),
    "bad-provider-inputs-allowed--other-cluster.json": Expect(
        "::prod", "input `context` is not an input the platform lets a provider set"
    ),
    "bad-resource-judgeable-offline--helm-chart.json": Expect(
        "::ingress", "kubernetes:helm.sh/v4:Chart 'ingress' cannot be judged offline"
    ),
    "bad-resource-judgeable-offline--config-file.json": Expect(
        "::manifests", "kubernetes:yaml/v2:ConfigFile 'manifests' cannot be judged offline"
    ),
    "bad-resource-judgeable-offline--docker-container.json": Expect(
        "::sidecar", "a container run on a Docker host, outside every Kubernetes rule"
    ),
    "bad-service-ownership--kube-system.json": Expect(
        "::aws-auth", "ConfigMap kube-system/aws-auth (service web) is in the namespace 'kube-system'"
    ),
    "bad-service-ownership--no-service.json": Expect("::orphan", "'orphan' belongs to no catalogue service"),
    "bad-service-ownership--neighbour-namespace.json": Expect(
        "::web", "is in the namespace 'payments', another service's namespace (expected 'web')"
    ),
}


@pytest.mark.parametrize("fixture", fixtures(HERE), ids=lambda p: p.name)
def test_each_admission_fixture_passes_or_fails_its_rule_as_its_name_says(fixture: Path) -> None:
    check_fixture(fixture, EXPECTED)

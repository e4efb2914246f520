"""The NetworkPolicy is default-deny both ways: ingress to the HTTP port from the ingress controller's and the
monitoring namespaces and from the stanzas that declare they call the service; egress to DNS and to the stanzas
the service declares it calls, on their ports. Checked by kubernetes-validate against the Kubernetes schema."""

from __future__ import annotations

import json
from typing import Any

import kubernetes_validate
import pytest

from tests.conftest import REPO_ROOT

CALLER = """
  - name: checkout
    owner: team-shop
    risk: medium
    data_classification: internal
    port: 9090
    calls: [hello-prod]
"""


def policy_of(run: Any, service: str) -> dict[str, Any]:
    return next(
        r.inputs
        for r in run.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")
        if r.inputs["metadata"]["name"] == service
    )


def namespaces(peers: list[dict[str, Any]]) -> list[str]:
    return [peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for peer in peers]


def test_only_the_named_namespaces_and_declared_callers_get_in_and_only_dns_and_callees_get_out(run_catalog) -> None:
    catalog = (REPO_ROOT / "services.yaml").read_text() + CALLER
    run = run_catalog(
        catalog, released=("hello-prod", "checkout"), config={"paved-road:ingressNamespaces": '["gateway"]'}
    )
    assert run.error is None, run.error
    served, caller = policy_of(run, "hello-prod"), policy_of(run, "checkout")
    for policy in (served, caller):
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
        kubernetes_validate.validate(
            {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **policy}, "1.31.0", strict=True
        )
    [ingress] = served["spec"]["ingress"]
    assert namespaces(ingress["from"]) == ["gateway", "monitoring", "checkout"]
    assert ingress["ports"] == [{"port": 8080, "protocol": "TCP"}]
    assert namespaces(caller["spec"]["ingress"][0]["from"]) == ["gateway", "monitoring"]  # nobody calls checkout
    dns, *calls = caller["spec"]["egress"]
    assert namespaces(dns["to"]) == ["kube-system"] and dns["to"][0]["podSelector"]["matchLabels"] == {
        "k8s-app": "kube-dns"
    }
    assert [(namespaces(c["to"]), c["ports"]) for c in calls] == [(["hello-prod"], [{"port": 8080, "protocol": "TCP"}])]
    assert len(served["spec"]["egress"]) == 1  # hello-prod calls nobody: DNS only


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"paved-road:ingressNamespaces": '["Not_A_Namespace"]'}, "paved-road:ingressNamespaces"),
        ({"paved-road:monitoringNamespaces": json.dumps({"a": 1})}, "paved-road:monitoringNamespaces"),
        ({"paved-road:monitoringNamespaces": json.dumps([1])}, "paved-road:monitoringNamespaces"),
        ({"paved-road:ingressNamespaces": json.dumps(["x" * 64])}, "paved-road:ingressNamespaces"),
    ],
)
def test_a_malformed_namespace_setting_stops_the_program_naming_the_key(run_catalog, config, says) -> None:
    run = run_catalog(config=config)
    assert run.error is not None and says in run.error, run.error


def test_a_stanza_calling_a_service_not_in_the_catalogue_is_a_catalogue_error(run_catalog) -> None:
    run = run_catalog((REPO_ROOT / "services.yaml").read_text() + CALLER.replace("[hello-prod]", "[billing]"))
    assert (
        run.error is not None
        and "calls[0]" in run.error
        and "'billing' is not a service of this catalogue" in run.error
    )


@pytest.mark.parametrize(
    ("calls", "says"),
    [("hello-prod", "calls"), ("[1]", "calls"), ("[hello-prod, hello-prod]", "calls"), ("[Hello-Prod]", "calls")],
)
def test_a_calls_field_of_the_wrong_shape_is_a_catalogue_error(run_catalog, calls: str, says: str) -> None:
    catalog = (REPO_ROOT / "services.yaml").read_text() + CALLER.replace("[hello-prod]", calls)
    run = run_catalog(catalog)
    assert run.error is not None and says in run.error, run.error

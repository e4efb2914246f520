"""What monitoring and on-call tools read: with the platform's URLs set, an alert's runbook_url and dashboard are
absolute links; extra labels (kube-prometheus-stack's `release`) reach the ServiceMonitor and the PrometheusRule;
a malformed value, or a label that would replace a governance or selector label, stops the program naming the key."""

from __future__ import annotations

import json
import urllib.parse

import pytest

from companyos.contracts.conventions import GOVERNANCE_LABELS

DOCS = "https://github.com/acme/platform/blob/main"
GRAFANA = "https://grafana.example.com"
LINKS = {
    "paved-road:docsBaseUrl": DOCS + "/",
    "paved-road:grafanaUrl": GRAFANA,
    "paved-road:monitoringLabels": json.dumps({"release": "kube-prometheus-stack"}),
}


def test_alert_links_are_absolute_and_the_monitoring_stack_labels_are_added(run_catalog) -> None:
    run = run_catalog(config=LINKS)
    assert run.error is None, run.error
    rule = run.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0].inputs
    monitor = run.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")[0].inputs
    alerts = [r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
    for alert in alerts:
        runbook = urllib.parse.urlsplit(alert["annotations"]["runbook_url"])
        assert (runbook.scheme, runbook.netloc) == ("https", "github.com")
        assert runbook.path == "/acme/platform/blob/main/docs/runbooks/hello-prod.md"
        assert runbook.fragment == alert["alert"].lower()
        assert alert["annotations"]["dashboard"] == f"{GRAFANA}/d/golden-hello-prod"
    for labels in (rule["metadata"]["labels"], monitor["metadata"]["labels"]):
        assert labels["release"] == "kube-prometheus-stack"
        assert all(labels[key] for key in GOVERNANCE_LABELS)
    dashboard = json.loads(run.of_type("kubernetes:core/v1:ConfigMap")[0].inputs["data"]["hello-prod.json"])
    assert all(link["url"].startswith(DOCS + "/docs/") for link in dashboard["links"])


def test_without_the_settings_links_stay_repository_relative(run_catalog) -> None:
    rule = run_catalog().of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")[0].inputs
    alert = next(r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r)
    assert alert["annotations"]["runbook_url"].startswith("docs/runbooks/hello-prod.md#")
    assert alert["annotations"]["dashboard"] == "dashboards/hello-prod.json"
    assert "release" not in rule["metadata"]["labels"]


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("paved-road:monitoringLabels", json.dumps({"owner": "team-other"}), "governance, selector or platform label"),
        ("paved-road:monitoringLabels", json.dumps({"app.kubernetes.io/name": "x"}), "governance, selector"),
        ("paved-road:monitoringLabels", json.dumps({"risk": "low"}), "cannot be set here"),
        ("paved-road:monitoringLabels", json.dumps({"data-classification": "public"}), "cannot be set here"),
        ("paved-road:monitoringLabels", json.dumps({"kubernetes.io/metadata.name": "x"}), "cannot be set here"),
        ("paved-road:monitoringLabels", json.dumps({"paved-road.dev/release-version": "x"}), "cannot be set here"),
        ("paved-road:monitoringLabels", json.dumps({"App.Kubernetes.io/name": "x"}), "is not a Kubernetes label key"),
        ("paved-road:monitoringLabels", json.dumps({"release": "x" * 64}), "is not a Kubernetes label value"),
        ("paved-road:monitoringLabels", json.dumps({"bad key!": "x"}), "is not a Kubernetes label key"),
        ("paved-road:monitoringLabels", json.dumps({"release": 7}), "is not a Kubernetes label value"),
        ("paved-road:monitoringLabels", json.dumps(["release"]), "must be a JSON object"),
        ("paved-road:monitoringLabels", "{not json", "is not JSON"),
        ("paved-road:docsBaseUrl", "javascript:alert(1)", "paved-road:docsBaseUrl"),
        ("paved-road:docsBaseUrl", "docs.example.com/x", "not an absolute http(s) URL"),
        ("paved-road:grafanaUrl", "https://user:pw@grafana.example.com", "no credentials"),
        ("paved-road:grafanaUrl", "ftp://grafana.example.com", "not an absolute http(s) URL"),
        ("paved-road:docsBaseUrl", "https://docs.example.com/?redirect=evil", "no credentials or query"),
    ],
)
def test_a_malformed_or_overreaching_setting_stops_the_program_naming_the_key(run_catalog, key, value, says) -> None:
    run = run_catalog(config={key: value})
    assert run.error is not None and says in run.error, run.error
    assert "Traceback" not in run.error
    assert not run.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")

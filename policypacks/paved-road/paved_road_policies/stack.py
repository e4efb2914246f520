"""Stack-wide: every Deployment ships with its alerts and dashboard, and every service declares an SLO."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import dig, known
from .resource import SERVICE_LABEL, Resource
from .rule import Finding, Rule
from .vendor.contracts.conventions import ANNOTATION_SLO, GRAFANA_DASHBOARD_LABEL

PAVED_ROAD_SERVICE = "paved-road:index:PavedRoadService"


def _identity(resource: Resource) -> tuple[str, str]:
    """(namespace, service label): how a Deployment is matched to its rules and dashboard."""
    metadata = dig(resource.props, "metadata", default={})
    return (
        str(known(dig(metadata, "namespace", default=""))),
        str(known(dig(metadata, "labels", SERVICE_LABEL, default=""))),
    )


def _is_dashboard(resource: Resource) -> bool:
    if resource.type != k8s.CONFIG_MAP:  # first: only a ConfigMap's labels are this rule's business
        return False
    labels = dig(resource.props, "metadata", "labels", default={})
    return all(labels.get(k) == v for k, v in GRAFANA_DASHBOARD_LABEL.items())


def check_observability(resources: list[Resource], config: Mapping[str, Any]) -> Iterator[Finding]:
    rules = {_identity(r) for r in resources if r.type == k8s.PROMETHEUS_RULE}
    dashboards = {_identity(r) for r in resources if _is_dashboard(r)}
    for deployment in (r for r in resources if r.type == k8s.DEPLOYMENT):
        namespace, service = _identity(deployment)
        if not service:
            yield Finding(
                f"{k8s.describe(deployment)}: no `{SERVICE_LABEL}` label (metadata.labels), so its "
                "PrometheusRule and dashboard cannot be matched to it.",
                urn=deployment.urn,
                fix={"missing": f"the {SERVICE_LABEL} label"},
            )
            continue
        for present, what in (
            (rules, "PrometheusRule (SLO recording rules and burn-rate alerts)"),
            (dashboards, "dashboard ConfigMap (label grafana_dashboard: \"1\")"),
        ):
            if (namespace, service) not in present:
                yield Finding(
                    f"{k8s.describe(deployment)}: no {what} in namespace '{namespace}' with "
                    f"`{SERVICE_LABEL}: {service}`; the service would run unobserved.",
                    urn=deployment.urn,
                    fix={"missing": what},
                )


def _slo_problem(raw: Any) -> str:
    if not raw:
        return "is missing"
    try:
        slo = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return "is not JSON"
    if not isinstance(slo, dict):
        return "is not a JSON object"
    problems = []
    for key, low, high in (("availability", 0, 100), ("latency_objective", 0, 100)):
        value = slo.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value < high:
            problems.append(f"{key} must be a number between {low} and {high} (exclusive), got {value!r}")
    for key in ("latency_threshold_ms", "window_days"):
        value = slo.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.append(f"{key} must be a positive number, got {value!r}")
    return "; ".join(problems)


def check_slo(resources: list[Resource], config: Mapping[str, Any]) -> Iterator[Finding]:
    by_urn = {r.urn: r for r in resources}

    def owning_service(resource: Resource) -> Resource | None:
        node, seen = by_urn.get(resource.parent), 0
        while node is not None and node.type != PAVED_ROAD_SERVICE and seen < len(resources):
            node, seen = by_urn.get(node.parent), seen + 1
        return node

    for deployment in (r for r in resources if r.type == k8s.DEPLOYMENT):
        problem = _slo_problem(known(k8s.annotations_of(deployment).get(ANNOTATION_SLO)))
        if problem:
            component = owning_service(deployment)
            owner = f" (service {component.name})" if component is not None else ""
            yield Finding(
                f"{k8s.describe(deployment)}{owner}: annotation `{ANNOTATION_SLO}` (metadata.annotations) {problem}.",
                urn=deployment.urn,
            )


RULES = [
    Rule(
        name="deployment-observability",
        family="stack",
        description="Every Deployment has a PrometheusRule and a Grafana dashboard ConfigMap in the same namespace "
        f"with the same `{SERVICE_LABEL}` label.",
        applies_to="the stack: each `kubernetes:apps/v1:Deployment` against the stack's PrometheusRules and ConfigMaps",
        stack=True,
        check=check_observability,
        remediation="deploy {service} through the PavedRoadService component: its ServiceObservability creates the "
        "PrometheusRule and dashboard from the stanza's `slo` (services.yaml); a Deployment written by "
        "hand needs {missing} created beside it.",
        rationale="A service without alerts pages nobody when it breaks, and one without a dashboard cannot be "
        "debugged when it does.",
    ),
    Rule(
        name="service-slo-declared",
        family="stack",
        description=f"Every service (each Deployment, under its PavedRoadService component or not) declares a "
        f"valid SLO in the `{ANNOTATION_SLO}` annotation.",
        applies_to="the stack: each `kubernetes:apps/v1:Deployment` (with its PavedRoadService component, if any)",
        stack=True,
        check=check_slo,
        remediation="services.yaml: set `slo` (availability, latency.threshold_ms, latency.objective) for {service}, "
        "or keep the paved-road defaults by leaving it out; the component writes the annotation. A "
        f"Deployment written by hand must carry `{ANNOTATION_SLO}` as JSON (availability, "
        "latency_objective, latency_threshold_ms, window_days).",
        rationale="The SLO is the contract the alerts, the dashboard and the error-budget policy are built on.",
    ),
]

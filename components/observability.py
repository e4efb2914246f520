"""ServiceObservability: the golden dashboard (a ConfigMap Grafana's sidecar loads) and the SLO
PrometheusRule, in the service's namespace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from companyos.contracts.conventions import GRAFANA_DASHBOARD_LABEL


@dataclass(frozen=True)
class ServiceObservabilityArgs:
    name: str
    namespace: pulumi.Input[str]
    labels: Mapping[str, str]
    dashboard_json: str
    rule_groups: Sequence[Mapping[str, Any]]
    """Prometheus rule groups (recording rules and burn-rate alerts) generated from the stanza's SLO."""
    monitoring_labels: Mapping[str, str] = field(default_factory=dict)
    """Extra labels on the PrometheusRule (what the Prometheus operator's ruleSelector matches)."""


class ServiceObservability(pulumi.ComponentResource):
    dashboard: k8s.core.v1.ConfigMap
    prometheus_rule: k8s.apiextensions.CustomResource
    dashboard_name: str
    alert_names: list[str]

    def __init__(self, name: str, args: ServiceObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("paved-road:index:ServiceObservability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.dashboard_name = f"{args.name}-dashboard"
        self.alert_names = sorted(
            {rule["alert"] for group in args.rule_groups for rule in group.get("rules", []) if "alert" in rule}
        )

        self.dashboard = k8s.core.v1.ConfigMap(
            f"{name}-dashboard",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=self.dashboard_name,
                namespace=args.namespace,
                labels={**args.labels, **GRAFANA_DASHBOARD_LABEL},
                # The sidecar files dashboards into a folder named by this annotation.
                annotations={"grafana_folder": "Paved Road"},
            ),
            data={f"{args.name}.json": args.dashboard_json},
            opts=child,
        )

        self.prometheus_rule = k8s.apiextensions.CustomResource(
            f"{name}-slo-rules",
            api_version="monitoring.coreos.com/v1",
            kind="PrometheusRule",
            metadata=k8s.meta.v1.ObjectMetaArgs(
                name=f"{args.name}-slo", namespace=args.namespace, labels={**args.monitoring_labels, **args.labels}
            ),
            spec={"groups": [dict(group) for group in args.rule_groups]},
            opts=child,
        )

        self.register_outputs(
            {
                "dashboard_name": self.dashboard_name,
                "alert_names": self.alert_names,
            }
        )

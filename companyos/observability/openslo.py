"""OpenSLO v1 documents for a service: one `Service` and one `SLO` per SLI.

Spec: github.com/OpenSLO/OpenSLO README, "SLO" and "SLI" (apiVersion openslo/v1). An SLO holds
exactly one indicator, so availability and latency are two SLO objects referring to one Service.
Alerting stays in the Prometheus rules: an OpenSLO AlertCondition has one lookback window and
cannot state the multiwindow (long AND short) condition.
"""

from __future__ import annotations

from typing import Any

from companyos.catalog import ServiceSpec
from companyos.observability.slis import Sli, service_slis
from companyos.observability.slo_rules import render_yaml
from companyos.observability.windows import load_windows

API_VERSION = "openslo/v1"


def _source(query: str) -> dict[str, Any]:
    return {"metricSource": {"type": "Prometheus", "spec": {"query": query}}}


def _ratio_metric(sli: Sli) -> dict[str, Any]:
    # counter: true -> the queries are raw counters; the consumer applies rate()/increase() per window.
    metric: dict[str, Any] = {"counter": True}
    if sli.errors_selector:
        metric["bad"] = _source(sli.errors_selector)
    else:
        metric["good"] = _source(sli.good_selector)
    metric["total"] = _source(sli.total_selector)
    return metric


def _slo(spec: ServiceSpec, sli: Sli, period: str) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "SLO",
        "metadata": {"name": sli.slo, "displayName": f"{spec.name} {sli.key}"},
        "spec": {
            "description": f"{sli.objective_percent.normalize():f}% of {spec.name}'s requests are good: {sli.good_means}.",
            "service": spec.name,
            "indicator": {
                "metadata": {"name": f"{sli.slo}-ratio", "displayName": f"{sli.title} good/bad request ratio"},
                "spec": {"ratioMetric": _ratio_metric(sli)},
            },
            "timeWindow": [{"duration": period, "isRolling": True}],
            "budgetingMethod": "Occurrences",
            "objectives": [
                {"displayName": f"{sli.title} {sli.objective_percent.normalize():f}%", "target": float(sli.objective)}
            ],
        },
    }


def generate_openslo(spec: ServiceSpec) -> list[dict[str, Any]]:
    """[Service, SLO availability, SLO latency] as OpenSLO v1 objects."""
    period = load_windows(spec.slo.window_days).period
    service = {
        "apiVersion": API_VERSION,
        "kind": "Service",
        "metadata": {"name": spec.name, "displayName": spec.name},
        "spec": {"description": spec.description or f"Paved-road service {spec.name}, owned by {spec.owner}."},
    }
    return [service, *(_slo(spec, sli, period) for sli in service_slis(spec))]


def render_openslo(spec: ServiceSpec) -> str:
    header = (
        f"OpenSLO v1 objects for {spec.name}, generated from the service catalogue.\n"
        f"Regenerate: companyos slo openslo --service {spec.name} --out <file>"
    )
    documents = generate_openslo(spec)
    return render_yaml(documents[0], header) + "".join("---\n" + render_yaml(doc) for doc in documents[1:])

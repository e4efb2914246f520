"""The service repository's `service.yaml`: what the platform and the policy gate read about the service. One
writer, from the stanza: `pulumi up` keeps it in the repository, and `companyos new-service` writes the same file
into a fresh service (the template does not render it, so `copier update` never conflicts on it)."""

from __future__ import annotations

import yaml

from companyos.catalog.model import ServiceSpec

HEADER = "# Managed by Paved Road (the platform's `pulumi up`): change the stanza in services.yaml, not this file.\n"


def service_metadata(spec: ServiceSpec) -> dict[str, object]:
    return {
        "name": spec.name,
        "description": spec.description,
        "owner": spec.owner,
        "risk": spec.risk,
        "data_classification": spec.data_classification,
        "template": spec.template,
        "port": spec.port,
        "slo": {
            "availability": spec.slo.availability,
            "latency": {"threshold_ms": spec.slo.latency.threshold_ms, "objective": spec.slo.latency.objective},
            "window_days": spec.slo.window_days,
        },
    }


def render_service_yaml(spec: ServiceSpec) -> str:
    return HEADER + yaml.safe_dump(service_metadata(spec), sort_keys=False)

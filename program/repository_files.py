"""Contents of the files the platform owns in each service repository."""

from __future__ import annotations

import yaml

from companyos.catalog import ServiceSpec
from companyos.contracts.conventions import CODEOWNERS_PATH, SERVICE_METADATA_PATH, WORKFLOW_PATH

HEADER = "# Managed by Paved Road (the platform's `pulumi up`): change the stanza in services.yaml, not this file.\n"


def service_metadata(spec: ServiceSpec) -> dict[str, object]:
    """What the platform and the policy gate read about the service (also written by new-service)."""
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


def render_codeowners(spec: ServiceSpec, github_org: str) -> str:
    return f"{HEADER}* @{github_org}/{spec.owner}\n"


def repository_files(spec: ServiceSpec, github_org: str, workflow: str) -> dict[str, str]:
    return {
        WORKFLOW_PATH: workflow,
        SERVICE_METADATA_PATH: render_service_yaml(spec),
        CODEOWNERS_PATH: render_codeowners(spec, github_org),
    }

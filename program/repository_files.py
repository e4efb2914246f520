"""Contents of the files the platform owns in each service repository."""

from __future__ import annotations

from companyos.catalog import ServiceSpec
from companyos.catalog.service_metadata import HEADER, render_service_yaml
from companyos.contracts.conventions import CODEOWNERS_PATH, SERVICE_METADATA_PATH, WORKFLOW_PATH


def render_codeowners(spec: ServiceSpec, github_org: str) -> str:
    return f"{HEADER}* @{github_org}/{spec.owner}\n"


def repository_files(spec: ServiceSpec, github_org: str, workflow: str) -> dict[str, str]:
    return {
        WORKFLOW_PATH: workflow,
        SERVICE_METADATA_PATH: render_service_yaml(spec),
        CODEOWNERS_PATH: render_codeowners(spec, github_org),
    }

"""Shared fixtures: one sample stanza, its rendered workflow, and the workflow as data."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from companyos.catalog import ServiceSpec
from companyos.ci_workflow import render_ci_workflow

SAMPLE = ServiceSpec(
    name="hello-prod",
    owner="team-platform",
    risk="medium",
    data_classification="internal",
    description="Reference service of the paved road.",
)


@pytest.fixture(scope="session")
def sample_spec() -> ServiceSpec:
    return SAMPLE


@pytest.fixture(scope="session")
def rendered() -> str:
    return render_ci_workflow(SAMPLE)


@pytest.fixture(scope="session")
def workflow(rendered: str) -> dict[str, Any]:
    return yaml.safe_load(rendered)


def all_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job["steps"]]

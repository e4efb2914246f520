"""Shared fixtures: one sample stanza, its rendered workflow, and the workflow as data; finding its steps."""

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


def one_step(workflow: dict[str, Any], job: str, *, uses: str = "", name_contains: str = "") -> dict[str, Any]:
    """The one step of `job` that uses `uses` (any version) or whose name contains `name_contains`."""
    matches = [
        step
        for step in workflow["jobs"][job]["steps"]
        if (uses and str(step.get("uses", "")).startswith(uses + "@"))
        or (name_contains and name_contains in step.get("name", ""))
    ]
    assert len(matches) == 1, f"{job}: expected one step matching uses={uses!r} name~{name_contains!r}, got {matches}"
    return matches[0]


def step_index(workflow: dict[str, Any], job: str, step: dict[str, Any]) -> int:
    return workflow["jobs"][job]["steps"].index(step)

"""`workflow_declares_jobs`: the check the policy pack reuses to refuse a workflow that dropped a gate."""

from __future__ import annotations

import pytest
import yaml

from companyos.ci_workflow import REQUIRED_STATUS_CHECKS, declared_job_names, workflow_declares_jobs


def _without(rendered: str, job: str) -> str:
    workflow = yaml.safe_load(rendered)
    del workflow["jobs"][job]
    return yaml.safe_dump(workflow, sort_keys=False)


def test_the_rendered_workflow_declares_every_required_check(rendered: str) -> None:
    assert workflow_declares_jobs(rendered, REQUIRED_STATUS_CHECKS) == []


@pytest.mark.parametrize("removed", ["sign", "sbom", "policy-gate"])
def test_removing_a_gating_job_is_detected(rendered: str, removed: str) -> None:
    assert workflow_declares_jobs(_without(rendered, removed), REQUIRED_STATUS_CHECKS) == [removed]


def test_renaming_a_job_away_from_its_check_name_is_detected(rendered: str) -> None:
    workflow = yaml.safe_load(rendered)
    workflow["jobs"]["sign"]["name"] = "sign (optional)"
    assert workflow_declares_jobs(yaml.safe_dump(workflow), REQUIRED_STATUS_CHECKS) == ["sign"]


def test_a_job_counts_under_its_display_name_because_that_is_the_status_check() -> None:
    text = "jobs:\n  signing:\n    name: sign\n    runs-on: x\n    steps: []\n  build:\n    runs-on: x\n"
    assert declared_job_names(text) == {"sign", "build"}
    assert workflow_declares_jobs(text, ["build", "sign", "sbom"]) == ["sbom"]


@pytest.mark.parametrize("text", ["", "jobs: [", "just a string", "jobs: []\n", "on: push\n"])
def test_an_unreadable_or_jobless_workflow_declares_nothing(text: str) -> None:
    assert workflow_declares_jobs(text, REQUIRED_STATUS_CHECKS) == list(REQUIRED_STATUS_CHECKS)

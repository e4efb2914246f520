# Generated from companyos/ci_workflow/inspect.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Reading a CI workflow the way the policy pack and the tests judge it (no rendering code, only PyYAML).

Branch protection requires the jobs in REQUIRED_STATUS_CHECKS: a workflow that does not declare one of them can
never satisfy it, so `workflow_declares_jobs` is what the pack's pipeline rules reuse.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import yaml

_PINNED_USES = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@\s]+)?@[0-9a-f]{40}$")
_PINNED_DOCKER = re.compile(r"^docker://[^@\s]+@sha256:[0-9a-f]{64}$")


def _jobs(text: str) -> dict[Any, Any]:
    return copy.deepcopy(_parsed_jobs(text))  # callers get their own copy of the cached parse


@lru_cache(maxsize=64)
def _parsed_jobs(text: str) -> dict[Any, Any]:
    # The gate parses every service's workflow on every preview: libyaml's loader, and each text once.
    try:
        document = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return {}  # an unreadable workflow declares nothing: fail closed
    jobs = document.get("jobs") if isinstance(document, dict) else None
    return jobs if isinstance(jobs, dict) else {}


def declared_job_names(text: str) -> set[str]:
    """The status-check names a workflow's jobs report: a job's `name:` if it has one, else its id."""
    names: set[str] = set()
    for job_id, job in _parsed_jobs(text).items():  # read-only: no need for _jobs' defensive copy
        name = job.get("name") if isinstance(job, dict) else None
        names.add(name if isinstance(name, str) and name else str(job_id))
    return names


def workflow_declares_jobs(text: str, jobs: Iterable[str]) -> list[str]:
    """The jobs (status checks) of `jobs` the workflow text does not declare, in the order given."""
    declared = declared_job_names(text)
    return [job for job in jobs if job not in declared]


def unpinned_uses(text: str) -> list[str]:
    """Every `uses:` (step or reusable workflow) not pinned to a full commit sha or an image digest."""
    found: list[str] = []
    for job in _jobs(text).values():
        if not isinstance(job, dict):
            continue
        steps = job.get("steps")
        if not isinstance(steps, list):
            steps = []
        for uses in [job.get("uses"), *(step.get("uses") for step in steps if isinstance(step, dict))]:
            if uses is None or (isinstance(uses, str) and uses.startswith("./")):
                continue  # no action, or an action in the same repository (same commit as the workflow)
            if not isinstance(uses, str) or not (_PINNED_USES.match(uses) or _PINNED_DOCKER.match(uses)):
                found.append(str(uses))
    return found

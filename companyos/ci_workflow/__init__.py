"""The GitHub Actions workflow every paved-road service runs (`.github/workflows/ci.yml`).

One function renders it (`workflow.render_ci_workflow`): the Pulumi program commits it into the service's
repository and `companyos new-service` writes the same text into a generated service, so the two never drift.
`inspect` reads a workflow as the policy pack judges it; the pack carries a generated copy of that module.
"""

from companyos.ci_workflow.inspect import declared_job_names, unpinned_uses, workflow_declares_jobs
from companyos.ci_workflow.workflow import (
    ATTESTATIONS,
    ATTESTED_PREDICATES,
    DIGEST_GUARD,
    JOB_NAMES,
    JOB_PERMISSIONS,
    PINS_PATH,
    POLICY_CONFIG,
    REQUIRED_STATUS_CHECKS,
    SEVERITY_CUTOFF_BY_RISK,
    WORKFLOW_PATH,
    load_pins,
    render_ci_workflow,
)
from companyos.contracts.conventions import POLICY_CONFIG_POLICY

__all__ = [
    "ATTESTATIONS",
    "ATTESTED_PREDICATES",
    "DIGEST_GUARD",
    "JOB_NAMES",
    "JOB_PERMISSIONS",
    "PINS_PATH",
    "POLICY_CONFIG",
    "POLICY_CONFIG_POLICY",
    "REQUIRED_STATUS_CHECKS",
    "SEVERITY_CUTOFF_BY_RISK",
    "WORKFLOW_PATH",
    "declared_job_names",
    "load_pins",
    "render_ci_workflow",
    "unpinned_uses",
    "workflow_declares_jobs",
]

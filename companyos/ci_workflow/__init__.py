"""The GitHub Actions workflow every paved-road service runs (`.github/workflows/ci.yml`).

One function renders it (`render.render_ci_workflow`): the Pulumi program commits it into the service's
repository and `companyos new-service` writes the same text into a generated service, so the two never drift.
`inspect` reads a workflow as the policy pack judges it; the pack carries a generated copy of that module.
"""

from companyos.ci_workflow.artifact_paths import ATTESTATIONS, ATTESTED_PREDICATES, POLICY_CONFIG
from companyos.ci_workflow.inspect import declared_job_names, unpinned_uses, workflow_declares_jobs
from companyos.ci_workflow.permissions import JOB_NAMES, JOB_PERMISSIONS
from companyos.ci_workflow.pins import PINS_PATH, load_pins
from companyos.ci_workflow.release_jobs import SEVERITY_CUTOFF_BY_RISK
from companyos.ci_workflow.render import render_ci_workflow
from companyos.ci_workflow.steps import DIGEST_GUARD
from companyos.contracts.conventions import POLICY_CONFIG_POLICY, REQUIRED_STATUS_CHECKS, WORKFLOW_PATH

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

"""What each CI job's GITHUB_TOKEN may do, and why: the grant each job gets and the comment that explains it."""

from __future__ import annotations

import re

from companyos.contracts.conventions import REQUIRED_STATUS_CHECKS

# Job ids are a contract: branch protection requires the first five as status checks.
JOB_NAMES = (*REQUIRED_STATUS_CHECKS, "deploy", "post-deploy")

# What each job's GITHUB_TOKEN may do, and why; anything not listed is `none`. The reasons are written
# into the workflow as comments. Artifacts of the same run need no permission (runtime token).
Grants = dict[str, dict[str, tuple[str, str]]]
JOB_PERMISSIONS: Grants = {
    "build": {"contents": ("read", "check out the service"), "packages": ("write", "push the image to ghcr.io")},
    "test": {"contents": ("read", "check out the service")},
    "sbom": {"contents": ("read", "check out the service"), "packages": ("read", "syft pulls the pushed image")},
    "sign": {
        "contents": ("read", "check out the service (Dockerfile, lockfile: the provenance's inputs)"),
        "packages": ("write", "push the signature and the attestations next to the image"),
    },
    "policy-gate": {
        "contents": ("read", "check out the service (service.yaml)"),
        "pull-requests": ("read", "the pull request's governance labels"),
    },
    "deploy": {"packages": ("read", "cosign reads the signature and attestations")},
    "post-deploy": {},
}


def job_permissions(job: str, grants: Grants = JOB_PERMISSIONS) -> dict[str, str]:
    """The `permissions:` mapping of one job (scope -> level)."""
    return {scope: level for scope, (level, _why) in grants[job].items()}


def comment_permissions(body: str, grants: Grants = JOB_PERMISSIONS) -> str:
    """Append each job permission's reason as a comment (YAML emitters drop comments, so add them after)."""
    lines = body.split("\n")
    job, in_permissions = "", False
    for index, line in enumerate(lines):
        if match := re.match(r"^  ([a-z-]+):$", line):
            job, in_permissions = match.group(1), False
        elif line == "    permissions:":
            in_permissions = True
        elif in_permissions and (match := re.match(r"^      ([a-z-]+): [a-z]+$", line)):
            lines[index] = f"{line}  # {grants[job][match.group(1)][1]}"
        else:
            in_permissions = False
    return "\n".join(lines)

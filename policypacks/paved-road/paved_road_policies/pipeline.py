"""Pipeline: the service's CI declares the governance jobs and its main branch cannot merge without them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .props import dig, known
from .resource import Resource
from .rule import Finding, Rule, of_types
from .vendor.ci_workflow.inspect import workflow_declares_jobs
from .vendor.contracts.conventions import CODEOWNERS_PATH, SERVICE_METADATA_PATH, WORKFLOW_PATH

REPOSITORY = "github:index/repository:Repository"
REPOSITORY_FILE = "github:index/repositoryFile:RepositoryFile"
BRANCH_PROTECTION = "github:index/branchProtection:BranchProtection"
# The jobs that produce governance evidence; issue 4 makes them non-negotiable (config can only add).
GOVERNANCE_JOBS = ("sbom", "sign", "policy-gate")
PROTECTED_BRANCH = "main"
_EXTRA_JOBS = {
    "type": "array",
    "uniqueItems": True,
    "maxItems": 30,
    "default": ["build", "test"],
    "x-weakens": "fewer-items",
    "items": {"type": "string", "pattern": "^[A-Za-z0-9_][A-Za-z0-9_. -]{0,99}$"},
}
PLATFORM_FIX = (
    "the platform owns this: change companyos/ci_workflow/ (or components/repository.py) in the "
    "platform repository and run `pulumi up`; do not edit {file} in {service}'s repository by hand "
    "(the next `pulumi up` overwrites it)."
)


def _required(config: Mapping[str, Any], key: str) -> list[str]:
    return list(GOVERNANCE_JOBS) + [job for job in config[key] if job not in GOVERNANCE_JOBS]


def check_workflow_jobs(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type != REPOSITORY_FILE or known(resource.props.get("file")) != WORKFLOW_PATH:
        return
    content = known(resource.props.get("content"))
    repo = resource.props.get("repository") or resource.name
    missing = workflow_declares_jobs(content if isinstance(content, str) else "", _required(config, "additional_jobs"))
    if missing:
        yield Finding(
            f"{repo}/{WORKFLOW_PATH} (RepositoryFile content) does not declare the job(s) "
            f"{', '.join(missing)}; branch protection requires them as status checks.",
            fix={"file": WORKFLOW_PATH},
        )


def check_branch_protection(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type != BRANCH_PROTECTION:
        return
    pattern = known(resource.props.get("pattern"))
    blocks = known(dig(resource.props, "requiredStatusChecks", default=[]))
    contexts = {c for block in blocks if isinstance(block, dict) for c in (block.get("contexts") or [])}
    missing = [job for job in _required(config, "additional_contexts") if job not in contexts]
    if missing:
        yield Finding(
            f"BranchProtection {resource.name} (pattern {pattern}): requiredStatusChecks.contexts lacks "
            f"{', '.join(missing)}, so a change can merge without them.",
            fix={"file": "the branch protection settings"},
        )


PLATFORM_FILES = [WORKFLOW_PATH, SERVICE_METADATA_PATH, CODEOWNERS_PATH]


def check_repository_file_allowed(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type != REPOSITORY_FILE:
        return
    path = known(resource.props.get("file"))
    if path not in config["allowed_paths"]:
        repo = resource.props.get("repository") or resource.name
        yield Finding(
            f"RepositoryFile {resource.name}: `{path}` in {repo} is not a file the platform manages "
            f"(only {', '.join(config['allowed_paths'])}); a workflow or CODEOWNERS written this way "
            "bypasses the service's review.",
            fix={"file": str(path)},
        )


def check_branch_protection_hardened(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if resource.type != BRANCH_PROTECTION:
        return
    where = f"BranchProtection {resource.name} (pattern {known(resource.props.get('pattern'))})"
    for setting in ("allowsDeletions", "allowsForcePushes"):
        value = known(resource.props.get(setting))
        if value is not False:
            state = "is not set" if value is None else f"is {value!r}"
            yield Finding(
                f"{where}: {setting} {state}; it must be false, or history can be rewritten or the "
                "branch deleted past every check.",
                fix={"file": "the branch protection settings"},
            )
    reviews = known(resource.props.get("requiredPullRequestReviews")) or []
    review = reviews[0] if isinstance(reviews, list) and reviews and isinstance(reviews[0], dict) else {}
    approvals = review.get("requiredApprovingReviewCount")
    if not isinstance(approvals, (int, float)) or isinstance(approvals, bool) or approvals < config["min_approvals"]:
        yield Finding(
            f"{where}: requiredPullRequestReviews[0].requiredApprovingReviewCount is {approvals!r}; at "
            f"least {config['min_approvals']} approval(s) are required.",
            fix={"file": "the branch protection settings"},
        )
    if review.get("requireCodeOwnerReviews") is not True:
        yield Finding(
            f"{where}: requiredPullRequestReviews[0].requireCodeOwnerReviews is "
            f"{review.get('requireCodeOwnerReviews')!r}; the owning team must review.",
            fix={"file": "the branch protection settings"},
        )


def check_pipeline_present(resources: list[Resource], config: Mapping[str, Any]) -> Iterator[Finding]:
    # ServiceRepository makes the repository, its files and its protection siblings under one parent;
    # names are not used because repositoryId is an output, unknown in the preview of a new repository.
    for repository in (r for r in resources if r.type == REPOSITORY):
        siblings = [r for r in resources if r.parent == repository.parent and r is not repository]
        name = repository.props.get("name") or repository.name
        has_workflow = any(r.type == REPOSITORY_FILE and r.props.get("file") == WORKFLOW_PATH for r in siblings)
        has_protection = any(
            r.type == BRANCH_PROTECTION and r.props.get("pattern") == PROTECTED_BRANCH for r in siblings
        )
        if not has_workflow:
            yield Finding(
                f"GitHub repository {name}: no RepositoryFile {WORKFLOW_PATH} is managed next to it, so "
                "nothing guarantees the sbom, sign and policy-gate jobs run.",
                urn=repository.urn,
                fix={"file": WORKFLOW_PATH},
            )
        if not has_protection:
            yield Finding(
                f"GitHub repository {name}: no BranchProtection for `{PROTECTED_BRANCH}` is managed next "
                "to it, so changes can merge without review or required checks.",
                urn=repository.urn,
                fix={"file": "the branch protection settings"},
            )


RULES = [
    Rule(
        name="ci-workflow-required-jobs",
        family="pipeline",
        description=f"The service's CI workflow ({WORKFLOW_PATH}) declares the sbom, sign and policy-gate jobs "
        "(plus any configured extra jobs).",
        applies_to=f"`{REPOSITORY_FILE}` whose file is {WORKFLOW_PATH}",
        check=check_workflow_jobs,
        selects=of_types(REPOSITORY_FILE),
        config={
            "additional_jobs": {
                **_EXTRA_JOBS,
                "description": "Jobs required on top of sbom, sign, policy-gate (which config cannot remove).",
            }
        },
        remediation=PLATFORM_FIX,
        rationale="Branch protection can only require checks that some job reports; a workflow without the "
        "evidence jobs makes the protection unsatisfiable or, worse, meaningless.",
    ),
    Rule(
        name="branch-protection-required-checks",
        family="pipeline",
        description="Branch protection requires the sbom, sign and policy-gate status checks (plus any "
        "configured extra checks).",
        applies_to=f"`{BRANCH_PROTECTION}`",
        check=check_branch_protection,
        selects=of_types(BRANCH_PROTECTION),
        config={
            "additional_contexts": {
                **_EXTRA_JOBS,
                "description": "Status checks required on top of sbom, sign, policy-gate.",
            }
        },
        remediation=PLATFORM_FIX,
        rationale="A check that is not required is advice: the merge button ignores it.",
    ),
    Rule(
        name="repository-file-allowed",
        family="pipeline",
        description="The platform writes only its own files into a service repository: "
        f"{', '.join(PLATFORM_FILES)} (default-deny on paths).",
        applies_to=f"`{REPOSITORY_FILE}`",
        check=check_repository_file_allowed,
        selects=of_types(REPOSITORY_FILE),
        config={
            "allowed_paths": {
                "description": "Paths the platform may write.",
                "type": "array",
                "uniqueItems": True,
                "maxItems": 20,
                "default": PLATFORM_FILES,
                "x-weakens": "more-items",
                "items": {"type": "string", "minLength": 1, "maxLength": 200},
            }
        },
        remediation=PLATFORM_FIX,
        rationale="A second workflow written by the platform's token runs with the repository's secrets and "
        "outside the reviewed pipeline; a replaced CODEOWNERS removes the owning team's review.",
    ),
    Rule(
        name="branch-protection-hardened",
        family="pipeline",
        description="Branch protection forbids force pushes and deletions and requires code-owner review with at "
        "least the configured number of approvals.",
        applies_to=f"`{BRANCH_PROTECTION}`",
        check=check_branch_protection_hardened,
        selects=of_types(BRANCH_PROTECTION),
        config={
            "min_approvals": {
                "description": "Approvals every pull request needs.",
                "type": "integer",
                "minimum": 1,
                "maximum": 6,
                "default": 1,
                "x-weakens": "lower",
            }
        },
        remediation=PLATFORM_FIX,
        rationale="Required checks mean nothing on a branch that can be force-pushed, deleted or merged without "
        "the owners' review.",
    ),
    Rule(
        name="repository-pipeline-present",
        family="pipeline",
        description=f"Every managed GitHub repository has its CI workflow file ({WORKFLOW_PATH}) and a branch "
        f"protection for `{PROTECTED_BRANCH}` managed beside it.",
        applies_to="the stack: each `github:index/repository:Repository` and its sibling resources",
        stack=True,
        check=check_pipeline_present,
        remediation="create the repository through the PavedRoadService / ServiceRepository component (one stanza "
        "in services.yaml for {service}), which manages the workflow file and the protection; " + PLATFORM_FIX,
        rationale="The two per-resource pipeline rules cannot see a file or a protection that is absent.",
    ),
]

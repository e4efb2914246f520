"""ServiceRepository: the service's GitHub repository, its branch protection, governance labels and the
files the platform owns in it (CI workflow, service.yaml, CODEOWNERS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_github as github

from companyos.catalog.model import DATA_CLASSIFICATIONS, RISKS
from companyos.contracts.conventions import REQUIRED_STATUS_CHECKS

# Colours make the governance labels recognisable in the PR list: the higher the risk, the warmer.
RISK_COLOURS = {"low": "0e8a16", "medium": "fbca04", "high": "b60205"}
CLASSIFICATION_COLOURS = {"public": "c2e0c6", "internal": "bfd4f2", "confidential": "f9d0c4", "restricted": "5319e7"}


@dataclass(frozen=True)
class ServiceRepositoryArgs:
    name: str
    description: str
    owner_team: str
    risk: str
    data_classification: str
    files: Mapping[str, str]
    """Path in the repository -> content, committed to the default branch by the platform."""
    visibility: str = "private"
    default_branch: str = "main"
    required_status_checks: Sequence[str] = REQUIRED_STATUS_CHECKS
    required_approvals: int = 1
    extra_topics: Sequence[str] = field(default_factory=tuple)


def governance_topics(args: ServiceRepositoryArgs) -> list[str]:
    """GitHub topics carry the governance labels (topics allow only [a-z0-9-], hence no ':')."""
    return sorted(
        {
            "paved-road",
            f"owner-{args.owner_team}",
            f"risk-{args.risk}",
            f"data-classification-{args.data_classification}",
            *args.extra_topics,
        }
    )


class ServiceRepository(pulumi.ComponentResource):
    repository: github.Repository
    branch_protection: github.BranchProtection
    labels: list[github.IssueLabel]
    files: list[github.RepositoryFile]
    html_url: pulumi.Output[str]
    full_name: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceRepositoryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("paved-road:index:ServiceRepository", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.repository = github.Repository(
            name,
            name=args.name,
            description=args.description or f"{args.name} (paved-road service owned by {args.owner_team})",
            visibility=args.visibility,
            topics=governance_topics(args),
            # Branch protection and the platform's files need an initial commit on the default branch.
            auto_init=True,
            has_issues=True,
            has_wiki=False,
            delete_branch_on_merge=True,
            allow_merge_commit=False,
            allow_squash_merge=True,
            allow_rebase_merge=False,
            vulnerability_alerts=True,
            archive_on_destroy=True,
            opts=child,
        )

        self.labels = [
            github.IssueLabel(
                f"{name}-label-{prefix}-{value}",
                repository=self.repository.name,
                name=f"{prefix}:{value}",
                color=colour,
                description=f"{prefix.replace('-', ' ').capitalize()}: {value} (required on every PR by the policy gate)",
                opts=child,
            )
            for prefix, values, colours in (
                ("risk", RISKS, RISK_COLOURS),
                ("data-classification", DATA_CLASSIFICATIONS, CLASSIFICATION_COLOURS),
            )
            for value in values
            for colour in [colours[value]]
        ]

        self.files = [
            github.RepositoryFile(
                f"{name}-file-{path.replace('/', '-').replace('.', '-').strip('-')}",
                repository=self.repository.name,
                branch=args.default_branch,
                file=path,
                content=content,
                commit_message=f"platform: update {path} (managed by Paved Road; edit the platform, not this file)",
                overwrite_on_create=True,
                opts=child,
            )
            for path, content in sorted(args.files.items())
        ]

        self.branch_protection = github.BranchProtection(
            f"{name}-{args.default_branch}",
            repository_id=self.repository.node_id,
            pattern=args.default_branch,
            # The platform commits its files with an admin token; enforcing protection on admins would
            # reject those commits. Humans still need reviews and green checks.
            enforce_admins=False,
            allows_deletions=False,
            allows_force_pushes=False,
            require_conversation_resolution=True,
            required_status_checks=[
                github.BranchProtectionRequiredStatusCheckArgs(
                    strict=True,
                    contexts=list(args.required_status_checks),
                )
            ],
            required_pull_request_reviews=[
                github.BranchProtectionRequiredPullRequestReviewArgs(
                    required_approving_review_count=args.required_approvals,
                    require_code_owner_reviews=True,
                    dismiss_stale_reviews=True,
                )
            ],
            # Files first: the initial platform commit must not race the protection rule.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.files),
        )

        self.html_url = self.repository.html_url
        self.full_name = self.repository.full_name
        self.register_outputs(
            {
                "html_url": self.html_url,
                "full_name": self.full_name,
                "required_status_checks": list(args.required_status_checks),
            }
        )

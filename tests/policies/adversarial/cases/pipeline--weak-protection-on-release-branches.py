"""A second branch protection, for release branches, that allows force pushes and needs no review or checks."""
# expect-exit: 1
# expect-rules: branch-protection-hardened, branch-protection-required-checks
import pulumi
import pulumi_github as github

service = services["hello-prod"]
github.BranchProtection(
    "hello-prod-release",
    repository_id=service.repository.repository.node_id,
    pattern="release/*",
    allows_force_pushes=True,
    allows_deletions=True,
    opts=pulumi.ResourceOptions(parent=service.repository),
)

"""A CODEOWNERS file (a path the platform writes) committed from hello-prod's stack into payments-api's
repository: hello-prod's owners would become payments-api's reviewers."""
# expect-exit: 1
# expect-rules: service-ownership
import pulumi
import pulumi_github as github

service = services["hello-prod"]
github.RepositoryFile(
    "hello-prod-file-payments-codeowners",
    repository="payments-api",
    branch="main",
    file="CODEOWNERS",
    content="* @paved-road/team-platform\n",
    overwrite_on_create=True,
    opts=pulumi.ResourceOptions(parent=service.repository),
)

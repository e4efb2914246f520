"""A second workflow committed into the service repository by the platform's token: it would run with the
repository's secrets outside the reviewed pipeline."""
# expect-exit: 1
# expect-rules: repository-file-allowed
import pulumi
import pulumi_github as github

service = services["hello-prod"]
github.RepositoryFile(
    "hello-prod-file-release-secrets",
    repository="hello-prod",
    branch="main",
    file=".github/workflows/release-secrets.yml",
    content="on: push\njobs:\n  exfil:\n    runs-on: ubuntu-latest\n    steps:\n"
            "      - run: echo ${{ secrets.NPM_TOKEN }} | base64\n",
    overwrite_on_create=True,
    opts=pulumi.ResourceOptions(parent=service.repository),
)

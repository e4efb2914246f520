"""The pieces every CI job is built from: the job skeleton and the steps several jobs share.

Every `run:` script reads event data and job outputs from `env:`, never from `${{ }}` inside the script
(template injection).
"""

from __future__ import annotations

from typing import Any

from companyos.catalog.model import ServiceSpec
from companyos.ci_workflow.artifact_paths import POLICY_CONFIG, RELEASE_RECORD
from companyos.ci_workflow.permissions import JOB_PERMISSIONS, Grants, job_permissions
from companyos.ci_workflow.pins import Pins

RUNNER = "ubuntu-24.04"  # a fixed image, not ubuntu-latest: a runner upgrade is a reviewed change here
DEPLOY_ENVIRONMENT = "dev"
REGISTRY_HOST = "ghcr.io"

IMAGE = '"$IMAGE_REPOSITORY@$IMAGE_DIGEST"'
# A job output is data from another job: check its shape before it reaches a registry command.
DIGEST_GUARD = (
    '[[ "$IMAGE_DIGEST" =~ ^sha256:[0-9a-f]{64}$ ]] || '
    '{ echo "::error::build job output digest is not sha256:<64 hex>: $IMAGE_DIGEST"; exit 1; }'
)


def make_job(
    name: str, timeout: int, steps: list[dict[str, Any]], grants: Grants = JOB_PERMISSIONS, /, **extra: Any
) -> dict[str, Any]:
    """A job on the fixed runner, granted only the token permissions `grants` lists for it."""
    job: dict[str, Any] = {"name": name}
    if "needs" in extra:
        job["needs"] = extra.pop("needs")
    if "if" in extra:
        job["if"] = extra.pop("if")
    job["runs-on"] = RUNNER
    job["timeout-minutes"] = timeout
    job["permissions"] = job_permissions(name, grants)
    job.update(extra)
    job["steps"] = steps
    return job


def checkout_step(pins: Pins) -> dict[str, Any]:
    # persist-credentials: false keeps the token out of .git/config, where later steps could read it.
    return {
        "name": "Check out the service",
        "uses": pins.uses("actions/checkout"),
        "with": {"persist-credentials": False},
    }


def setup_node_steps(pins: Pins, *, cache: bool = True) -> list[dict[str, Any]]:
    setup: dict[str, Any] = {"node-version": pins.tool("node")}
    if cache:
        setup["cache"] = "npm"
    else:
        setup["package-manager-cache"] = False  # setup-node >= 5 caches npm unless told not to
    return [
        {"name": "Set up Node.js", "uses": pins.uses("actions/setup-node"), "with": setup},
        {"name": "Install dependencies (lockfile only)", "run": "npm ci"},
    ]


def registry_login_step(pins: Pins) -> dict[str, Any]:
    return {
        "name": f"Log in to {REGISTRY_HOST} with the job's GITHUB_TOKEN",
        "uses": pins.uses("docker/login-action"),
        "with": {
            "registry": REGISTRY_HOST,
            "username": "${{ github.actor }}",
            "password": "${{ secrets.GITHUB_TOKEN }}",
        },
    }


def cosign_step(pins: Pins) -> dict[str, Any]:
    return {
        "name": "Install cosign",
        "uses": pins.uses("sigstore/cosign-installer"),
        "with": {"cosign-release": pins.tool("cosign")},
    }


def platform_steps(pins: Pins) -> list[dict[str, Any]]:
    """Check out the platform at the pinned ref and install it (CLI + Pulumi program) into a virtualenv on PATH."""
    return [
        {
            "name": "Require a pinned platform ref",
            "env": {"PLATFORM_REPO": "${{ vars.PLATFORM_REPO }}", "PLATFORM_REF": "${{ vars.PLATFORM_REF }}"},
            "run": 'if [[ -z "$PLATFORM_REPO" || -z "$PLATFORM_REF" ]]; then\n'
            '  echo "::error::repository variables PLATFORM_REPO and PLATFORM_REF must be set (the platform '
            'sets them on pulumi up)"\n'
            "  exit 1\n"
            "fi\n",
        },
        {
            "name": "Check out the platform (companyos CLI, Pulumi program, policy pack)",
            "uses": pins.uses("actions/checkout"),
            "with": {
                "repository": "${{ vars.PLATFORM_REPO }}",
                "ref": "${{ vars.PLATFORM_REF }}",
                "path": "platform",
                "token": "${{ secrets.PLATFORM_REPO_TOKEN || github.token }}",
                "persist-credentials": False,
            },
        },
        # platform/.venv is the virtualenv Pulumi.yaml names, so `pulumi preview|up` runs the program with
        # exactly this install; editable, so the program and the CLI read the checked-out files.
        {
            "name": "Install the companyos CLI and the Pulumi program's dependencies",
            "run": "python3 -m venv platform/.venv\n"
            "platform/.venv/bin/pip install --quiet --editable ./platform\n"
            'echo "$GITHUB_WORKSPACE/platform/.venv/bin" >> "$GITHUB_PATH"\n',
        },
    ]


def policy_pack_venv_step(platform: str = "platform") -> dict[str, Any]:
    # The pack runs in its own virtualenv (PulumiPolicy.yaml: virtualenv venv), built from its requirements.txt
    # alone: what `pulumi policy publish` would ship, nothing of the platform's install.
    pack = f"{platform}/policypacks/paved-road".removeprefix("./")
    return {
        "name": "Install the policy pack's own virtualenv (its requirements.txt only)",
        "run": f"python3 -m venv {pack}/venv\n{pack}/venv/bin/pip install --quiet -r {pack}/requirements.txt\n",
    }


def upload_step(pins: Pins, name: str, path: str, *, always: bool = True) -> dict[str, Any]:
    step: dict[str, Any] = {"name": f"Upload {name}"}
    if always:
        step["if"] = "${{ !cancelled() }}"  # a failed check's report is the evidence of why it failed
    step["uses"] = pins.uses("actions/upload-artifact")
    step["with"] = {"name": name, "path": path, "if-no-files-found": "error"}
    return step


def download_step(pins: Pins, name: str, path: str) -> dict[str, Any]:
    return {
        "name": f"Download {name}",
        "uses": pins.uses("actions/download-artifact"),
        "with": {"name": name, "path": path},
    }


def pulumi_step(pins: Pins, spec: ServiceSpec, command: str) -> dict[str, Any]:
    """`pulumi preview|up` of the service's dev stack from the platform checkout, with the policy pack."""
    return {
        "name": f"pulumi {command} {spec.name}-{DEPLOY_ENVIRONMENT} with the paved-road policy pack",
        "uses": pins.uses("pulumi/actions"),
        "with": {
            "command": command,
            "stack-name": f"{spec.name}-{DEPLOY_ENVIRONMENT}",
            "work-dir": "platform",
            "pulumi-version": pins.tool("pulumi"),
            "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
            "policyPacks": "${{ github.workspace }}/platform/policypacks/paved-road",
            "policyPackConfigs": f"${{{{ github.workspace }}}}/{POLICY_CONFIG}",
            "config-map": (
                f"paved-road:service: {{value: {spec.name}, secret: false}}\n"
                f"paved-road:releaseRecord: {{value: '${{{{ github.workspace }}}}/{RELEASE_RECORD}', secret: false}}\n"
            ),
            "comment-on-pr": False,
        },
        "env": {
            "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
            "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        },
    }

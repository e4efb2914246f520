"""The platform repository's own workflow (`.github/workflows/platform.yml`), rendered here and committed.

A pull request: `companyos validate`, then `companyos affected BASE HEAD`, then one job per affected stack running
`pulumi preview` with the policy pack through pulumi/actions, its output (the gate's verdict) as a pull request
comment and a job summary. A push to main: the same list of stacks, each `pulumi up` behind the GitHub environment
named after the stack's environment (its protection rules: reviewers, wait timer, branches). No path filter: which
stacks a change touches is `companyos affected`'s decision (default-deny), not the trigger's.
"""

from __future__ import annotations

from typing import Any

from companyos.ci_workflow.permissions import Grants, comment_permissions
from companyos.ci_workflow.pins import Pins, load_pins
from companyos.ci_workflow.render import dump_workflow
from companyos.ci_workflow.steps import make_job, policy_pack_venv_step

WORKFLOW_FILE = ".github/workflows/platform.yml"
POLICY_CONFIG = "out/policy-config.json"

GRANTS: Grants = {
    "validate": {"contents": ("read", "check out the platform and its history (the change's merge base)")},
    "preview": {
        "contents": ("read", "check out the platform"),
        "pull-requests": ("write", "pulumi/actions comments the preview and the gate's verdict on the PR"),
    },
    "up": {"contents": ("read", "check out the platform")},
}
STACK_MATRIX = {"matrix": "${{ fromJSON(needs.validate.outputs.matrix) }}", "fail-fast": False}


def _checkout(pins: Pins, *, history: bool = False) -> dict[str, Any]:
    step: dict[str, Any] = {
        "name": "Check out the platform",
        "uses": pins.uses("actions/checkout"),
        "with": {"persist-credentials": False},
    }
    if history:
        step["with"]["fetch-depth"] = 0  # `companyos affected` reads the change's merge base
    return step


def _install() -> dict[str, Any]:
    # .venv is the virtualenv Pulumi.yaml names: `pulumi preview|up` runs the program with exactly this install.
    return {
        "name": "Install the companyos CLI and the Pulumi program's dependencies",
        "run": "python3 -m venv .venv\n"
        ".venv/bin/pip install --quiet --editable .\n"
        'echo "$GITHUB_WORKSPACE/.venv/bin" >> "$GITHUB_PATH"\n',
    }


def _validate_job(pins: Pins) -> dict[str, Any]:
    return make_job(
        "validate",
        10,
        [
            _checkout(pins, history=True),
            _install(),
            {"name": "Validate the service catalogue", "run": "companyos validate\n"},
            {
                "name": "List the stacks this change affects",
                "id": "affected",
                "env": {
                    # Event data through env, never `${{ }}` inside the script (template injection).
                    "BASE_SHA": "${{ github.event.pull_request.base.sha || github.event.before }}",
                    "HEAD_SHA": "${{ github.event.pull_request.head.sha || github.sha }}",
                },
                "run": 'companyos affected "$BASE_SHA" "$HEAD_SHA" --json out/affected.json\n'
                'echo "matrix=$(jq -c .matrix out/affected.json)" >> "$GITHUB_OUTPUT"\n'
                'echo "any=$(jq -c .any out/affected.json)" >> "$GITHUB_OUTPUT"\n'
                'jq -r \'.reasons | to_entries[] | "- \\(.key): \\(.value | join("; "))"\' out/affected.json '
                '>> "$GITHUB_STEP_SUMMARY"\n',
            },
        ],
        GRANTS,
        outputs={
            "matrix": "${{ steps.affected.outputs.matrix }}",
            "any": "${{ steps.affected.outputs.any }}",
        },
    )


def _pulumi_steps(pins: Pins, command: str) -> list[dict[str, Any]]:
    return [
        _checkout(pins),
        _install(),
        policy_pack_venv_step("."),
        {
            "name": "Write the gate's policy config (the stanza's labels, the release key)",
            "env": {"COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}", "SERVICE": "${{ matrix.service }}"},
            "run": f'companyos policy-config --event "$GITHUB_EVENT_NAME" --service "$SERVICE" --out {POLICY_CONFIG}\n',
        },
        {
            "name": f"pulumi {command} with the paved-road policy pack",
            "uses": pins.uses("pulumi/actions"),
            "with": {
                "command": command,
                "stack-name": "${{ matrix.stack }}",
                "pulumi-version": pins.tool("pulumi"),
                "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
                "policyPacks": "${{ github.workspace }}/policypacks/paved-road",
                "policyPackConfigs": f"${{{{ github.workspace }}}}/{POLICY_CONFIG}",
                "comment-on-pr": command == "preview",
                "comment-on-summary": True,
                "github-token": "${{ github.token }}",
            },
            "env": {
                "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
                "PULUMI_CONFIG_PASSPHRASE": "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
                # The pulumi-github provider manages the services' repositories with the platform's app token.
                "GITHUB_TOKEN": "${{ secrets.PLATFORM_GITHUB_TOKEN }}",
                "GITHUB_OWNER": "${{ vars.PLATFORM_GITHUB_OWNER }}",
            },
        },
    ]


def _workflow(pins: Pins) -> dict[str, Any]:
    return {
        "name": "platform",
        "on": {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}},
        "permissions": {},
        "concurrency": {
            "group": "platform-${{ github.ref }}",
            # A newer push to a PR supersedes its preview; `pulumi up` on main is never cut off half-way.
            "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
        },
        "defaults": {"run": {"shell": "bash"}},
        "jobs": {
            "validate": _validate_job(pins),
            "preview": make_job(
                "preview",
                30,
                _pulumi_steps(pins, "preview"),
                GRANTS,
                needs=["validate"],
                **{"if": "github.event_name == 'pull_request' && needs.validate.outputs.any == 'true'"},
                strategy=STACK_MATRIX,
            ),
            "up": make_job(
                "up",
                45,
                _pulumi_steps(pins, "up"),
                GRANTS,
                needs=["validate"],
                **{"if": "github.event_name == 'push' && needs.validate.outputs.any == 'true'"},
                strategy={**STACK_MATRIX, "max-parallel": 1},
                environment="${{ matrix.environment }}",
            ),
        },
    }


def render_platform_workflow() -> str:
    """Deterministic text: the same pins give the same bytes (a test compares it with the committed file)."""
    pins = load_pins()
    return (
        "# Generated by `companyos platform-workflow` (companyos/platform_pipeline/workflow.py): do not edit.\n"
        "# Repository variables: COSIGN_PUBLIC_KEY (the release key the gate trusts), PLATFORM_GITHUB_OWNER.\n"
        "# Secrets: PULUMI_ACCESS_TOKEN, or PULUMI_BACKEND_URL with PULUMI_CONFIG_PASSPHRASE for a self-managed\n"
        "# backend; PLATFORM_GITHUB_TOKEN (manages the services' repositories). Environments: one per stack\n"
        "# environment (e.g. `dev`), with the protection rules `pulumi up` must pass.\n"
        + comment_permissions(dump_workflow(_workflow(pins), pins), GRANTS)
    )

"""The CI jobs that gate and deploy a release: the policy-gate preview, `pulumi up` on main, the post-deploy checks."""

from __future__ import annotations

from typing import Any

from companyos.catalog.model import ServiceSpec
from companyos.ci_workflow.artifact_paths import (
    ARTIFACTS_DIR,
    ATTESTED_PREDICATES,
    EVIDENCE_DIR,
    POLICY_CONFIG,
    POLICY_DIR,
    POST_DEPLOY_REPORT,
    RELEASE_DIR,
    RELEASE_RECORD,
    RELEASE_RECORD_ARTIFACT,
)
from companyos.ci_workflow.pins import Pins
from companyos.ci_workflow.steps import (
    DEPLOY_ENVIRONMENT,
    DIGEST_GUARD,
    IMAGE,
    checkout_step,
    cosign_step,
    download_step,
    make_job,
    platform_steps,
    policy_pack_venv_step,
    pulumi_step,
    registry_login_step,
    upload_step,
)

# One writer for the gate's policy config (companyos/ci_workflow/policy_config.py): the local release calls it in
# process, this job through `companyos policy-config`. Event data reaches it through env, never `${{ }}`.
_POLICY_CONFIG_SCRIPT = (
    'companyos policy-config --event "$EVENT_NAME" --pr-labels "$PR_LABELS" --pr-number "$PR_NUMBER" '
    f"--out {POLICY_CONFIG}\n"
)


def policy_gate_job(spec: ServiceSpec, pins: Pins) -> dict[str, Any]:
    return make_job(
        "policy-gate",
        20,
        [
            checkout_step(pins),
            *platform_steps(pins),
            download_step(pins, RELEASE_RECORD_ARTIFACT, RELEASE_DIR),
            {
                "name": "Write the policy config (governance labels, trusted signing key)",
                "env": {
                    "EVENT_NAME": "${{ github.event_name }}",
                    "COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}",
                    "PR_NUMBER": "${{ github.event.pull_request.number }}",
                    "PR_LABELS": "${{ toJSON(github.event.pull_request.labels.*.name) }}",
                },
                "run": _POLICY_CONFIG_SCRIPT,
            },
            upload_step(pins, "policy-config", f"{POLICY_DIR}/", always=False),
            policy_pack_venv_step(),
            # Fail-closed: a preview that cannot run (no backend, no pack, bad config) fails this job too.
            pulumi_step(pins, spec, "preview"),
        ],
        needs=["build", "sbom", "sign"],
    )


def deploy_job(spec: ServiceSpec, pins: Pins) -> dict[str, Any]:
    return make_job(
        "deploy",
        30,
        [
            cosign_step(pins),
            registry_login_step(pins),
            download_step(pins, RELEASE_RECORD_ARTIFACT, RELEASE_DIR),
            download_step(pins, "policy-config", POLICY_DIR),
            {
                "name": "Refuse an image that does not verify",
                "env": {
                    "IMAGE_DIGEST": "${{ needs.build.outputs.digest }}",
                    "COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}",
                },
                "run": f"{DIGEST_GUARD}\n"
                f"cosign verify --key env://COSIGN_PUBLIC_KEY {IMAGE} > /dev/null\n"
                + "".join(
                    f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {kind} {IMAGE} > /dev/null\n"
                    for kind, _ in ATTESTED_PREDICATES
                )
                + f'jq -e --arg digest "$IMAGE_DIGEST" \'.image.digest == $digest\' {RELEASE_RECORD} > /dev/null || '
                f'{{ echo "::error::{RELEASE_RECORD} is not the record of $IMAGE_DIGEST"; exit 1; }}\n',
            },
            *platform_steps(pins),
            policy_pack_venv_step(),
            pulumi_step(pins, spec, "up"),
        ],
        needs=["build", "policy-gate", "test"],
        **{
            "if": "github.event_name == 'push' && github.ref == 'refs/heads/main'",
            "environment": {"name": DEPLOY_ENVIRONMENT, "url": "${{ vars.SERVICE_URL }}"},
            # Two pushes never run `pulumi up` on the same stack at once; the second waits.
            "concurrency": {"group": f"deploy-{spec.name}-{DEPLOY_ENVIRONMENT}", "cancel-in-progress": False},
        },
    )


def post_deploy_job(pins: Pins) -> dict[str, Any]:
    return make_job(
        "post-deploy",
        15,
        [
            *platform_steps(pins),
            {
                "name": "Download this run's artifacts",
                "uses": pins.uses("actions/download-artifact"),
                "with": {"path": ARTIFACTS_DIR},
            },
            {
                "name": "Post-deploy checks (probe + error-rate query)",
                "env": {"SERVICE_URL": "${{ vars.SERVICE_URL }}", "PROMETHEUS_URL": "${{ vars.PROMETHEUS_URL }}"},
                "run": 'companyos check-deploy --url "$SERVICE_URL" --prometheus "$PROMETHEUS_URL" '
                f'--service "$SERVICE_NAME" --json {POST_DEPLOY_REPORT}\n',
            },
            {
                "name": "Evidence pack",
                "if": "${{ !cancelled() }}",
                "env": {
                    "RUN_URL": "${{ github.server_url }}/${{ github.repository }}/actions/runs/${{ github.run_id }}"
                },
                "run": f'companyos evidence "$SERVICE_NAME" --artifacts {ARTIFACTS_DIR} --post-deploy {POST_DEPLOY_REPORT} '
                f'--run-url "$RUN_URL" --output {EVIDENCE_DIR}\n',
            },
            upload_step(pins, "evidence-pack", f"{EVIDENCE_DIR}/"),
        ],
        needs=["deploy"],
        **{"if": "github.event_name == 'push' && github.ref == 'refs/heads/main'"},
    )

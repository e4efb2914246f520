"""The CI jobs that produce a release: build and push the image, test, SBOM and scan, sign and attest."""

from __future__ import annotations

from typing import Any

from companyos.catalog.model import ServiceSpec
from companyos.ci_workflow.artifact_paths import (
    ATTESTATIONS,
    ATTESTED_PREDICATES,
    JUNIT_REPORT,
    MERGED_SBOM,
    PROVENANCE_PREDICATE,
    RELEASE_DIR,
    RELEASE_RECORD,
    RELEASE_RECORD_ARTIFACT,
    SBOM_DIR,
    SCAN_DIR,
    SCAN_REPORT,
    SIGN_DIR,
    TEST_DIR,
    TEST_REPORT_ARTIFACT,
    VULN_PREDICATE,
)
from companyos.ci_workflow.pins import Pins
from companyos.ci_workflow.steps import (
    DIGEST_GUARD,
    IMAGE,
    checkout_step,
    cosign_step,
    download_step,
    make_job,
    platform_steps,
    registry_login_step,
    setup_node_steps,
    upload_step,
)

# A high-risk service blocks on medium findings; a low-risk one only on critical (grype severities).
SEVERITY_CUTOFF_BY_RISK = {"low": "critical", "medium": "high", "high": "medium"}


def build_job(pins: Pins) -> dict[str, Any]:
    return make_job(
        "build",
        20,
        [
            checkout_step(pins),
            # No dependency cache in the job that publishes: a cache written by a PR run could otherwise
            # reach the image (zizmor cache-poisoning).
            *setup_node_steps(pins, cache=False),
            {"name": "Build", "run": "npm run build"},
            {"name": "Set up Docker Buildx", "uses": pins.uses("docker/setup-buildx-action")},
            registry_login_step(pins),
            {
                "name": "Build and push the image by digest",
                "id": "push",
                "uses": pins.uses("docker/build-push-action"),
                "with": {
                    "context": ".",
                    # No tag: everything downstream (SBOM, signature, release record, Deployment) names the digest.
                    "outputs": "type=image,name=${{ env.IMAGE_REPOSITORY }},push-by-digest=true,name-canonical=true,"
                    "push=true",
                    # One manifest, not an index with a provenance manifest: the digest cosign signs is the
                    # digest the cluster pulls.
                    "provenance": False,
                    "labels": "org.opencontainers.image.source=${{ github.server_url }}/${{ github.repository }}\n"
                    "org.opencontainers.image.revision=${{ github.sha }}\n",
                },
            },
        ],
        outputs={"digest": "${{ steps.push.outputs.digest }}"},
    )


def test_job(pins: Pins) -> dict[str, Any]:
    return make_job(
        "test",
        15,
        [
            checkout_step(pins),
            *setup_node_steps(pins),
            {
                "name": "Test (JUnit report)",
                # node --test reads reporters from NODE_OPTIONS, so the template's `npm test` stays plain.
                "env": {
                    "NODE_OPTIONS": "--test-reporter=spec --test-reporter-destination=stdout "
                    f"--test-reporter=junit --test-reporter-destination={JUNIT_REPORT}"
                },
                "run": f"mkdir -p {TEST_DIR}\nnpm test\n",
            },
            # The template's ESLint config (typescript-eslint, type-checked rules): a finding fails the job. After the
            # tests, so a lint finding never keeps their report from being written (the upload runs unless cancelled).
            {"name": "Lint (ESLint)", "run": "npm run lint"},
            upload_step(pins, TEST_REPORT_ARTIFACT, f"{TEST_DIR}/"),
        ],
    )


def sbom_job(spec: ServiceSpec, pins: Pins) -> dict[str, Any]:
    cyclonedx = f"@cyclonedx/cyclonedx-npm@{pins.tool('cyclonedx-npm')}"
    return make_job(
        "sbom",
        20,
        [
            checkout_step(pins),
            *setup_node_steps(pins),
            {
                "name": "App SBOM (CycloneDX, runtime dependencies)",
                "run": f"mkdir -p {SBOM_DIR} {SCAN_DIR}\n"
                f"npx --yes {cyclonedx} --omit dev --spec-version 1.6 --output-reproducible \\\n"
                f"  --output-format JSON --output-file {SBOM_DIR}/app.cdx.json\n",
            },
            {
                "name": "Image SBOM (syft)",
                "uses": pins.uses("anchore/sbom-action"),
                "with": {
                    "image": "${{ env.IMAGE_REPOSITORY }}@${{ needs.build.outputs.digest }}",
                    "registry-username": "${{ github.actor }}",
                    "registry-password": "${{ secrets.GITHUB_TOKEN }}",
                    "format": "cyclonedx-json",
                    "output-file": f"{SBOM_DIR}/image.cdx.json",
                    "upload-artifact": False,
                    "upload-release-assets": False,
                },
            },
            *platform_steps(pins),
            {
                "name": "Merge the app and image SBOMs",
                "id": "merge",
                "env": {"IMAGE_DIGEST": "${{ needs.build.outputs.digest }}"},
                "run": f"companyos sbom-merge {SBOM_DIR}/app.cdx.json {SBOM_DIR}/image.cdx.json --image {IMAGE} "
                f"--out {MERGED_SBOM}\n"
                f'echo "digest=sha256:$(sha256sum {MERGED_SBOM} | cut -d" " -f1)" >> "$GITHUB_OUTPUT"\n',
            },
            {
                "name": f"Vulnerability scan (grype; fails on {SEVERITY_CUTOFF_BY_RISK[spec.risk]} or worse, "
                f"risk {spec.risk})",
                "uses": pins.uses("anchore/scan-action"),
                "with": {
                    "sbom": MERGED_SBOM,
                    "fail-build": True,
                    "severity-cutoff": SEVERITY_CUTOFF_BY_RISK[spec.risk],
                    "output-format": "json",
                    "output-file": SCAN_REPORT,
                },
            },
            upload_step(pins, "sbom", f"{SBOM_DIR}/"),
            upload_step(pins, "vulnerability-scan", f"{SCAN_DIR}/"),
        ],
        needs=["build"],
        outputs={"sbom-digest": "${{ steps.merge.outputs.digest }}"},
    )


def sign_job(pins: Pins) -> dict[str, Any]:
    digest_env = {"IMAGE_DIGEST": "${{ needs.build.outputs.digest }}"}
    public_key_env = {**digest_env, "COSIGN_PUBLIC_KEY": "${{ vars.COSIGN_PUBLIC_KEY }}"}
    # The private key reaches this job only: the signature and every attestation are made here.
    private_key_env = {
        **digest_env,
        "COSIGN_PRIVATE_KEY": "${{ secrets.COSIGN_PRIVATE_KEY }}",
        "COSIGN_PASSWORD": "${{ secrets.COSIGN_PASSWORD }}",
    }
    return make_job(
        "sign",
        15,
        [
            checkout_step(pins),
            cosign_step(pins),
            registry_login_step(pins),
            download_step(pins, "sbom", SBOM_DIR),
            download_step(pins, "vulnerability-scan", SCAN_DIR),
            *platform_steps(pins),
            {
                "name": "Write the vulnerability-scan and SLSA provenance predicates",
                # GITHUB_* are the runner's own variables: no expression is expanded into the script.
                "run": f"mkdir -p {SIGN_DIR}\n"
                f"companyos predicate vuln {SCAN_REPORT} --format grype --out {VULN_PREDICATE}\n"
                'companyos predicate provenance . --service "$SERVICE_NAME" --version "${GITHUB_SHA:0:12}" \\\n'
                '  --git-commit "$GITHUB_SHA" --source-uri "git+$GITHUB_SERVER_URL/$GITHUB_REPOSITORY@$GITHUB_REF" \\\n'
                '  --builder-id "$GITHUB_SERVER_URL/$GITHUB_WORKFLOW_REF" \\\n'
                '  --invocation-id "$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID/attempts/'
                '$GITHUB_RUN_ATTEMPT" \\\n'
                f"  --sbom {MERGED_SBOM} --scan-report {SCAN_REPORT} --out {PROVENANCE_PREDICATE}\n",
            },
            {
                "name": "Sign the image digest and attest its SBOM, vulnerability scan and provenance",
                "env": private_key_env,
                "run": f"{DIGEST_GUARD}\n"
                f"cosign sign --yes --key env://COSIGN_PRIVATE_KEY {IMAGE}\n"
                + "".join(
                    f"cosign attest --yes --key env://COSIGN_PRIVATE_KEY --type {kind} --predicate {path} {IMAGE}\n"
                    for kind, path in ATTESTED_PREDICATES
                ),
            },
            {
                "name": "Verify the signature and every attestation with the public key",
                "env": public_key_env,
                "run": f"{DIGEST_GUARD}\n"
                f"cosign verify --key env://COSIGN_PUBLIC_KEY {IMAGE} > {SIGN_DIR}/verify.json\n"
                + "".join(
                    f"cosign verify-attestation --key env://COSIGN_PUBLIC_KEY --type {kind} {IMAGE} > /dev/null\n"
                    for kind, _ in ATTESTED_PREDICATES
                )
                + f"cosign download signature {IMAGE} > {SIGN_DIR}/signatures.json\n"
                f"cosign download attestation {IMAGE} > {ATTESTATIONS}\n",
            },
            {
                "name": "Write the release record (image digest, SBOM digest, signature, scan, attestations)",
                "env": public_key_env,
                "run": f'printf "%s\\n" "$COSIGN_PUBLIC_KEY" > {SIGN_DIR}/cosign.pub\n'
                f'companyos record "$SERVICE_NAME" --image {IMAGE} --git-commit "$GITHUB_SHA" '
                '--version "${GITHUB_SHA:0:12}" \\\n'
                f"  --sbom {MERGED_SBOM} --scan {SCAN_REPORT} --signatures {SIGN_DIR}/signatures.json "
                f"--attestations {ATTESTATIONS} \\\n"
                f"  --key {SIGN_DIR}/cosign.pub --out {RELEASE_RECORD}\n",
            },
            upload_step(pins, "signature", f"{SIGN_DIR}/"),
            upload_step(pins, RELEASE_RECORD_ARTIFACT, f"{RELEASE_DIR}/", always=False),
        ],
        needs=["build", "sbom"],
    )

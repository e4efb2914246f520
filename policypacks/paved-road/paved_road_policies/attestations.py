"""Supply chain, evidence: the release's signed attestations (SBOM, vulnerability scan, SLSA provenance) vouch for
what its record claims. The envelopes travel as one annotation on the workload; the judgement is
companyos.supply_chain.attestation's (carried in vendor/), the same `companyos verify-attestations` makes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import known
from .release_evidence import pinned_digest, scan_of, trusted_keys_or_finding, trusted_keys_problems
from .resource import Resource
from .rule import Finding, Rule
from .vendor.contracts.conventions import ANNOTATION_ATTESTATIONS, ANNOTATION_GIT_COMMIT, ANNOTATION_SBOM_DIGEST
from .vendor.supply_chain.attestation import REQUIRED_PREDICATES, ReleaseClaims, judge_attestations
from .vendor.supply_chain.attestation_bundle import BundleError, decode_bundle
from .vendor.supply_chain.intoto import COSIGN_TYPES


def _claims(resource: Resource) -> ReleaseClaims:
    """What the workload's release annotations claim; anything not a plain string counts as absent."""
    annotations = k8s.annotations_of(resource)
    sbom_digest = known(annotations.get(ANNOTATION_SBOM_DIGEST))
    git_commit = known(annotations.get(ANNOTATION_GIT_COMMIT))
    scan, _ = scan_of(resource)
    return ReleaseClaims(
        sbom_digest=sbom_digest if isinstance(sbom_digest, str) and sbom_digest else None,
        scan=scan,
        git_commit=git_commit if isinstance(git_commit, str) and git_commit else None,
    )


def check_attestations(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    running = list(k8s.containers(resource))
    if not running:
        return
    what = k8s.describe(resource)
    keys, missing = trusted_keys_or_finding(resource, config, "image-attestations-verified")
    if missing is not None:
        yield missing
        return
    raw = known(k8s.annotations_of(resource).get(ANNOTATION_ATTESTATIONS))
    if not raw:
        yield Finding(
            f"{what}: annotation `{ANNOTATION_ATTESTATIONS}` (metadata.annotations) is missing: the "
            "release carries no signed attestations (SBOM, vulnerability scan, provenance)."
        )
        return
    try:
        envelopes = decode_bundle(raw)
    except BundleError as error:
        yield Finding(f"{what}: annotation `{ANNOTATION_ATTESTATIONS}` is not an attestation bundle: {error}.")
        return
    claims = _claims(resource)
    for container in running:
        image, digest, unpinned = pinned_digest(what, container, "an attestation")
        if unpinned is not None:
            yield unpinned
            continue
        verdict = judge_attestations(envelopes, keys, digest, claims, required=config["required_predicate_types"])
        for problem in verdict.problems:
            yield Finding(
                f"{what}: container `{container.name}` image '{image}': {problem} "
                f"(annotation `{ANNOTATION_ATTESTATIONS}`)."
            )


RULES = [
    Rule(
        name="image-attestations-verified",
        family="supply-chain",
        description="Each workload carries its release's attestations (in-toto Statements in DSSE envelopes, as "
        "`cosign attest` makes them): the SBOM, the vulnerability scan and SLSA provenance, each signed by "
        "a trusted key and bound to the deployed digest; the release's SBOM digest, scan result and git "
        "commit must be the attested ones.",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_attestations,
        selects=k8s.WORKLOADS,
        config={
            "trusted_public_keys": {
                "description": "PEM public keys (cosign.pub text) whose attestations are trusted.",
                "type": "array",
                "maxItems": 20,
                "default": [],
                "x-weakens": "never",
                "items": {"type": "string", "pattern": "-----BEGIN PUBLIC KEY-----", "maxLength": 4096},
            },
            "required_predicate_types": {
                "description": "Predicate types every release must attest (the vulnerability scan only when the "
                "image was scanned; an unscanned image needs the reviewed allow_unscanned waiver).",
                "type": "array",
                "uniqueItems": True,
                "default": list(REQUIRED_PREDICATES),
                "items": {"type": "string", "enum": list(REQUIRED_PREDICATES)},
                "x-weakens": "fewer-items",
            },
        },
        config_check=trusted_keys_problems,
        remediation="attest {service}'s image in the CI `sign` job (`cosign attest --key --type "
        + " | ".join(COSIGN_TYPES.values())
        + "`, then `companyos record --attestations`) or release it "
        "with `companyos release {service} --local`, and deploy the release record it wrote.",
        rationale="The SBOM digest and the scan result in a release record are strings anyone who writes the record "
        "can invent; signed attestations bound to the image digest are what make them evidence.",
    ),
]

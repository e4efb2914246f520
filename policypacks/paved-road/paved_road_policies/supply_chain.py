"""Supply chain: what runs is pinned by digest, has an SBOM, comes from its own service's repository and is signed
by a trusted key (that it was scanned is vulnerabilities.py; its attestations, attestations.py).

The evidence travels as annotations on the workload (companyos.contracts.conventions, written by ServiceDeployment
from the release record), so the gate needs no registry access: the signature is verified offline with
companyos.supply_chain.verify, the same function `companyos verify` and the release pipeline use.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import known
from .release_evidence import image_of, pinned_digest, trusted_keys_or_finding, trusted_keys_problems
from .resource import Resource, service_of
from .rule import Finding, Rule
from .vendor.contracts.conventions import (
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SBOM_LOCATION,
    ANNOTATION_SIGNATURE,
    ANNOTATION_SIGNATURE_PAYLOAD,
)
from .vendor.supply_chain.reference import is_sha256_digest
from .vendor.supply_chain.verification import verify

RELEASE_FIX = (
    "release {service} through CI (build -> sbom -> sign) or `companyos release {service}`, which "
    "writes releases/{service}.json; the PavedRoadService component then deploys "
    "`repository@digest` with the evidence annotations."
)


def check_pinned(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for container in k8s.containers(resource):
        image, _, problem = image_of(container)
        if problem:
            yield Finding(
                f"{k8s.describe(resource)}: container `{container.name}` ({container.field}.image) "
                f"image '{image}' {problem}; it must be `repository@sha256:<64 hex>`."
            )


def check_sbom(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not any(k8s.containers(resource)):
        return
    annotations = k8s.annotations_of(resource)
    digest = known(annotations.get(ANNOTATION_SBOM_DIGEST))
    location = known(annotations.get(ANNOTATION_SBOM_LOCATION))
    if not is_sha256_digest(digest):
        state = "is missing" if not digest else f"is '{digest}', not sha256:<64 hex>"
        yield Finding(
            f"{k8s.describe(resource)}: annotation `{ANNOTATION_SBOM_DIGEST}` (metadata.annotations) "
            f"{state}: no SBOM is attached to the image."
        )
    prefixes = config["location_prefixes"]
    if not isinstance(location, str) or not location.startswith(tuple(prefixes)):
        state = "is missing" if not location else f"is '{location}', which starts with none of {', '.join(prefixes)}"
        yield Finding(
            f"{k8s.describe(resource)}: annotation `{ANNOTATION_SBOM_LOCATION}` (metadata.annotations) "
            f"{state}: nobody could fetch the SBOM."
        )


SERVICE_PLACEHOLDER = "{service}"


def _repository_pattern_valid(config: Mapping[str, Any]) -> list[str]:
    pattern = config["repository_pattern"]
    if SERVICE_PLACEHOLDER not in pattern:
        return [
            f"repository_pattern: {pattern!r} has no {SERVICE_PLACEHOLDER}, so it would accept another service's "
            "repository"
        ]
    try:
        re.compile(pattern.replace(SERVICE_PLACEHOLDER, "service"))
    except re.error as error:
        return [f"repository_pattern: not a valid regular expression ({error})"]
    return []


def check_repository_owned(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    running = list(k8s.containers(resource))
    if not running:
        return
    service = service_of(resource)
    pattern = config["repository_pattern"].replace(SERVICE_PLACEHOLDER, re.escape(service))
    for container in running:
        image, reference, _ = image_of(container)
        if reference is None:
            continue  # image-pinned-by-digest reports an image that does not parse
        if not re.fullmatch(pattern, reference.repository):
            yield Finding(
                f"{k8s.describe(resource)}: container `{container.name}` runs {reference.repository}, which "
                f"is not {service}'s own image repository (pattern {config['repository_pattern']}); a "
                "signature by the platform key proves who built an image, not whose it is."
            )


def check_signature(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    running = list(k8s.containers(resource))
    if not running:
        return
    what = k8s.describe(resource)
    keys, missing = trusted_keys_or_finding(resource, config, "image-signature-verified")
    if missing is not None:
        yield missing
        return
    annotations = k8s.annotations_of(resource)
    payload_b64 = known(annotations.get(ANNOTATION_SIGNATURE_PAYLOAD))
    signature = known(annotations.get(ANNOTATION_SIGNATURE))
    payload = b""
    if isinstance(payload_b64, str) and payload_b64:
        try:
            payload = base64.b64decode(payload_b64, validate=True)
        except (binascii.Error, ValueError):
            yield Finding(f"{what}: annotation `{ANNOTATION_SIGNATURE_PAYLOAD}` is not base64 of the signed payload.")
            return
    for container in running:
        image, digest, unpinned = pinned_digest(what, container, "a signature")
        if unpinned is not None:
            yield unpinned
            continue
        result = verify(
            payload,
            signature if isinstance(signature, str) else None,
            keys,
            expected_digest=digest,
            expected_reference=image if config["check_reference"] else None,
        )
        if not result.verified:
            yield Finding(
                f"{what}: container `{container.name}` image '{image}': signature {result.reason} "
                f"(annotations `{ANNOTATION_SIGNATURE}` + `{ANNOTATION_SIGNATURE_PAYLOAD}`): "
                f"{result.detail}."
            )


RULES = [
    Rule(
        name="image-pinned-by-digest",
        family="supply-chain",
        description="Every container image is referenced by digest (`repository@sha256:...`), never by tag alone "
        "and never with the tag `latest`.",
        applies_to="every object that carries a pod spec, found by shape (all containers: init, regular, ephemeral)",
        check=check_pinned,
        selects=k8s.WORKLOADS,
        remediation=RELEASE_FIX,
        rationale="A tag can be re-pointed after review; only a digest names the bytes that were built, "
        "scanned and signed.",
    ),
    Rule(
        name="image-sbom-attached",
        family="supply-chain",
        description=f"Each workload names its image's SBOM: annotations `{ANNOTATION_SBOM_DIGEST}` (sha256 "
        f"digest) and `{ANNOTATION_SBOM_LOCATION}` (where to fetch it).",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_sbom,
        selects=k8s.WORKLOADS,
        config={
            "location_prefixes": {
                "description": "Accepted SBOM location schemes.",
                "type": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"type": "string", "enum": ["oci://", "https://"]},
                "default": ["oci://", "https://"],
                "x-weakens": "more-items",
            }
        },
        remediation="run the CI `sbom` job for {service} (syft -> CycloneDX attached to the image) and deploy the "
        "release record it produced; " + RELEASE_FIX,
        rationale="Without an SBOM nobody can answer \"are we affected?\" when the next CVE lands.",
    ),
    Rule(
        name="image-signature-verified",
        family="supply-chain",
        description="Each container image's cosign signature verifies against a trusted public key and covers "
        "the exact digest (and repository) being deployed.",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_signature,
        selects=k8s.WORKLOADS,
        config={
            "trusted_public_keys": {
                "description": "PEM public keys (cosign.pub text) whose signatures are trusted.",
                "type": "array",
                "maxItems": 20,
                "default": [],
                "x-weakens": "never",
                "items": {"type": "string", "pattern": "-----BEGIN PUBLIC KEY-----", "maxLength": 4096},
            },
            "check_reference": {
                "description": "Also require the signed docker-reference to be the deployed repository.",
                "type": "boolean",
                "default": True,
                "x-weakens": "false",
            },
        },
        config_check=trusted_keys_problems,
        remediation="sign {service}'s image digest with the release key in the CI `sign` job (cosign sign --key, or "
        "`companyos sign-payload`) and deploy the release record it wrote; if the key rotated, add the "
        "new cosign.pub (PEM text) to image-signature-verified.trusted_public_keys in the policy config.",
        rationale="The signature is what ties the running bytes to the pipeline that built them; a re-pointed "
        "tag or a copied signature names another digest and fails.",
    ),
    Rule(
        name="image-repository-owned",
        family="supply-chain",
        description="Each workload runs images from its own service's repository only (by default a repository "
        "whose last path segment is the service name), so one service cannot deploy another's build.",
        applies_to="every object that carries a pod spec with at least one container; the service is the object's "
        "`app.kubernetes.io/name` label (service-ownership keeps it honest)",
        check=check_repository_owned,
        selects=k8s.WORKLOADS,
        config={
            "repository_pattern": {
                "description": "Regular expression the image repository must match in full; `{service}` stands for the "
                "service name (regex-escaped).",
                "type": "string",
                "minLength": 1,
                "maxLength": 300,
                "default": "^(.+/)?{service}$",
            }
        },
        config_check=_repository_pattern_valid,
        remediation="deploy {service}'s own release (releases/{service}.json, built from its repository by its CI); "
        "an image shared between services belongs in a base image, not in another service's Deployment.",
        rationale="The signing key is the platform's, shared by every service: without this rule hello-prod could "
        "deploy payments-api's signed image, with payments' permissions and none of its review.",
    ),
]

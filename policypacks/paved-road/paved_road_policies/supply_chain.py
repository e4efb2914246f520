"""Supply chain: what runs is pinned by digest, has an SBOM, is signed by a trusted key and was scanned.

The evidence travels as annotations on the workload (companyos.contracts.conventions, written by ServiceDeployment
from the release record), so the gate needs no registry access: the signature is verified offline with
companyos.supply_chain.verify, the same function `companyos verify` and the release pipeline use.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel

from . import k8s
from .framework import Finding, Resource, Rule, known, service_of
from .vendor.contracts.conventions import (
    ANNOTATION_SBOM_DIGEST,
    ANNOTATION_SBOM_LOCATION,
    ANNOTATION_SCAN,
    ANNOTATION_SIGNATURE,
    ANNOTATION_SIGNATURE_PAYLOAD,
)
from .vendor.contracts.errors import UserError
from .vendor.supply_chain.keys import load_public_key
from .vendor.supply_chain.reference import (
    ImageReference,
    is_sha256_digest,
    parse_image_reference,
)
from .vendor.supply_chain.verification import verify

RELEASE_FIX = (
    "release {service} through CI (build -> sbom -> sign) or `companyos release {service}`, which "
    "writes releases/{service}.json; the PavedRoadService component then deploys "
    "`repository@digest` with the evidence annotations."
)


def image_of(container: k8s.Container) -> tuple[str, ImageReference | None, str]:
    """(image text, parsed reference or None, why it is not a pinned reference or '')."""
    image = known(container.spec.get("image"))
    if not isinstance(image, str) or not image:
        return "", None, "has no image"
    try:
        reference = parse_image_reference(image)
    except ValueError as error:
        return image, None, f"is not a valid image reference ({error})"
    if reference.digest is None and reference.tag == "latest":
        return image, reference, "uses the moving tag `latest` and no digest"
    if reference.digest is None:
        return image, reference, "is referenced by tag only (a tag can be re-pointed to other bytes)"
    if reference.tag == "latest":
        return image, reference, "names the tag `latest` (misleading next to a digest; drop the tag)"
    return image, reference, ""


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


def trusted_keys_problems(config: Mapping[str, Any]) -> list[str]:
    problems = []
    for index, pem in enumerate(config["trusted_public_keys"]):
        try:
            load_public_key(pem.encode(), source=f"trusted_public_keys[{index}]")
        except UserError as error:
            problems.append(str(error))
    return problems


def trusted_keys_or_finding(
    resource: Resource, config: Mapping[str, Any], rule: str
) -> tuple[list[bytes], Finding | None]:
    """The rule's trusted keys, or the finding that none is configured (nothing signed can then be trusted)."""
    keys = [pem.encode() for pem in config["trusted_public_keys"]]
    if keys:
        return keys, None
    return keys, Finding(
        f"{k8s.describe(resource)}: no trusted public key is configured (policy config `{rule}.trusted_public_keys` "
        "is empty), so nothing signed can be trusted."
    )


def pinned_digest(what: str, container: k8s.Container, checked: str) -> tuple[str, str, Finding | None]:
    """(image, its digest, None), or the finding that `checked` cannot be checked: only a digest names bytes."""
    image, reference, problem = image_of(container)
    if problem or reference is None or reference.digest is None:
        return (
            image,
            "",
            Finding(
                f"{what}: container `{container.name}` image '{image}' {problem or 'has no digest'}; {checked} can only "
                "be checked against a digest."
            ),
        )
    return image, reference.digest, None


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


def scan_of(resource: Resource) -> tuple[dict[str, Any] | None, str]:
    raw = known(k8s.annotations_of(resource).get(ANNOTATION_SCAN))
    if not raw:
        return None, f"annotation `{ANNOTATION_SCAN}` (metadata.annotations) is missing: no vulnerability report"
    try:
        scan = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        scan = None
    if not isinstance(scan, dict) or scan.get("status") not in ("scanned", "not-scanned"):
        return None, (
            f"annotation `{ANNOTATION_SCAN}` is not a JSON object with status scanned|not-scanned: {str(raw)[:120]!r}"
        )
    return scan, ""


# Severities a scan report counts (companyos.supply_chain.vulnerabilities); anything else is not understood.
SEVERITIES = ("critical", "high", "medium", "low", "negligible", "unknown")


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_vulnerabilities(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not any(k8s.containers(resource)):
        return
    what = k8s.describe(resource)
    scan, problem = scan_of(resource)
    if scan is None:
        yield Finding(f"{what}: {problem}.")
        return
    if scan["status"] == "not-scanned":
        if not config["allow_unscanned"]:
            yield Finding(
                f"{what}: the image was not scanned for vulnerabilities (`{ANNOTATION_SCAN}` status "
                "not-scanned) and no waiver is configured (allow_unscanned is false)."
            )
        else:
            yield Finding(
                f"{what} runs an image that was NOT scanned for vulnerabilities; allowed by the "
                "allow_unscanned waiver of this rule.",
                waiver=True,
            )
        return
    counts = scan.get("counts")
    counts = counts if isinstance(counts, dict) else {}
    strange = sorted(str(key) for key in counts if key not in SEVERITIES)
    if strange:
        yield Finding(
            f"{what}: the vulnerability report counts severities this rule does not know "
            f"({', '.join(strange)}; known: {', '.join(SEVERITIES)}, lower case), so it cannot be judged."
        )
        return
    critical = _number(counts.get("critical"))
    max_cvss = _number(scan.get("max_cvss"))
    if critical is None or max_cvss is None or critical < 0 or not 0 <= max_cvss <= 10:
        yield Finding(
            f"{what}: the vulnerability report has no numeric counts.critical and max_cvss (a missing "
            "count is not zero), so it cannot be judged."
        )
        return
    threshold = float(config["cvss_threshold"])
    if max_cvss >= threshold:
        yield Finding(
            f"{what}: the image has a finding with CVSS {max_cvss:g}, at or above the threshold "
            f"{threshold:g} (`{ANNOTATION_SCAN}` max_cvss)."
        )
    if critical > config["max_critical"]:
        yield Finding(
            f"{what}: the image has {critical:g} critical finding(s); at most {config['max_critical']} "
            f"allowed (`{ANNOTATION_SCAN}` counts.critical)."
        )


def check_unscanned_waiver(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not any(k8s.containers(resource)):
        return
    scan, _ = scan_of(resource)
    if scan is not None and scan["status"] == "not-scanned":
        images = ", ".join(str(known(c.spec.get("image"))) for c in k8s.containers(resource))
        yield Finding(
            f"WAIVER: {k8s.describe(resource)} runs {images}, which was NOT scanned for "
            f"vulnerabilities (`{ANNOTATION_SCAN}` status not-scanned). It passes the gate only if "
            "`image-vulnerability-threshold` has `allow_unscanned: true` in the policy config; "
            "otherwise that rule blocks it."
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
    Rule(
        name="image-vulnerability-threshold",
        family="supply-chain",
        description=f"Each workload's vulnerability report (`{ANNOTATION_SCAN}`) exists and is within the "
        "threshold: no finding at or above the CVSS threshold, no more critical findings than allowed; "
        "an unscanned image passes only under an explicit, reported waiver.",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_vulnerabilities,
        selects=k8s.WORKLOADS,
        config={
            "cvss_threshold": {
                "description": "A finding with CVSS at or above this blocks (CVSS v3.1 rates 9.0-10.0 critical).",
                "type": "number",
                "minimum": 0,
                "maximum": 10,
                "default": 9.0,
                "x-weakens": "higher",
            },
            "max_critical": {
                "description": "Critical findings tolerated.",
                "type": "integer",
                "minimum": 0,
                "default": 0,
                "x-weakens": "higher",
            },
            "allow_unscanned": {
                "description": "Waiver: let an image with scan status not-scanned pass "
                "(reported by unscanned-image-waiver).",
                "type": "boolean",
                "default": False,
                "x-weakens": "true",
            },
        },
        remediation="upgrade the vulnerable dependencies of {service} and re-release (the CI `sbom` job scans "
        "the image); an accepted risk is a reviewed change to this rule's config, never a silent one.",
        rationale="Shipping a known critical vulnerability must be a decision someone signs, not an accident.",
    ),
    Rule(
        name="unscanned-image-waiver",
        family="supply-chain",
        description="Reports every image deployed without a vulnerability scan, so a waiver "
        "(`image-vulnerability-threshold.allow_unscanned`) is always visible in the gate report.",
        applies_to="every object that carries a pod spec with at least one container",
        check=check_unscanned_waiver,
        selects=k8s.WORKLOADS,
        enforcement_level=EnforcementLevel.ADVISORY,
        remediation="scan {service}'s image (CI `sbom` job) and re-release, then remove the allow_unscanned waiver.",
        rationale="A waiver nobody sees becomes the default. This rule is ADVISORY on purpose: it never blocks, "
        "it makes the waiver of image-vulnerability-threshold visible on every preview.",
    ),
]

"""Reading the release evidence on a workload, shared by the supply-chain rules: each container's image reference
and digest, the trusted keys of a rule's config, and the vulnerability-scan annotation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import k8s
from .props import known
from .resource import Resource
from .rule import Finding
from .vendor.contracts.conventions import ANNOTATION_SCAN
from .vendor.contracts.errors import UserError
from .vendor.supply_chain.keys import load_public_key
from .vendor.supply_chain.reference import ImageReference, parse_image_reference


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

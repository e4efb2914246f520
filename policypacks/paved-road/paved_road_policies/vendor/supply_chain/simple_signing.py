# Generated from companyos/supply_chain/simple_signing.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""cosign's "simple signing" payload: build it byte-for-byte as cosign does, and parse it as cosign does."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paved_road_policies.vendor.supply_chain.go_json import GoJsonError, go_field, go_marshal, strict_loads
from paved_road_policies.vendor.supply_chain.reference import (
    is_sha256_digest,
    parse_digest,
    parse_image_reference,
)

# sigstore/sigstore pkg/signature/payload/payload.go: CosignSignatureType.
COSIGN_SIGNATURE_TYPE = "cosign container image signature"
# sigstore/cosign pkg/types/media.go: SimpleSigningMediaType (also specs/SIGNATURE_SPEC.md "Simple Signing").
SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"


class MalformedPayload(ValueError):
    """The bytes are not a cosign simple-signing document; the message says which field is wrong."""


@dataclass(frozen=True)
class SimpleSigning:
    docker_reference: str
    manifest_digest: str
    optional: Mapping[str, Any] | None


def simple_signing_payload(
    docker_reference: str, manifest_digest: str, annotations: Mapping[str, str] | None = None
) -> bytes:
    """The exact bytes `cosign sign` signs for `docker_reference@manifest_digest` with `-a` annotations.

    cosign marshals payload.SimpleContainerImage with Go's json.Marshal: struct fields in declaration order
    (which happens to be alphabetical), map keys sorted, compact, HTML characters escaped, and
    `"optional":null` when there are no annotations.
    """
    parse_digest(manifest_digest)
    reference = parse_image_reference(docker_reference)
    if reference.digest is not None and reference.digest != manifest_digest:
        raise ValueError(
            f"{docker_reference!r} pins {reference.digest}, not the digest being signed ({manifest_digest})"
        )
    if annotations is not None and not all(
        isinstance(key, str) and isinstance(value, str) for key, value in annotations.items()
    ):
        raise TypeError("annotations must map strings to strings (as cosign's -a key=value does)")
    document = {
        "critical": {
            "identity": {"docker-reference": reference.repository},
            "image": {"docker-manifest-digest": manifest_digest},
            "type": COSIGN_SIGNATURE_TYPE,
        },
        "optional": dict(annotations) if annotations else None,
    }
    return go_marshal(document)


def parse_simple_signing(payload: bytes) -> SimpleSigning:
    """Read the fields cosign relies on; MalformedPayload (naming the field) for anything else.

    Matches Go's decoder where it matters: strict UTF-8, field names matched exactly or else with Go's Unicode
    case folding (go_json.go_fold: `docker-manifeſt-digest` is the digest field to cosign). Unlike Go we refuse
    two keys that fold together, because "last one wins" would let two readers disagree on the digest.
    """
    try:
        document = strict_loads(payload)
    except GoJsonError as error:
        raise MalformedPayload(f"payload is {error}") from None
    critical = _object_field(document, "critical", "payload")
    signature_type = _field(critical, "type", "critical")
    if signature_type != COSIGN_SIGNATURE_TYPE:
        raise MalformedPayload(f"critical.type is {signature_type!r}, expected {COSIGN_SIGNATURE_TYPE!r}")
    identity = _object_field(critical, "identity", "critical")
    reference = _field(identity, "docker-reference", "critical.identity")
    if not isinstance(reference, str):
        raise MalformedPayload("critical.identity.docker-reference is not a string")
    image = _object_field(critical, "image", "critical")
    digest = _field(image, "docker-manifest-digest", "critical.image")
    if not is_sha256_digest(digest):
        raise MalformedPayload(f"critical.image.docker-manifest-digest {digest!r} is not a sha256 digest")
    optional = _field(document, "optional", "payload", required=False)
    if optional is not None and not isinstance(optional, dict):
        raise MalformedPayload("optional is neither null nor an object")
    return SimpleSigning(docker_reference=reference, manifest_digest=digest, optional=optional)


def _field(container: dict[str, Any], name: str, where: str, *, required: bool = True) -> Any:
    found, value = go_field(container, name)
    if found:
        return value
    if required:
        raise MalformedPayload(f"{where} has no {name!r} field")
    return None


def _object_field(container: object, name: str, where: str) -> dict[str, Any]:
    if not isinstance(container, dict):
        raise MalformedPayload(f"{where} is not a JSON object")
    value = _field(container, name, where)
    if not isinstance(value, dict):
        path = name if where == "payload" else f"{where}.{name}"
        raise MalformedPayload(f"{path} is not a JSON object")
    return value

"""cosign's registry layout for signatures, with the registry I/O injected.

A signature is one layer of the image `<repository>:sha256-<hex>.sig`: the layer blob is the simple-signing
payload and the layer descriptor carries the base64 signature as an annotation. The registry client is
written elsewhere; `sign_image` takes a `push` callable and `verify_image` a `fetch` callable so both can be
tested without a registry and wired to one later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from companyos.supply_chain.dsse import DSSE_MEDIA_TYPE, sign_envelope
from companyos.supply_chain.intoto import statement_payload
from companyos.supply_chain.reference import parse_digest, parse_image_reference
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.simple_signing import (
    SIMPLE_SIGNING_MEDIA_TYPE,
    simple_signing_payload,
)
from companyos.supply_chain.verification import VerificationResult, verify

# sigstore/cosign pkg/oci/static/signature.go: SignatureAnnotationKey.
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
# sigstore/cosign specs/SIGNATURE_SPEC.md "Tag-based Discovery" (pkg/oci/remote SignatureTagSuffix = "sig").
SIGNATURE_TAG_SUFFIX = ".sig"
# pkg/oci/remote AttestationTagSuffix: attestations live beside signatures under `sha256-<hex>.att`.
ATTESTATION_TAG_SUFFIX = ".att"
# cosign attest annotates each attestation layer with its predicate type (cmd/cosign/cli/attest).
PREDICATE_TYPE_ANNOTATION = "predicateType"

# fetch(ref) -> (digest the ref resolves to, manifest bytes at that digest, [(payload, signature_b64), ...])
Fetcher = Callable[[str], tuple[str, bytes, Sequence[tuple[bytes, str]]]]
Pusher = Callable[["SignatureLayer"], None]

# When several signatures all fail, report the one that says most about what happened: a trusted signature
# for another digest (a re-pointed tag) matters more than a stranger's signature.
_FAILURE_PRIORITY = (
    "digest-mismatch",
    "reference-mismatch",
    "malformed-payload",
    "wrong-key",
    "bad-signature",
    "no-signature",
)


@dataclass(frozen=True)
class SignatureLayer:
    """One cosign signature as stored in a registry: where it goes and the layer to push there."""

    repository: str
    tag: str
    payload: bytes
    signature_b64: str
    media_type: str = SIMPLE_SIGNING_MEDIA_TYPE

    def descriptor(self) -> dict[str, object]:
        """The OCI layer descriptor of the payload blob, annotated with the signature."""
        return {
            "mediaType": self.media_type,
            "size": len(self.payload),
            "digest": "sha256:" + hashlib.sha256(self.payload).hexdigest(),
            "annotations": {SIGNATURE_ANNOTATION: self.signature_b64},
        }


@dataclass(frozen=True)
class AttestationLayer:
    """One attestation as cosign stores it: the DSSE envelope is the layer blob; the signature lives inside the
    envelope, so the signature annotation is present and empty (static.NewAttestation)."""

    repository: str
    tag: str
    envelope: bytes
    predicate_type: str

    def descriptor(self) -> dict[str, object]:
        return {
            "mediaType": DSSE_MEDIA_TYPE,
            "size": len(self.envelope),
            "digest": "sha256:" + hashlib.sha256(self.envelope).hexdigest(),
            "annotations": {SIGNATURE_ANNOTATION: "", PREDICATE_TYPE_ANNOTATION: self.predicate_type},
        }


def attestation_tag(digest: str) -> str:
    """`sha256:<hex>` -> `sha256-<hex>.att`."""
    return parse_digest(digest).replace(":", "-") + ATTESTATION_TAG_SUFFIX


def signature_tag(digest: str) -> str:
    """`sha256:<hex>` -> `sha256-<hex>.sig`, the tag cosign stores the image's signatures under."""
    return parse_digest(digest).replace(":", "-") + SIGNATURE_TAG_SUFFIX


def sign_image(
    reference: str,
    digest: str,
    private_key: ec.EllipticCurvePrivateKey,
    push: Pusher,
    annotations: Mapping[str, str] | None = None,
) -> SignatureLayer:
    """Sign `reference@digest` as `cosign sign --key` does and hand the layer to `push`."""
    payload = simple_signing_payload(reference, digest, annotations)
    layer = SignatureLayer(
        repository=parse_image_reference(reference).repository,
        tag=signature_tag(digest),
        payload=payload,
        signature_b64=sign_payload(private_key, payload),
    )
    push(layer)
    return layer


def verify_image(
    reference: str, public_keys: Sequence[bytes], fetch: Fetcher, *, check_reference: bool = True
) -> VerificationResult:
    """Resolve `reference` with `fetch` and accept it if any of its signatures verifies.

    The payload must name the digest the reference resolves to now and the sha256 of the manifest fetched,
    so a tag re-pointed to an unsigned image is rejected with digest-mismatch even if an old signature is
    copied next to it.
    """
    wanted = parse_image_reference(reference)
    digest, manifest, signatures = fetch(reference)
    if wanted.digest is not None and digest != wanted.digest:
        return VerificationResult(
            False,
            "digest-mismatch",
            f"{reference} resolved to {digest}, not the digest "
            "it pins; the registry served another manifest: check the registry",
        )
    if not signatures:
        return VerificationResult(
            False,
            "no-signature",
            f"no cosign signature found at {wanted.repository}:"
            f"{signature_tag(digest)}; sign {wanted.repository}@{digest} with "
            "`companyos sign-payload` and push it (or `cosign sign --key`)",
        )
    results = [
        verify(
            payload,
            signature_b64,
            public_keys,
            expected_digest=digest,
            manifest=manifest,
            expected_reference=wanted.repository if check_reference else None,
        )
        for payload, signature_b64 in signatures
    ]
    for result in results:
        if result.verified:
            return result
    return min(results, key=lambda result: _FAILURE_PRIORITY.index(result.reason))


def verify_reference(
    reference: str, public_keys: Sequence[bytes], fetch: Fetcher, *, digest: str | None = None
) -> VerificationResult:
    """verify_image, and with `digest` (the one being deployed) also that `reference` still means that digest: a
    tag re-pointed after signing, or a reference pinning another digest, is refused before any signature is read."""
    if digest is None:
        return verify_image(reference, public_keys, fetch)
    parsed = parse_image_reference(reference)
    if parsed.digest is None and parsed.tag is not None:
        current, _, _ = fetch(reference)
        if current != digest:
            return VerificationResult(
                False,
                "digest-mismatch",
                f"tag {reference} now points at {current}, not {digest} being deployed: the tag was re-pointed "
                "after signing; investigate who pushed it (docs/security/signature-verification-failed.md) "
                "before deploying anything from this tag",
            )
    elif parsed.digest is not None and parsed.digest != digest:
        return VerificationResult(
            False, "digest-mismatch", f"{reference} pins {parsed.digest}, not {digest} being deployed"
        )
    return verify_image(f"{parsed.repository}@{digest}", public_keys, fetch)


def attest_image(
    reference: str,
    digest: str,
    predicate_type: str,
    predicate: object,
    private_key: ec.EllipticCurvePrivateKey,
    push: Callable[[AttestationLayer], None],
) -> AttestationLayer:
    """Attest `reference@digest` as `cosign attest --key --type` does: an in-toto Statement bound to the digest,
    in a DSSE envelope signed over PAE, handed to `push` for the image's `.att` tag."""
    repository = parse_image_reference(reference).repository
    envelope = sign_envelope(private_key, statement_payload(repository, digest, predicate_type, predicate))
    # Struct field order, as cosign's Go marshalling writes the envelope.
    data = json.dumps(envelope.to_json(), separators=(",", ":")).encode("utf-8")
    layer = AttestationLayer(
        repository=repository, tag=attestation_tag(digest), envelope=data, predicate_type=predicate_type
    )
    push(layer)
    return layer

# Generated from companyos/supply_chain/verification.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Verify a cosign key-pair signature over a simple-signing payload, bound to the deployed image digest.

This is the one verification function of the project: the CrossGuard policy pack, the release pipeline and
`companyos verify` all call `verify`. It does no I/O, never raises on hostile payload/signature bytes, and
its signature is kept stable.

Reason codes, checked in this order (the first failure wins):
- no-signature: the signature (or the payload) is empty: nothing to check.
- bad-signature: the signature is not base64 of a strict-DER ECDSA (r, s) pair in range. Such bytes were never
  produced by any signer, so they are corruption (truncation, re-encoding, a wrong file).
- wrong-key: a well-formed signature that verifies under none of the trusted keys. Mathematically this is
  indistinguishable from a payload altered after signing or a bit flipped inside r or s: all three mean "no
  trusted key signed these bytes", and the detail says so.
- malformed-payload: a trusted key signed it, but it is not a cosign simple-signing document. The payload is
  parsed only after the signature checks out, as cosign does, so unauthenticated bytes drive no decision.
- digest-mismatch: the signed docker-manifest-digest is not the manifest's sha256 or the expected digest
  (a re-pointed tag, or a signature copied onto another image).
- reference-mismatch: the signed docker-reference is not the expected repository (cosign itself ignores this
  field; we check it only when the caller passes expected_reference).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from paved_road_policies.vendor.contracts.errors import UserError
from paved_road_policies.vendor.supply_chain.keys import load_public_key, public_key_fingerprint
from paved_road_policies.vendor.supply_chain.reference import parse_digest, parse_image_reference
from paved_road_policies.vendor.supply_chain.simple_signing import MalformedPayload, parse_simple_signing

Reason = Literal[
    "verified",
    "no-signature",
    "bad-signature",
    "wrong-key",
    "digest-mismatch",
    "reference-mismatch",
    "malformed-payload",
]
REASONS: tuple[str, ...] = (
    "verified",
    "no-signature",
    "bad-signature",
    "wrong-key",
    "digest-mismatch",
    "reference-mismatch",
    "malformed-payload",
)
# Order of the P-256 group (SEC 2, secp256r1 "n"): r and s must lie in [1, n-1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@dataclass(frozen=True)
class VerificationResult:
    verified: bool
    reason: Reason
    detail: str
    key_fingerprint: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def verify(
    payload: bytes,
    signature_b64: str | bytes | None,
    public_keys: Sequence[bytes],
    expected_digest: str | None = None,
    expected_reference: str | None = None,
    manifest: bytes | None = None,
) -> VerificationResult:
    """Check that a trusted key signed `payload` and that the payload names the deployed image.

    At least one of `expected_digest` (the digest being deployed) and `manifest` (the manifest bytes fetched
    for it) is required: a signature not bound to what runs proves nothing. Untrusted inputs (payload,
    signature, manifest) only ever produce a VerificationResult; caller mistakes (no keys, an unparsable key,
    a malformed expected digest or reference) raise UserError / ValueError.
    """
    if expected_digest is None and manifest is None:
        raise ValueError(
            "verify() needs expected_digest or manifest: a signature not bound to the deployed "
            "digest proves nothing about what runs"
        )
    if expected_digest is not None:
        parse_digest(expected_digest)
    expected_repository = parse_image_reference(expected_reference).repository if expected_reference else None
    keys = trusted_keys(public_keys)

    if not signature_b64 or not signature_b64.strip() or not payload:
        missing = "signed payload" if signature_b64 and signature_b64.strip() else "signature"
        return _reject(
            "no-signature",
            f"there is no {missing} to check; sign the image with "
            "`companyos sign-payload` (or `cosign sign --key`) and pass both payload and signature",
        )
    signature = decode_signature(signature_b64)
    if isinstance(signature, str):
        return _reject(
            "bad-signature",
            f"the signature is corrupted: {signature}; re-fetch the "
            "dev.cosignproject.cosign/signature annotation value, or re-sign the image",
        )

    signer = next((key for key in keys if signed_by(key, signature, payload)), None)
    if signer is None:
        fingerprints = ", ".join(public_key_fingerprint(key) for key in keys)
        return _reject(
            "wrong-key",
            f"the signature verifies under none of the {len(keys)} trusted key(s) "
            f"({fingerprints}): it was made by another key, or the payload or signature was altered "
            "after signing; pass the public key that signed it, or re-sign with a trusted key",
        )
    fingerprint = public_key_fingerprint(signer)

    try:
        claims = parse_simple_signing(payload)
    except MalformedPayload as error:
        return _reject(
            "malformed-payload",
            f"trusted key {fingerprint} signed a payload that is not a cosign "
            f"simple-signing document ({error}); sign the image digest with `companyos sign-payload`",
        )

    signed = claims.manifest_digest
    if manifest is not None:
        fetched = "sha256:" + hashlib.sha256(manifest).hexdigest()
        if expected_digest is not None and fetched != expected_digest:
            return _reject(
                "digest-mismatch",
                f"the manifest supplied hashes to {fetched}, not the deployed "
                f"digest {expected_digest}; fetch the manifest by digest, not by tag",
            )
        if signed != fetched:
            return _reject(
                "digest-mismatch",
                f"the signature covers {signed} but the manifest is {fetched}: the "
                "tag was re-pointed or the manifest changed after signing; deploy the signed digest "
                "or sign the new one",
            )
    if expected_digest is not None and signed != expected_digest:
        return _reject(
            "digest-mismatch",
            f"the signature covers {signed} but the deployed digest is "
            f"{expected_digest}; deploy the signed digest or sign {expected_digest}",
        )

    if expected_repository is not None:
        try:
            signed_repository = parse_image_reference(claims.docker_reference).repository
        except ValueError:
            signed_repository = claims.docker_reference
        if signed_repository != expected_repository:
            return _reject(
                "reference-mismatch",
                f"the signature names repository {signed_repository!r}, not "
                f"{expected_repository!r}; deploy from the signed repository or sign this one",
            )

    return VerificationResult(
        verified=True,
        reason="verified",
        detail=f"{signed} ({claims.docker_reference}) is signed by trusted key {fingerprint}",
        key_fingerprint=fingerprint,
    )


def _reject(reason: Reason, detail: str) -> VerificationResult:
    return VerificationResult(verified=False, reason=reason, detail=detail)


def trusted_keys(public_keys: Sequence[bytes]) -> list[ec.EllipticCurvePublicKey]:
    if not public_keys:
        raise UserError("no trusted public key given; pass the signer's cosign.pub (e.g. --key cosign.pub)")
    return [load_public_key(pem, source=f"trusted key #{index + 1}") for index, pem in enumerate(public_keys)]


def decode_signature(signature_b64: str | bytes) -> bytes | str:
    """The DER bytes, or a sentence saying why they are not a cosign ECDSA signature."""
    try:
        text = signature_b64.strip() if isinstance(signature_b64, bytes) else signature_b64.strip().encode("ascii")
        raw = base64.b64decode(text, validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return "it is not standard base64"
    try:
        r, s = decode_dss_signature(raw)
    except ValueError:
        return "it is not an ASN.1 DER ECDSA signature"
    # Non-canonical encodings (BER lengths, padded integers) are refused by Go's cryptobyte and OpenSSL alike.
    if encode_dss_signature(r, s) != raw:
        return "its ASN.1 encoding is not canonical DER"
    if not (0 < r < _P256_ORDER and 0 < s < _P256_ORDER):
        return "its r or s value is outside the P-256 group order"
    return raw


def signed_by(key: ec.EllipticCurvePublicKey, signature: bytes, payload: bytes) -> bool:
    try:
        key.verify(signature, payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True

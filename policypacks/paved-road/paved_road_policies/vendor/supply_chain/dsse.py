# Generated from companyos/supply_chain/dsse.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""DSSE envelopes (secure-systems-lab/dsse, protocol v1) as cosign writes and reads them for attestations.

The signature is over PAE(payloadType, payload), never over the envelope's JSON, so re-encoding the envelope
cannot change what was signed and a signature cannot be moved to another payload type. cosign's key-pair mode
signs PAE with ECDSA P-256 over SHA-256 (the same signer as image signatures) and leaves `keyid` empty.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from paved_road_policies.vendor.supply_chain.go_json import GoJsonError, go_field, strict_loads
from paved_road_policies.vendor.supply_chain.keys import public_key_fingerprint
from paved_road_policies.vendor.supply_chain.sign import sign_payload
from paved_road_policies.vendor.supply_chain.verification import decode_signature, signed_by, trusted_keys

# in-toto attestation framework: the payload type of an in-toto Statement inside DSSE.
IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"
# sigstore/cosign pkg/types/media.go DssePayloadType: the layer media type of an attestation in a registry.
DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json"
# An envelope carrying more signatures than this is not one a signer made.
MAX_SIGNATURES = 16


class EnvelopeError(ValueError):
    """The bytes are not a DSSE envelope; the message names the field."""


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[tuple[str, str], ...]  # (keyid, base64 signature)

    def to_json(self) -> dict[str, object]:
        """The envelope as cosign marshals it (field order of dsse.Envelope: payloadType, payload, signatures)."""
        return {
            "payloadType": self.payload_type,
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "signatures": [{"keyid": keyid, "sig": sig} for keyid, sig in self.signatures],
        }


def pae(payload_type: str, payload: bytes) -> bytes:
    """Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body (lengths in ASCII decimal)."""
    encoded_type = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(encoded_type), encoded_type, len(payload), payload)


def sign_envelope(
    private_key: ec.EllipticCurvePrivateKey, payload: bytes, payload_type: str = IN_TOTO_PAYLOAD_TYPE
) -> Envelope:
    """An envelope signed as `cosign attest --key` signs one: one signature, empty keyid."""
    return Envelope(payload_type, payload, (("", sign_payload(private_key, pae(payload_type, payload))),))


def parse_envelope(data: bytes | str | object) -> Envelope:
    """Read an envelope from its JSON bytes (or already-decoded JSON); EnvelopeError for anything else.

    Go's decoder rules apply to the field names (cosign reads envelopes with encoding/json), and two keys that
    Go would fold together are refused rather than resolved.
    """
    if isinstance(data, (bytes, str)):
        try:
            document = strict_loads(data.encode("utf-8") if isinstance(data, str) else data)
        except GoJsonError as error:
            raise EnvelopeError(f"the envelope is {error}") from None
    else:
        document = data
    if not isinstance(document, dict):
        raise EnvelopeError("the envelope is not a JSON object")
    payload_type = _string(document, "payloadType")
    payload_b64 = _string(document, "payload")
    payload = b64decode_any(payload_b64)
    if payload is None:
        raise EnvelopeError("payload is not base64")
    found, signatures = go_field(document, "signatures")
    if not found or not isinstance(signatures, list):
        raise EnvelopeError("signatures is missing or not a list")
    if len(signatures) > MAX_SIGNATURES:
        raise EnvelopeError(f"signatures has {len(signatures)} entries, more than the {MAX_SIGNATURES} accepted")
    parsed = []
    for index, entry in enumerate(signatures):
        if not isinstance(entry, dict):
            raise EnvelopeError(f"signatures[{index}] is not an object")
        found, keyid = go_field(entry, "keyid")
        if found and keyid is not None and not isinstance(keyid, str):
            raise EnvelopeError(f"signatures[{index}].keyid is not a string")
        parsed.append((keyid or "", _string(entry, "sig", f"signatures[{index}].")))
    return Envelope(payload_type, payload, tuple(parsed))


@dataclass(frozen=True)
class EnvelopeVerdict:
    verified: bool
    detail: str
    key_fingerprint: str | None = None


def verify_envelope(envelope: Envelope, public_keys: Sequence[bytes]) -> EnvelopeVerdict:
    """Accept the envelope when one of its signatures over PAE verifies under a trusted key.

    Unlike cosign (which accepts any one verifying signature too), a signature that is not even a well-formed
    ECDSA signature is reported, never skipped silently, when no signature verifies."""
    keys = trusted_keys(public_keys)
    if not envelope.signatures:
        return EnvelopeVerdict(False, "the envelope carries no signature")
    message = pae(envelope.payload_type, envelope.payload)
    problems = []
    for index, (_, signature_b64) in enumerate(envelope.signatures):
        raw = b64decode_any(signature_b64)
        signature = decode_signature(base64.b64encode(raw)) if raw is not None else "it is not base64"
        if isinstance(signature, str):
            problems.append(f"signature #{index + 1} is corrupted: {signature}")
            continue
        signer = next((key for key in keys if signed_by(key, signature, message)), None)
        if signer is not None:
            fingerprint = public_key_fingerprint(signer)
            return EnvelopeVerdict(True, f"signed by trusted key {fingerprint}", fingerprint)
        problems.append(
            f"signature #{index + 1} verifies under none of the {len(keys)} trusted key(s): made by "
            "another key, or the payload or its type was changed after signing"
        )
    return EnvelopeVerdict(False, "; ".join(problems))


def b64decode_any(text: str) -> bytes | None:
    """Decode as go-securesystemslib's dsse.b64Decode does: standard, URL-safe, then both unpadded (the DSSE spec
    allows either alphabet). No string decodes to two different byte strings under these, so accepting all four
    cannot make two readers disagree."""
    if not text.isascii() or ("+" in text or "/" in text) and ("-" in text or "_" in text):
        return None  # one alphabet or the other, never a mix (Go's decoders refuse it)
    padded = text + "=" * (-len(text) % 4)
    for candidate, altchars in ((text, None), (text, b"-_"), (padded, None), (padded, b"-_")):
        try:
            return base64.b64decode(candidate, altchars=altchars, validate=True)
        except (binascii.Error, ValueError):
            continue
    return None


def _string(document: dict[str, object], name: str, where: str = "") -> str:
    found, value = go_field(document, name)
    if not found or not isinstance(value, str) or not value:
        raise EnvelopeError(f"{where}{name} is missing, empty or not a string")
    return value

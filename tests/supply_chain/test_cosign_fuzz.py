"""Hostile bytes never crash verification: whatever arrives, the answer is a VerificationResult, not verified."""

from __future__ import annotations

import base64
import hashlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from companyos.supply_chain.verification import REASONS, VerificationResult, verify

from .helpers import INTEROP, interop_case

COSIGN_PUB = (INTEROP / "cosign.pub").read_bytes()
VALID = interop_case("valid")
DIGEST = "sha256:" + hashlib.sha256(VALID.manifest).hexdigest()
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

signature_texts = st.one_of(st.text(), st.binary().map(lambda raw: base64.b64encode(raw).decode()), st.binary())


def assert_rejected(result: object) -> None:
    assert isinstance(result, VerificationResult)
    assert result.verified is False and result.reason in REASONS and result.key_fingerprint is None
    assert result.detail


@FUZZ
@given(payload=st.binary(), signature=signature_texts, manifest=st.one_of(st.none(), st.binary()))
def test_random_payload_and_signature_bytes_are_always_rejected_never_raised(payload, signature, manifest):
    assert_rejected(verify(payload, signature, [COSIGN_PUB], expected_digest=DIGEST, manifest=manifest))


@FUZZ
@given(signature=signature_texts)
def test_a_random_signature_over_a_real_payload_is_rejected(signature):
    assert_rejected(verify(VALID.payload, signature, [COSIGN_PUB], manifest=VALID.manifest))


@FUZZ
@given(position=st.integers(min_value=0, max_value=len(VALID.payload) - 1), value=st.integers(0, 255))
def test_changing_any_byte_of_a_really_signed_payload_is_rejected(position, value):
    altered = bytearray(VALID.payload)
    if altered[position] == value:
        value ^= 0x01
    altered[position] = value
    assert_rejected(verify(bytes(altered), VALID.signature_b64, [COSIGN_PUB], manifest=VALID.manifest))

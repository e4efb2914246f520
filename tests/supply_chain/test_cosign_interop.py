"""Agreement with real cosign output (fixtures/cosign-interop, signatures made by the cosign tool)."""

from __future__ import annotations

import hashlib

import pytest

from companyos.supply_chain.keys import public_key_fingerprint
from companyos.supply_chain.simple_signing import simple_signing_payload
from companyos.supply_chain.verification import verify

from .helpers import INTEROP, interop_case

COSIGN_PUB = (INTEROP / "cosign.pub").read_bytes()
COSIGN2_PUB = (INTEROP / "cosign2.pub").read_bytes()


@pytest.mark.parametrize("case_name", ["valid", "unknown-key"])
def test_each_interop_case_verifies_or_is_rejected_as_its_expect_json_says(case_name):
    case = interop_case(case_name)
    result = verify(case.payload, case.signature_b64, [case.key_pem], manifest=case.manifest)
    assert result.verified is (case.expect == "verified"), result.detail


@pytest.mark.parametrize(
    ("case_name", "keys", "reason"),
    [
        ("valid", [COSIGN_PUB], "verified"),
        ("valid", [COSIGN2_PUB], "wrong-key"),
        ("valid", [COSIGN2_PUB, COSIGN_PUB], "verified"),
        ("unknown-key", [COSIGN_PUB], "wrong-key"),
        ("unknown-key", [COSIGN_PUB, COSIGN2_PUB], "wrong-key"),
    ],
)
def test_a_real_cosign_signature_gets_the_reason_its_trusted_keys_imply(case_name, keys, reason):
    case = interop_case(case_name)
    result = verify(case.payload, case.signature_b64, keys, manifest=case.manifest)
    assert result.reason == reason, result.detail


def test_a_verified_real_signature_reports_the_fingerprint_of_cosign_pub():
    case = interop_case("valid")
    result = verify(case.payload, case.signature_b64, [COSIGN2_PUB, COSIGN_PUB], manifest=case.manifest)
    assert result.key_fingerprint == public_key_fingerprint(COSIGN_PUB)


def test_the_payload_digest_is_the_sha256_of_the_fixture_manifest():
    case = interop_case("valid")
    digest = "sha256:" + hashlib.sha256(case.manifest).hexdigest()
    assert verify(case.payload, case.signature_b64, [COSIGN_PUB], expected_digest=digest).verified
    assert verify(
        case.payload, case.signature_b64, [COSIGN_PUB], expected_digest=digest, manifest=case.manifest
    ).verified


@pytest.mark.parametrize(
    "modify",
    [
        lambda manifest: manifest.replace(b'"size":2896510', b'"size":2896511'),
        lambda manifest: manifest + b"\n",
        lambda manifest: manifest.replace(b"9d16cba9", b"00000000"),
    ],
)
def test_a_modified_manifest_is_a_digest_mismatch_even_with_a_real_valid_signature(modify):
    case = interop_case("valid")
    result = verify(case.payload, case.signature_b64, [COSIGN_PUB], manifest=modify(case.manifest))
    assert result.reason == "digest-mismatch"
    assert "sha256:634a8f35" in result.detail


def test_a_real_signature_for_another_deployed_digest_is_a_digest_mismatch():
    case = interop_case("valid")
    result = verify(case.payload, case.signature_b64, [COSIGN_PUB], expected_digest="sha256:" + "b" * 64)
    assert result.reason == "digest-mismatch"


def test_our_payload_builder_reproduces_the_bytes_cosign_signed():
    case = interop_case("valid")
    rebuilt = simple_signing_payload(
        "192.168.64.2:5000/cosign-signed-single-sample:latest",
        "sha256:634a8f35b5f16dcf4aaa0822adc0b1964bb786fca12f6831de8ddc45e5986a00",
    )
    assert rebuilt == case.payload


@pytest.mark.parametrize(
    ("reference", "reason"),
    [
        ("192.168.64.2:5000/cosign-signed-single-sample", "verified"),
        ("192.168.64.2:5000/cosign-signed-single-sample:v1", "verified"),
        ("192.168.64.2:5000/another-image", "reference-mismatch"),
    ],
)
def test_the_signed_docker_reference_is_checked_only_against_the_repository(reference, reason):
    case = interop_case("valid")
    result = verify(
        case.payload, case.signature_b64, [COSIGN_PUB], manifest=case.manifest, expected_reference=reference
    )
    assert result.reason == reason, result.detail

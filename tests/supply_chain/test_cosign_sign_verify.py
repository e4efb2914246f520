"""Signing and the one verification function: every reason code, interop with openssl, determinism, speed."""

from __future__ import annotations

import base64
import hashlib
import shutil
import statistics
import subprocess
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from companyos.contracts.errors import UserError
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.simple_signing import simple_signing_payload
from companyos.supply_chain.verification import REASONS, VerificationResult, verify

MANIFEST = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}'
DIGEST = "sha256:" + hashlib.sha256(MANIFEST).hexdigest()
OTHER_MANIFEST = MANIFEST.replace(b"[]", b'[{"digest":"sha256:' + b"c" * 64 + b'"}]')
OTHER_DIGEST = "sha256:" + hashlib.sha256(OTHER_MANIFEST).hexdigest()
REPOSITORY = "registry.example.com/payments/api"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


@pytest.fixture(scope="module")
def signed(key_pair):
    payload = simple_signing_payload(REPOSITORY + ":1.4.2", DIGEST)
    return payload, sign_payload(key_pair.private_key, payload)


def test_keygen_then_sign_then_verify_is_verified_with_the_signers_fingerprint(key_pair, signed):
    payload, signature = signed
    result = verify(
        payload,
        signature,
        [key_pair.public_pem],
        expected_digest=DIGEST,
        expected_reference=REPOSITORY,
        manifest=MANIFEST,
    )
    assert result == VerificationResult(True, "verified", result.detail, result.key_fingerprint)
    assert result.key_fingerprint.startswith("sha256:") and result.key_fingerprint in result.detail


def _flip_last_base64_char(signature: str) -> str:
    raw = bytearray(base64.b64decode(signature))
    raw[-1] ^= 0x01  # last byte of s: still valid DER, no longer a valid signature
    return base64.b64encode(bytes(raw)).decode()


def _non_canonical_der(signature: str) -> str:
    r, s = decode_dss_signature(base64.b64decode(signature))
    der = encode_dss_signature(r, s)
    body = der[2:]
    return base64.b64encode(b"\x30\x81" + bytes([len(body)]) + body).decode()  # long-form length: BER, not DER


def _out_of_range(signature: str) -> str:
    r, _ = decode_dss_signature(base64.b64decode(signature))
    return base64.b64encode(encode_dss_signature(r, P256_ORDER)).decode()


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (lambda signature: "", "no-signature"),
        (lambda signature: "   \n", "no-signature"),
        (lambda signature: signature[:-4] + "!!!!", "bad-signature"),
        (lambda signature: base64.b64encode(base64.b64decode(signature)[:-3]).decode(), "bad-signature"),
        (lambda signature: base64.b64encode(b"\x00" * 70).decode(), "bad-signature"),
        (_non_canonical_der, "bad-signature"),
        (_out_of_range, "bad-signature"),
        (_flip_last_base64_char, "wrong-key"),
        (lambda signature: signature + "\n", "verified"),
    ],
)
def test_a_corrupted_signature_is_told_apart_from_one_made_by_another_key(key_pair, signed, mangle, reason):
    payload, signature = signed
    result = verify(payload, mangle(signature), [key_pair.public_pem], expected_digest=DIGEST)
    assert result.reason == reason, result.detail


def test_a_signature_by_an_untrusted_key_is_wrong_key_and_names_the_trusted_fingerprints(
    key_pair, other_key_pair, signed
):
    payload, signature = signed
    result = verify(payload, signature, [other_key_pair.public_pem], expected_digest=DIGEST)
    assert (result.verified, result.reason, result.key_fingerprint) == (False, "wrong-key", None)
    assert "sha256:" in result.detail and "another key" in result.detail


def test_any_trusted_key_may_have_signed(key_pair, other_key_pair, signed):
    payload, signature = signed
    assert verify(payload, signature, [other_key_pair.public_pem, key_pair.public_pem], expected_digest=DIGEST).verified


def test_a_payload_altered_after_signing_is_rejected(key_pair, signed):
    payload, signature = signed
    altered = payload.replace(DIGEST.encode(), OTHER_DIGEST.encode())
    assert verify(altered, signature, [key_pair.public_pem], expected_digest=OTHER_DIGEST).reason == "wrong-key"


@pytest.mark.parametrize(
    ("expected_digest", "manifest"),
    [
        (OTHER_DIGEST, None),  # a tag re-pointed to another image: the deployed digest is not the signed one
        (None, OTHER_MANIFEST),  # the manifest fetched is not the one signed
        (OTHER_DIGEST, OTHER_MANIFEST),
        (DIGEST, OTHER_MANIFEST),  # the manifest fetched is not the deployed one
    ],
)
def test_a_signature_for_another_digest_is_a_digest_mismatch(key_pair, signed, expected_digest, manifest):
    payload, signature = signed
    result = verify(payload, signature, [key_pair.public_pem], expected_digest=expected_digest, manifest=manifest)
    assert result.reason == "digest-mismatch", result.detail


def test_a_signature_for_another_repository_is_a_reference_mismatch(key_pair, signed):
    payload, signature = signed
    result = verify(
        payload,
        signature,
        [key_pair.public_pem],
        expected_digest=DIGEST,
        expected_reference="registry.example.com/payments/worker",
    )
    assert result.reason == "reference-mismatch"
    assert "registry.example.com/payments/api" in result.detail


def _document(
    image: str = f'{{"docker-manifest-digest":"{DIGEST}"}}',
    signature_type: str = "cosign container image signature",
    optional: str = "null",
) -> bytes:
    return (
        f'{{"critical":{{"identity":{{"docker-reference":"r.example/a"}},"image":{image},'
        f'"type":"{signature_type}"}},"optional":{optional}}}'
    ).encode()


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe{}",
        b"[]",
        _document(signature_type="atomic container signature"),
        _document(image="{}"),
        _document(image='{"docker-manifest-digest":"sha256:abc"}'),
        _document(image=f'{{"docker-manifest-digest":"{DIGEST}","Docker-Manifest-Digest":"{OTHER_DIGEST}"}}'),
        _document(optional="NaN"),
        _document(optional='"a string"'),
    ],
    ids=[
        "not JSON",
        "not UTF-8",
        "not an object",
        "another type",
        "no digest",
        "short digest",
        "two digests differing in case",
        "NaN",
        "optional not an object",
    ],
)
def test_a_trusted_signature_over_something_other_than_a_simple_signing_document_is_malformed(key_pair, payload):
    signature = sign_payload(key_pair.private_key, payload)
    result = verify(payload, signature, [key_pair.public_pem], expected_digest=DIGEST)
    assert result.reason == "malformed-payload", result.detail


def test_field_names_match_case_insensitively_as_in_gos_json_decoder(key_pair):
    payload = (
        b'{"Critical":{"Identity":{"docker-reference":"r.example/a"},"Image":{"Docker-manifest-digest":"'
        + DIGEST.encode()
        + b'"},"Type":"cosign container image signature"},"Optional":null}'
    )
    assert verify(
        payload, sign_payload(key_pair.private_key, payload), [key_pair.public_pem], expected_digest=DIGEST
    ).verified


def test_an_empty_payload_is_no_signature(key_pair, signed):
    assert verify(b"", signed[1], [key_pair.public_pem], expected_digest=DIGEST).reason == "no-signature"


def test_every_reason_code_is_documented_and_distinct():
    assert len(set(REASONS)) == 7 and REASONS[0] == "verified"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({}, ValueError),
        ({"expected_digest": "sha256:short"}, ValueError),
        ({"expected_digest": DIGEST, "expected_reference": "Not A Repo"}, ValueError),
    ],
)
def test_caller_mistakes_raise_instead_of_returning_a_verdict(key_pair, signed, kwargs, error):
    with pytest.raises(error):
        verify(signed[0], signed[1], [key_pair.public_pem], **kwargs)


def test_no_trusted_keys_is_a_user_error_with_the_fix(signed):
    with pytest.raises(UserError, match="--key cosign.pub"):
        verify(signed[0], signed[1], [], expected_digest=DIGEST)


@pytest.mark.parametrize(
    ("reference", "annotations", "expected"),
    [
        (
            "registry.example.com/payments/api:1.4.2",
            None,
            b'{"critical":{"identity":{"docker-reference":"registry.example.com/payments/api"},"image":'
            b'{"docker-manifest-digest":"' + DIGEST.encode() + b'"},"type":"cosign container image signature"},'
            b'"optional":null}',
        ),
        (
            "nginx",
            {},
            b'{"critical":{"identity":{"docker-reference":"index.docker.io/library/nginx"},"image":'
            b'{"docker-manifest-digest":"' + DIGEST.encode() + b'"},"type":"cosign container image signature"},'
            b'"optional":null}',
        ),
        (
            "docker.io/team/app@" + DIGEST,
            {"z": "1", "a": "<b&c>"},
            b'{"critical":{"identity":{"docker-reference":"index.docker.io/team/app"},"image":'
            b'{"docker-manifest-digest":"' + DIGEST.encode() + b'"},"type":"cosign container image signature"},'
            b'"optional":{"a":"\\u003cb\\u0026c\\u003e","z":"1"}}',
        ),
    ],
)
def test_the_payload_is_byte_for_byte_what_gos_json_marshal_writes(reference, annotations, expected):
    assert simple_signing_payload(reference, DIGEST, annotations) == expected


def test_a_reference_pinning_another_digest_cannot_be_signed_as_this_one():
    with pytest.raises(ValueError, match="pins"):
        simple_signing_payload(REPOSITORY + "@" + OTHER_DIGEST, DIGEST)


OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")
def test_openssl_verifies_our_signature_and_we_verify_openssls(key_pair, signed, tmp_path):
    payload, signature = signed
    (tmp_path / "payload").write_bytes(payload)
    (tmp_path / "pub.pem").write_bytes(key_pair.public_pem)
    (tmp_path / "sig.der").write_bytes(base64.b64decode(signature))
    checked = subprocess.run(
        [
            OPENSSL,
            "dgst",
            "-sha256",
            "-verify",
            tmp_path / "pub.pem",
            "-signature",
            tmp_path / "sig.der",
            tmp_path / "payload",
        ],
        capture_output=True,
        check=False,
        timeout=30,
    )
    assert checked.returncode == 0 and b"Verified OK" in checked.stdout, checked.stderr

    subprocess.run(
        [OPENSSL, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", tmp_path / "k.pem"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    subprocess.run(
        [OPENSSL, "ec", "-in", tmp_path / "k.pem", "-pubout", "-out", tmp_path / "k.pub"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    subprocess.run(
        [
            OPENSSL,
            "dgst",
            "-sha256",
            "-sign",
            tmp_path / "k.pem",
            "-out",
            tmp_path / "openssl.sig",
            tmp_path / "payload",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    openssl_signature = base64.b64encode((tmp_path / "openssl.sig").read_bytes()).decode()
    assert verify(payload, openssl_signature, [(tmp_path / "k.pub").read_bytes()], expected_digest=DIGEST).verified


def test_verification_takes_under_5_ms_once_fetched(key_pair, other_key_pair, signed):
    payload, signature = signed
    keys = [other_key_pair.public_pem, key_pair.public_pem]
    timings = []
    for _ in range(50):
        start = time.perf_counter()
        verify(payload, signature, keys, expected_digest=DIGEST, manifest=MANIFEST, expected_reference=REPOSITORY)
        timings.append(time.perf_counter() - start)
    assert statistics.median(timings) < 0.005

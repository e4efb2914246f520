"""Key pairs in cosign's formats: generation, encryption envelope, loading real cosign keys, fingerprints."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from companyos.contracts.errors import UserError
from companyos.supply_chain import encrypted
from companyos.supply_chain.keys import (
    encrypt_private_key,
    generate_key_pair,
    load_private_key,
    load_public_key,
    public_key_fingerprint,
)
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.verification import verify

from .helpers import COSIGN_KEYS, FIXTURES, INTEROP, TEST_PASSWORD

DIGEST = "sha256:" + "a" * 64
COSIGN_KEY_PASSWORD = b"hello"  # the password of the vectors in cosign's pkg/cosign/keys_test.go


def _pem_body(pem: bytes) -> tuple[str, bytes]:
    match = re.fullmatch(rb"-----BEGIN ([A-Z ]+)-----\n((?:[A-Za-z0-9+/=]{1,64}\n)+)-----END \1-----\n", pem)
    assert match, pem
    return match.group(1).decode(), base64.b64decode(match.group(2))


def test_a_generated_private_key_is_an_encrypted_sigstore_pem_in_go_securesystemslib_layout(key_pair):
    pem_type, body = _pem_body(key_pair.private_pem)
    assert pem_type == "ENCRYPTED SIGSTORE PRIVATE KEY"
    document = json.loads(body)
    # Field order and names as Go's json.Marshal writes go-securesystemslib's `data` struct.
    assert list(document) == ["kdf", "cipher", "ciphertext"]
    assert document["kdf"]["name"] == "scrypt"
    assert document["kdf"]["params"] == {"N": 65536, "r": 8, "p": 1}
    assert len(base64.b64decode(document["kdf"]["salt"])) == 32
    assert document["cipher"]["name"] == "nacl/secretbox"
    assert len(base64.b64decode(document["cipher"]["nonce"])) == 24
    assert body == json.dumps(document, separators=(",", ":")).encode()


def test_a_generated_public_key_is_a_p256_subject_public_key_info_pem(key_pair):
    pem_type, der = _pem_body(key_pair.public_pem)
    assert pem_type == "PUBLIC KEY"
    public_key = serialization.load_der_public_key(der)
    assert isinstance(public_key, ec.EllipticCurvePublicKey) and public_key.curve.name == "secp256r1"
    assert public_key == key_pair.private_key.public_key()


def test_a_key_pair_round_trips_through_encryption_and_signs_what_its_public_key_verifies(key_pair):
    payload = (
        b'{"critical":{"identity":{"docker-reference":"r.example/a"},"image":{"docker-manifest-digest":"'
        + DIGEST.encode()
        + b'"},"type":"cosign container image signature"},"optional":null}'
    )
    signature = sign_payload(load_private_key(key_pair.private_pem, TEST_PASSWORD), payload)
    assert verify(payload, signature, [key_pair.public_pem], expected_digest=DIGEST).verified


def test_two_generated_key_pairs_differ(key_pair, other_key_pair):
    assert key_pair.public_pem != other_key_pair.public_pem


def test_an_empty_password_is_allowed_as_cosign_allows_it():
    private_pem, public_pem = generate_key_pair(b"")
    assert load_private_key(private_pem, b"").public_key() == load_public_key(public_pem)


def test_a_wrong_password_names_the_key_file_and_cosign_password(key_pair):
    with pytest.raises(UserError, match=r"^wrong COSIGN_PASSWORD for release/cosign\.key: "):
        load_private_key(key_pair.private_pem, b"not the password", source="release/cosign.key")


@pytest.mark.parametrize("file_name", ["sigstore-ec-p256.key", "cosign-ec-p256.key"])
def test_a_real_cosign_encrypted_key_loads_with_its_password_and_signs(file_name):
    private_key = load_private_key((COSIGN_KEYS / file_name).read_bytes(), COSIGN_KEY_PASSWORD, source=file_name)
    payload = b"any bytes"
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = base64.b64decode(sign_payload(private_key, payload))
    load_public_key(public_pem).verify(signature, payload, ec.ECDSA(hashes.SHA256()))  # raises if invalid


@pytest.mark.parametrize("file_name", ["sigstore-ec-p256.key", "cosign-ec-p256.key"])
def test_a_real_cosign_key_with_the_wrong_password_is_refused(file_name):
    with pytest.raises(UserError, match="wrong COSIGN_PASSWORD"):
        load_private_key((COSIGN_KEYS / file_name).read_bytes(), b"hellO", source=file_name)


def test_a_cosign_key_holding_sec1_instead_of_pkcs8_is_refused_as_cosign_refuses_it():
    with pytest.raises(UserError, match="not PKCS#8"):
        load_private_key((COSIGN_KEYS / "cosign-ec-sec1.key").read_bytes(), COSIGN_KEY_PASSWORD)


def test_an_older_cosign_pem_type_is_accepted_on_a_key_we_encrypt(key_pair):
    legacy = key_pair.private_pem.replace(b"SIGSTORE", b"COSIGN")
    assert load_private_key(legacy, TEST_PASSWORD).public_key() == key_pair.private_key.public_key()


@pytest.mark.parametrize(("params"), [encrypted.LEGACY_PARAMS, encrypted.STANDARD_PARAMS])
def test_keys_encrypted_with_each_accepted_scrypt_level_load(key_pair, params):
    pem = encrypt_private_key(key_pair.private_key, b"pw", params)
    assert load_private_key(pem, b"pw").public_key() == key_pair.private_key.public_key()


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        (b"", "no PEM block"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "is not a cosign private key"),
        (
            b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\ne30=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n",
            "damaged",
        ),
    ],
)
def test_files_that_are_not_cosign_keys_are_refused_with_the_reason(pem, message):
    with pytest.raises(UserError, match=message):
        load_private_key(pem, b"pw", source="k.key")


def test_an_rsa_key_in_cosign_format_is_refused_because_we_sign_with_p256_only():
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = rsa_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    envelope = encrypted.encrypt(pkcs8, b"pw", encrypted.LEGACY_PARAMS)
    pem = (
        b"-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
        + base64.encodebytes(envelope)
        + b"-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
    )
    with pytest.raises(UserError, match="RSA key; companyos signs with ECDSA P-256 only"):
        load_private_key(pem, b"pw")


VECTORS = json.loads((FIXTURES / "securesystemslib-encrypted-vectors.json").read_text())


@pytest.mark.parametrize("vector", VECTORS["decrypts"], ids=lambda vector: vector["name"])
def test_go_securesystemslib_envelopes_decrypt_to_their_plaintext(vector):
    plaintext = encrypted.decrypt(vector["envelope"].encode(), VECTORS["passphrase"].encode())
    assert plaintext == vector["plaintext"].encode()


def test_a_go_securesystemslib_envelope_with_unsupported_scrypt_parameters_is_refused():
    with pytest.raises(encrypted.EnvelopeFormatError, match="unsupported scrypt parameters"):
        encrypted.decrypt(VECTORS["unsupported_parameters"].encode(), b"supersecret")


def test_a_tampered_ciphertext_fails_authentication():
    envelope = json.loads(encrypted.encrypt(b"secret", b"pw", encrypted.LEGACY_PARAMS))
    ciphertext = bytearray(base64.b64decode(envelope["ciphertext"]))
    ciphertext[0] ^= 0xFF
    envelope["ciphertext"] = base64.b64encode(bytes(ciphertext)).decode()
    with pytest.raises(encrypted.WrongPassphrase):
        encrypted.decrypt(json.dumps(envelope).encode(), b"pw")


def test_the_fingerprint_is_the_sha256_of_the_public_key_der():
    pem = (INTEROP / "cosign.pub").read_bytes()
    der = base64.b64decode(b"".join(pem.splitlines()[1:-1]))
    assert public_key_fingerprint(pem) == "sha256:" + hashlib.sha256(der).hexdigest()
    assert public_key_fingerprint(load_public_key(pem)) == public_key_fingerprint(pem)


@pytest.mark.parametrize(
    ("pem", "message"),
    [
        (b"not a key", "not a PEM 'PUBLIC KEY' block"),
        (
            ec.generate_private_key(ec.SECP384R1())
            .public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
            "only ECDSA P-256",
        ),
    ],
)
def test_a_public_key_that_is_not_p256_is_refused_naming_its_file(pem, message):
    with pytest.raises(UserError, match=f"^keys/trusted.pub: .*{message}"):
        load_public_key(pem, source="keys/trusted.pub")

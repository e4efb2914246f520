# Generated from companyos/supply_chain/keys.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""cosign key pairs: generate, encrypt, load, and fingerprint ECDSA P-256 keys in cosign's PEM formats."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from paved_road_policies.vendor.contracts.errors import UserError
from paved_road_policies.vendor.supply_chain import encrypted
from paved_road_policies.vendor.support.files import atomic_write_all

# sigstore/cosign pkg/cosign/keys.go: SigstorePrivateKeyPemType (written since cosign 2.0) and
# CosignPrivateKeyPemType (older cosign); LoadPrivateKey accepts both.
SIGSTORE_PRIVATE_KEY_PEM_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY"
COSIGN_PRIVATE_KEY_PEM_TYPE = "ENCRYPTED COSIGN PRIVATE KEY"
PRIVATE_KEY_PEM_TYPES = (SIGSTORE_PRIVATE_KEY_PEM_TYPE, COSIGN_PRIVATE_KEY_PEM_TYPE)
# sigstore/sigstore pkg/cryptoutils MarshalPublicKeyToPEM: a PKIX SubjectPublicKeyInfo block.
PUBLIC_KEY_PEM_TYPE = "PUBLIC KEY"

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)
_KEYGEN_HINT = "make one with `companyos keygen` (or `cosign generate-key-pair`)"


def generate_key_pair(password: bytes) -> tuple[bytes, bytes]:
    """Return (encrypted private key PEM, public key PEM) as `cosign generate-key-pair` writes them."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    return encrypt_private_key(private_key, password), public_key_pem(private_key.public_key())


def write_key_pair(prefix: Path, password: bytes, *, force: bool = False) -> tuple[Path, Path]:
    """Write <prefix>.key (encrypted, 0600) and <prefix>.pub as `cosign generate-key-pair` does; both or neither."""
    key_path, pub_path = prefix.with_name(prefix.name + ".key"), prefix.with_name(prefix.name + ".pub")
    if not force:
        for path in (key_path, pub_path):
            if path.exists():
                raise UserError(
                    f"{path} already exists; pass --force to replace it (anything signed with the "
                    "old key then needs its old .pub to verify) or choose another --output-key-prefix"
                )
    private_pem, public_pem = generate_key_pair(password)
    try:
        atomic_write_all([(key_path, private_pem, 0o600), (pub_path, public_pem, 0o644)])
    except OSError as error:
        raise UserError(
            f"cannot write {key_path} and {pub_path}: {error.strerror}; check that the directory "
            "exists and is writable, or choose another --output-key-prefix"
        ) from None
    return key_path, pub_path


def encrypt_private_key(
    private_key: ec.EllipticCurvePrivateKey, password: bytes, params: tuple[int, int, int] = encrypted.DEFAULT_PARAMS
) -> bytes:
    """PKCS#8 DER sealed in go-securesystemslib's envelope, in a SIGSTORE PEM block (cosign's marshalKeyPair)."""
    pkcs8 = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _pem_encode(SIGSTORE_PRIVATE_KEY_PEM_TYPE, encrypted.encrypt(pkcs8, password, params))


def public_key_pem(public_key: ec.EllipticCurvePublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def load_private_key(pem: bytes, password: bytes, *, source: str = "the private key") -> ec.EllipticCurvePrivateKey:
    """Decrypt a cosign private key (ours or cosign's); every failure is a UserError naming `source`."""
    block = _first_pem_block(pem)
    if block is None:
        raise UserError(
            f"{source}: no PEM block found; expected a cosign private key "
            f"(-----BEGIN {SIGSTORE_PRIVATE_KEY_PEM_TYPE}-----): {_KEYGEN_HINT}"
        )
    pem_type, body = block
    if pem_type not in PRIVATE_KEY_PEM_TYPES:
        raise UserError(
            f"{source}: PEM type {pem_type!r} is not a cosign private key (expected "
            f"{' or '.join(PRIVATE_KEY_PEM_TYPES)}); convert a plain key with "
            f"`cosign import-key-pair --key {source}` or {_KEYGEN_HINT}"
        )
    try:
        der = encrypted.decrypt(body, password)
    except encrypted.WrongPassphrase:
        raise UserError(
            f"wrong COSIGN_PASSWORD for {source}: export COSIGN_PASSWORD with the password "
            "given when this key was generated"
        ) from None
    except encrypted.EnvelopeFormatError as error:
        raise UserError(
            f"{source}: the encrypted key is damaged ({error}); restore it from its backup or {_KEYGEN_HINT}"
        ) from None
    if not _is_pkcs8(der):
        # cosign's LoadPrivateKey calls x509.ParsePKCS8PrivateKey, so it rejects this key too.
        raise UserError(
            f"{source}: the decrypted key is not PKCS#8 (cosign rejects it as well); "
            f"re-encrypt it with `cosign import-key-pair` or {_KEYGEN_HINT}"
        )
    try:
        private_key = serialization.load_der_private_key(der, password=None)
    except ValueError as error:
        raise UserError(f"{source}: the decrypted key cannot be parsed ({error}); {_KEYGEN_HINT}") from None
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or private_key.curve.name != "secp256r1":
        raise UserError(
            f"{source}: holds a {_describe(private_key)} key; companyos signs with ECDSA P-256 "
            f"only (cosign's default key type): {_KEYGEN_HINT}"
        )
    return private_key


def load_public_key(pem: bytes, *, source: str = "the public key") -> ec.EllipticCurvePublicKey:
    """Parse a cosign public key (PEM SubjectPublicKeyInfo, ECDSA P-256); UserError naming `source` if not."""
    try:
        return _load_public_key_cached(bytes(pem))
    except ValueError as error:
        raise UserError(
            f"{source}: {error}; pass the cosign.pub written by `companyos keygen` or `cosign generate-key-pair`"
        ) from None


def public_key_fingerprint(public_key: ec.EllipticCurvePublicKey | bytes) -> str:
    """`sha256:<hex>` of the SubjectPublicKeyInfo DER; accepts a key object or its PEM."""
    key = load_public_key(public_key) if isinstance(public_key, bytes) else public_key
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


@functools.lru_cache(maxsize=64)
def _load_public_key_cached(pem: bytes) -> ec.EllipticCurvePublicKey:
    # Cached because the policy pack verifies many resources against the same few trusted keys.
    block = _first_pem_block(pem)
    if block is None or block[0] != PUBLIC_KEY_PEM_TYPE:
        raise ValueError(f"not a PEM {PUBLIC_KEY_PEM_TYPE!r} block")
    try:
        key = serialization.load_der_public_key(block[1])
    except ValueError as error:
        raise ValueError(f"public key cannot be parsed ({error})") from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError(f"holds a {_describe(key)} key, but only ECDSA P-256 keys are supported")
    return key


def _first_pem_block(data: bytes) -> tuple[str, bytes] | None:
    """Like Go's pem.Decode: the first block; the body is base64 with line breaks (no RFC 1421 headers)."""
    match = _PEM_BLOCK.search(data)
    if match is None:
        return None
    try:
        body = base64.b64decode(b"".join(match.group(2).split()), validate=True)
    except binascii.Error:
        return None
    return match.group(1).decode("ascii"), body


def _pem_encode(pem_type: str, der: bytes) -> bytes:
    # Go's pem.EncodeToMemory: 64-character base64 lines.
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return (f"-----BEGIN {pem_type}-----\n" + "\n".join(lines) + f"\n-----END {pem_type}-----\n").encode("ascii")


def _is_pkcs8(der: bytes) -> bool:
    """PrivateKeyInfo ::= SEQUENCE { INTEGER, SEQUENCE AlgorithmIdentifier, ... }.

    cryptography's loader also accepts SEC1 and PKCS#1 DER (where an OCTET STRING or INTEGER follows the
    version), which cosign refuses; peeking at the second element's tag tells them apart.
    """
    try:
        offset = _skip_header(der, 0, expected_tag=0x30)
        offset = _skip_element(der, offset, expected_tag=0x02)
        return der[offset] == 0x30
    except (IndexError, ValueError):
        return False


def _skip_header(der: bytes, offset: int, *, expected_tag: int) -> int:
    if der[offset] != expected_tag:
        raise ValueError("unexpected tag")
    length_byte = der[offset + 1]
    if length_byte < 0x80:
        return offset + 2
    return offset + 2 + (length_byte & 0x7F)


def _skip_element(der: bytes, offset: int, *, expected_tag: int) -> int:
    start = _skip_header(der, offset, expected_tag=expected_tag)
    length_byte = der[offset + 1]
    if length_byte < 0x80:
        return start + length_byte
    return start + int.from_bytes(der[offset + 2 : start], "big")


def _describe(key: object) -> str:
    if isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
        return f"ECDSA {key.curve.name}"
    return type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "") or "unknown"

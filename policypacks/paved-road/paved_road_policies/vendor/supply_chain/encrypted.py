# Generated from companyos/supply_chain/encrypted.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Passphrase envelope of cosign private keys: scrypt key derivation + NaCl secretbox, stored as JSON.

Our own code because no Python package implements this format; it mirrors
github.com/secure-systems-lab/go-securesystemslib `encrypted/encrypted.go`, which cosign calls from
`pkg/cosign/keys.go` (`encrypted.Encrypt` / `encrypted.Decrypt`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass

import nacl.exceptions
import nacl.secret

# go-securesystemslib encrypted.go: saltSize = 32, boxKeySize = 32, boxNonceSize = 24.
SALT_SIZE = 32
BOX_KEY_SIZE = 32
BOX_NONCE_SIZE = 24
# go-securesystemslib encrypted.go: nameScrypt / nameSecretBox.
KDF_NAME = "scrypt"
CIPHER_NAME = "nacl/secretbox"
# go-securesystemslib encrypted.go legacyParams / standardParams / owaspParams: the only (N, r, p) that
# Decrypt accepts ("an attacker could cause a DoS by tampering with them"); we refuse the rest too.
LEGACY_PARAMS = (32768, 8, 1)
STANDARD_PARAMS = (65536, 8, 1)
OWASP_PARAMS = (131072, 8, 1)
ACCEPTED_PARAMS = frozenset({LEGACY_PARAMS, STANDARD_PARAMS, OWASP_PARAMS})
# go-securesystemslib encrypted.go: Encrypt uses Standard (N=2^16) since v0.5; older cosign wrote Legacy.
DEFAULT_PARAMS = STANDARD_PARAMS


class EnvelopeFormatError(ValueError):
    """The envelope is not go-securesystemslib's JSON (bad JSON, names, parameters or sizes)."""


class WrongPassphrase(ValueError):
    """secretbox authentication failed: the passphrase (or the ciphertext) is wrong."""


@dataclass(frozen=True)
class _Envelope:
    params: tuple[int, int, int]
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def _derive_key(passphrase: bytes, salt: bytes, params: tuple[int, int, int]) -> bytes:
    n, r, p = params
    # OpenSSL's scrypt needs 128*r*N bytes (128 MiB for the OWASP level); hashlib's default cap is 32 MiB.
    return hashlib.scrypt(passphrase, salt=salt, n=n, r=r, p=p, dklen=BOX_KEY_SIZE, maxmem=2 * 128 * r * n)


def encrypt(plaintext: bytes, passphrase: bytes, params: tuple[int, int, int] = DEFAULT_PARAMS) -> bytes:
    """Return the JSON envelope bytes, laid out exactly as Go's json.Marshal writes go-securesystemslib's struct."""
    if params not in ACCEPTED_PARAMS:
        raise ValueError(f"scrypt parameters {params} are not one of {sorted(ACCEPTED_PARAMS)}")
    salt = os.urandom(SALT_SIZE)
    nonce = os.urandom(BOX_NONCE_SIZE)
    key = _derive_key(passphrase, salt, params)
    # PyNaCl's combined mode (MAC || ciphertext) is the same byte layout as Go's secretbox.Seal.
    ciphertext = nacl.secret.SecretBox(key).encrypt(plaintext, nonce).ciphertext
    n, r, p = params
    document = {
        "kdf": {"name": KDF_NAME, "params": {"N": n, "r": r, "p": p}, "salt": _b64(salt)},
        "cipher": {"name": CIPHER_NAME, "nonce": _b64(nonce)},
        "ciphertext": _b64(ciphertext),
    }
    return json.dumps(document, separators=(",", ":")).encode("ascii")


def decrypt(envelope: bytes, passphrase: bytes) -> bytes:
    """Open an envelope; EnvelopeFormatError if it is not one, WrongPassphrase if authentication fails."""
    parsed = _parse(envelope)
    key = _derive_key(passphrase, parsed.salt, parsed.params)
    try:
        return nacl.secret.SecretBox(key).decrypt(parsed.ciphertext, parsed.nonce)
    except nacl.exceptions.CryptoError as error:
        raise WrongPassphrase("secretbox authentication failed") from error


def _parse(envelope: bytes) -> _Envelope:
    try:
        document = json.loads(envelope.decode("utf-8"))
        kdf, cipher = document["kdf"], document["cipher"]
        if kdf["name"] != KDF_NAME:
            raise EnvelopeFormatError(f"unknown kdf name {kdf['name']!r} (expected {KDF_NAME!r})")
        if cipher["name"] != CIPHER_NAME:
            raise EnvelopeFormatError(f"unknown cipher name {cipher['name']!r} (expected {CIPHER_NAME!r})")
        raw = kdf["params"]
        params = (raw["N"], raw["r"], raw["p"])
        if params not in ACCEPTED_PARAMS or not all(type(value) is int for value in params):
            raise EnvelopeFormatError(f"unsupported scrypt parameters {raw}")
        salt = _unb64(kdf["salt"])
        nonce = _unb64(cipher["nonce"])
        ciphertext = _unb64(document["ciphertext"])
    except EnvelopeFormatError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, binascii.Error) as error:
        raise EnvelopeFormatError(f"not a scrypt/secretbox JSON envelope: {error}") from error
    if len(nonce) != BOX_NONCE_SIZE:
        raise EnvelopeFormatError(f"nonce is {len(nonce)} bytes, expected {BOX_NONCE_SIZE}")
    return _Envelope(params=params, salt=salt, nonce=nonce, ciphertext=ciphertext)


def _b64(data: bytes) -> str:
    # Go's json.Marshal encodes []byte as standard, padded base64.
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"expected a base64 string, got {type(text).__name__}")
    return base64.b64decode(text, validate=True)

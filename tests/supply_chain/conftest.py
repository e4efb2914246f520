"""Shared fixtures: generated key pairs (session-scoped, because every generation runs scrypt)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from companyos.supply_chain.keys import generate_key_pair, load_private_key

from .helpers import TEST_PASSWORD


@dataclass(frozen=True)
class KeyPair:
    private_pem: bytes
    public_pem: bytes
    private_key: ec.EllipticCurvePrivateKey


def _make(password: bytes) -> KeyPair:
    private_pem, public_pem = generate_key_pair(password)
    return KeyPair(private_pem, public_pem, load_private_key(private_pem, password))


@pytest.fixture(scope="session")
def key_pair() -> KeyPair:
    return _make(TEST_PASSWORD)


@pytest.fixture(scope="session")
def other_key_pair() -> KeyPair:
    return _make(b"another password")

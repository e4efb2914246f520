"""Paths and loaders shared by the supply-chain tests."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
INTEROP = FIXTURES / "cosign-interop"
COSIGN_KEYS = FIXTURES / "cosign-keys"
TEST_PASSWORD = b"correct horse battery staple"
# The installed console script next to the interpreter running the tests (/work/main/.venv/bin/companyos).
COMPANYOS = Path(sys.executable).parent / "companyos"


@dataclass(frozen=True)
class InteropCase:
    name: str
    payload: bytes
    signature_b64: str
    manifest: bytes
    expect: str
    key_pem: bytes


def interop_case(name: str) -> InteropCase:
    folder = INTEROP / name
    expect = json.loads((folder / "expect.json").read_text())
    return InteropCase(
        name=name,
        payload=(folder / "payload.json").read_bytes(),
        signature_b64=(folder / "signature.b64").read_text(),
        manifest=(folder / "manifest.json").read_bytes(),
        expect=expect["expect"],
        key_pem=(INTEROP / expect["key"]).read_bytes(),
    )

# Generated from companyos/supply_chain/sign.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Sign bytes the way cosign's key-pair mode does: ECDSA P-256 over SHA-256, ASN.1 DER, base64."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec


def sign_payload(private_key: ec.EllipticCurvePrivateKey, payload: bytes) -> str:
    """Base64 (standard, padded) of the DER ECDSA signature over `payload`: the annotation value cosign stores."""
    # sigstore/sigstore pkg/signature ECDSASignerVerifier: SHA-256 digest of the payload, ecdsa.SignASN1.
    signature = private_key.sign(payload, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode("ascii")

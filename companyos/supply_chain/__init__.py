"""Supply-chain signing compatible with cosign's key-pair mode (keys, simple-signing payloads, signatures).

`verify` is the single verification entry point shared by the CrossGuard policy pack, the release pipeline
and `companyos verify`.
"""

from companyos.supply_chain.cosign import (
    SIGNATURE_ANNOTATION,
    SignatureLayer,
    sign_image,
    signature_tag,
    verify_image,
)
from companyos.supply_chain.keys import (
    generate_key_pair,
    load_private_key,
    load_public_key,
    public_key_fingerprint,
)
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.simple_signing import (
    SIMPLE_SIGNING_MEDIA_TYPE,
    simple_signing_payload,
)
from companyos.supply_chain.verification import REASONS, VerificationResult, verify

__all__ = [
    "REASONS",
    "SIGNATURE_ANNOTATION",
    "SIMPLE_SIGNING_MEDIA_TYPE",
    "SignatureLayer",
    "VerificationResult",
    "generate_key_pair",
    "load_private_key",
    "load_public_key",
    "public_key_fingerprint",
    "sign_image",
    "sign_payload",
    "signature_tag",
    "simple_signing_payload",
    "verify",
    "verify_image",
]

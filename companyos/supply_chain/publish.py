"""Sign and attest an image that is already in the registry, as `cosign sign|attest --key` do: the digest must be
there (a typo would sign nothing deployable), and the signature or envelope goes beside it in the registry."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec

from companyos.contracts.errors import UserError
from companyos.contracts.release_record import SignatureRef
from companyos.supply_chain.cosign import AttestationLayer, attest_image, sign_image
from companyos.supply_chain.keys import public_key_fingerprint, public_key_pem
from companyos.supply_chain.release import signature_ref
from companyos.supply_chain.signature_store import push_attestation, registry_fetcher, registry_pusher
from companyos.support.files import atomic_write_json


class UnattestablePredicate(UserError):
    """The predicate itself is wrong for its type (not the registry, not the key)."""


def sign_pushed_image(repository: str, digest: str, private_key: ec.EllipticCurvePrivateKey) -> SignatureRef:
    """Sign `repository@digest` and push the signature to `<repository>:sha256-<hex>.sig`; the evidence of it."""
    registry_fetcher()(f"{repository}@{digest}")
    public_pem = public_key_pem(private_key.public_key())
    layer = sign_image(repository, digest, private_key, registry_pusher(signer_public_pem=public_pem))
    return signature_ref(layer, public_key_fingerprint(private_key.public_key()))


def attest_pushed_image(
    repository: str, digest: str, predicate_type: str, predicate: object, private_key: ec.EllipticCurvePrivateKey
) -> AttestationLayer:
    """Attest `repository@digest` and push the envelope to `<repository>:sha256-<hex>.att`."""
    registry_fetcher()(f"{repository}@{digest}")
    try:
        return attest_image(repository, digest, predicate_type, predicate, private_key, push_attestation)
    except ValueError as error:
        raise UnattestablePredicate(f"cannot be attested: {error}") from None


def write_signature_evidence(path: Path, evidence: SignatureRef) -> None:
    """What `companyos sign --out` writes (read back by supply_chain.release.read_signature_ref)."""
    try:
        atomic_write_json(path, asdict(evidence))
    except OSError as error:
        raise UserError(f"signed, but cannot write {path}: {error.strerror}") from None

"""`companyos verify`: check a cosign signature; exit 0 verified, 1 rejected, 2 bad input or unreadable file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from companyos.commands import exit_with
from companyos.commands.output import STDOUT, json_option, say, write_json
from companyos.contracts.errors import UserError
from companyos.supply_chain.cosign import verify_reference
from companyos.supply_chain.keys import load_public_key
from companyos.supply_chain.reference import parse_digest, parse_image_reference
from companyos.supply_chain.signature_store import registry_fetcher
from companyos.supply_chain.verification import VerificationResult, verify

EXIT_REJECTED = 1


@click.command("verify")
@click.argument("image_ref", required=False)
@click.option("--payload", "payload_path", help="Signed simple-signing payload (payload.json).")
@click.option("--signature", "signature_path", help="Base64 signature (signature.b64).")
@click.option("--manifest", "manifest_path", help="Image manifest the payload must name (its sha256 is checked).")
@click.option("--key", "key_paths", multiple=True, required=True, help="Trusted cosign.pub (repeatable).")
@click.option("--digest", help="Digest being deployed, sha256:<64 hex>; the payload must name it.")
@click.option("--reference", help="Repository the payload must name (e.g. registry.example.com/team/app).")
@json_option("The result")
def command(
    image_ref: str | None,
    payload_path: str | None,
    signature_path: str | None,
    manifest_path: str | None,
    key_paths: tuple[str, ...],
    digest: str | None,
    reference: str | None,
    json_out: str | None,
) -> None:
    """Verify IMAGE_REF, or a local --payload/--signature pair, against trusted --key files."""
    keys = [read_public_key(path) for path in key_paths]
    try:
        if digest is not None:
            parse_digest(digest)
        if reference is not None:
            parse_image_reference(reference)
    except ValueError as error:
        raise UserError(f"--digest/--reference: {error}") from None

    if image_ref is not None:
        if payload_path or signature_path or manifest_path or reference:
            raise UserError(
                "give either IMAGE_REF or --payload/--signature/--manifest/--reference, not both: "
                "IMAGE_REF brings its own repository and signatures"
            )
        result = _verify_image_ref(image_ref, keys, digest)
    else:
        result = _verify_files(payload_path, signature_path, manifest_path, keys, digest, reference)

    if json_out is not None:
        write_json(json_out, result.to_dict())
    say(f"{result.reason}: {result.detail}", data_on_stdout=json_out == STDOUT)
    if not result.verified:
        exit_with(EXIT_REJECTED)


def _verify_files(
    payload_path: str | None,
    signature_path: str | None,
    manifest_path: str | None,
    keys: Sequence[bytes],
    digest: str | None,
    reference: str | None,
) -> VerificationResult:
    if not payload_path or not signature_path:
        raise UserError(
            "pass IMAGE_REF, or both --payload FILE and --signature FILE (as written by `companyos sign-payload`)"
        )
    if digest is None and manifest_path is None:
        raise UserError(
            "pass --digest sha256:... (the digest being deployed) or --manifest FILE: a signature "
            "is only meaningful for the image it is checked against"
        )
    payload = _read(payload_path, "--payload")
    signature = _read(signature_path, "--signature").decode("ascii", errors="replace")
    manifest = _read(manifest_path, "--manifest") if manifest_path else None
    return verify(payload, signature, keys, expected_digest=digest, expected_reference=reference, manifest=manifest)


def _verify_image_ref(image_ref: str, keys: Sequence[bytes], digest: str | None) -> VerificationResult:
    """Verify IMAGE_REF in its registry; with --digest, IMAGE_REF must resolve to that digest too."""
    try:
        parse_image_reference(image_ref)
    except ValueError as error:
        raise UserError(f"IMAGE_REF: {error}") from None
    # By tag, the fetcher resolves the tag to its digest first; the signature must then name that digest.
    return verify_reference(image_ref, keys, registry_fetcher(), digest=digest)


def read_public_key(path: str) -> bytes:
    data = _read(path, "--key")
    load_public_key(data, source=path)
    return data


def _read(path: str, option: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise UserError(f"cannot read {option} {path}: {error.strerror}; check the path") from None

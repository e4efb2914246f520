"""`companyos sign-payload`: sign an image digest locally, writing payload.json and signature.b64; exit 0 or 2.

The registry push comes later (`companyos.supply_chain.cosign.sign_image` takes the pusher); this lets the
release sign before that exists.
"""

from __future__ import annotations

from pathlib import Path

import click

from companyos.contracts.errors import UserError
from companyos.supply_chain.cosign import signature_tag
from companyos.supply_chain.keys import load_private_key
from companyos.supply_chain.password import cosign_password
from companyos.supply_chain.reference import parse_digest, parse_image_reference
from companyos.supply_chain.sign import sign_payload
from companyos.supply_chain.simple_signing import simple_signing_payload
from companyos.support.files import atomic_write


@click.command("sign-payload")
@click.option("--key", "key_path", required=True, help="cosign private key (password in $COSIGN_PASSWORD).")
@click.option("--reference", required=True, help="Image repository, e.g. registry.example.com/team/app.")
@click.option("--digest", required=True, help="Manifest digest to sign, sha256:<64 hex>.")
@click.option(
    "--out",
    "--out-dir",
    "out_dir",
    required=True,
    help="Folder to write payload.json and signature.b64 into (`--out-dir` is its old name).",
)
@click.option(
    "--annotation",
    "-a",
    "annotations",
    multiple=True,
    metavar="KEY=VALUE",
    help="Extra claim for the payload's optional section (repeatable), as cosign's -a.",
)
def command(key_path: str, reference: str, digest: str, out_dir: str, annotations: tuple[str, ...]) -> None:
    """Sign REFERENCE@DIGEST as `cosign sign --key` would, without pushing."""
    try:
        parse_digest(digest)
        repository = parse_image_reference(reference).repository
    except ValueError as error:
        raise UserError(f"--digest/--reference: {error}") from None
    claims = dict(_parse_annotation(item) for item in annotations)
    try:
        key_pem = Path(key_path).read_bytes()
    except OSError as error:
        raise UserError(
            f"cannot read --key {key_path}: {error.strerror}; pass the .key file written by `companyos keygen`"
        ) from None
    private_key = load_private_key(key_pem, cosign_password(f"of {key_path}"), source=key_path)
    try:
        payload = simple_signing_payload(reference, digest, claims or None)
    except ValueError as error:
        raise UserError(f"--reference: {error}") from None
    signature = sign_payload(private_key, payload)

    directory = Path(out_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write(directory / "payload.json", payload)
        atomic_write(directory / "signature.b64", signature.encode("ascii") + b"\n")
    except OSError as error:
        raise UserError(f"cannot write into --out {out_dir}: {error.strerror}; choose a writable directory") from None
    click.echo(
        f"Signed {repository}@{digest}: wrote {directory / 'payload.json'} and "
        f"{directory / 'signature.b64'}; push them as {repository}:{signature_tag(digest)}"
    )


def _parse_annotation(item: str) -> tuple[str, str]:
    key, separator, value = item.partition("=")
    if not separator or not key:
        raise UserError(f"--annotation {item!r} is not KEY=VALUE; write it as e.g. -a commit=0a1b2c")
    return key, value

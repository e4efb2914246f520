"""`companyos attest IMAGE@DIGEST --key KEY --type TYPE --predicate FILE`: `cosign attest --key`, same flags and
the same result in the registry (a DSSE envelope under `<repo>:sha256-<hex>.att`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from companyos.commands.output import STDOUT, say, write_data
from companyos.commands.sign import read_key_source
from companyos.contracts.errors import UserError
from companyos.supply_chain.intoto import COSIGN_TYPES
from companyos.supply_chain.keys import load_private_key, public_key_fingerprint
from companyos.supply_chain.password import cosign_password
from companyos.supply_chain.publish import UnattestablePredicate, attest_pushed_image
from companyos.supply_chain.reference import parse_pinned_reference

PREDICATE_TYPES = {cosign_type: predicate_type for predicate_type, cosign_type in COSIGN_TYPES.items()}
MAX_PREDICATE_BYTES = 64 << 20


def read_predicate(path: Path) -> object:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UserError(f"cannot read --predicate {path}: {error.strerror}") from None
    if len(data) > MAX_PREDICATE_BYTES:
        raise UserError(f"--predicate {path} is {len(data)} bytes, more than the {MAX_PREDICATE_BYTES} accepted")
    try:
        return json.loads(data)
    except ValueError as error:
        raise UserError(
            f"--predicate {path} is not JSON ({error}); pass the SBOM, or the file written by "
            "`companyos predicate vuln|provenance`"
        ) from None


@click.command("attest")
@click.argument("image")
@click.option(
    "--key", "key_path", required=True, help="cosign private key file, or env://VAR (password in $COSIGN_PASSWORD)."
)
@click.option(
    "--type",
    "cosign_type",
    required=True,
    type=click.Choice(sorted(PREDICATE_TYPES)),
    help="Predicate type, as cosign names it.",
)
@click.option(
    "--predicate",
    "predicate_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The predicate JSON (for cyclonedx: the SBOM itself).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the signed DSSE envelope (one JSON line, as `cosign download attestation` prints it).",
)
def command(image: str, key_path: str, cosign_type: str, predicate_path: Path, out_path: Path | None) -> None:
    """Attest IMAGE (which must pin @sha256:...) with a signed in-toto Statement and push it."""
    reference = parse_pinned_reference(
        image,
        option="IMAGE",
        why="attest REPOSITORY@sha256:... (a tag can be re-pointed; `companyos build` prints the digest)",
    )
    digest = reference.digest
    predicate = read_predicate(predicate_path)
    key_pem = read_key_source(key_path)
    private_key = load_private_key(key_pem, cosign_password(f"of {key_path}"), source=key_path)
    try:
        layer = attest_pushed_image(reference.repository, digest, PREDICATE_TYPES[cosign_type], predicate, private_key)
    except UnattestablePredicate as error:
        raise UserError(f"--predicate {predicate_path} {error}") from None
    to_stdout = str(out_path) == STDOUT
    if out_path is not None:
        write_data(out_path, layer.envelope + b"\n", option="attested, but --out")
    say(
        f"attested {reference.repository}@{digest} ({cosign_type}, {layer.predicate_type}) with key "
        f"{public_key_fingerprint(private_key.public_key())}",
        data_on_stdout=to_stdout,
    )
    say(f"attestation: {layer.repository}:{layer.tag}", data_on_stdout=to_stdout)

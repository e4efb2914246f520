"""`companyos sign IMAGE@DIGEST --key KEY`: cosign-compatible signature pushed to `<repo>:sha256-<hex>.sig`."""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

import click

from companyos.commands.output import STDOUT, say, write_json
from companyos.contracts.errors import UserError
from companyos.supply_chain.keys import load_private_key
from companyos.supply_chain.password import cosign_password
from companyos.supply_chain.publish import sign_pushed_image, write_signature_evidence
from companyos.supply_chain.reference import parse_pinned_reference


@click.command("sign")
@click.argument("image")
@click.option(
    "--key", "key_path", required=True, help="cosign private key file, or env://VAR (password in $COSIGN_PASSWORD)."
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the signature evidence (ref, payload, signature, key fingerprint) as JSON here.",
)
def command(image: str, key_path: str, out_path: Path | None) -> None:
    """Sign IMAGE (which must pin @sha256:...) as `cosign sign --key` does and push the signature."""
    reference = parse_pinned_reference(
        image,
        option="IMAGE",
        why="sign REPOSITORY@sha256:... (a tag can be re-pointed; `companyos build` prints the digest)",
    )
    key_pem = read_key_source(key_path)
    private_key = load_private_key(key_pem, cosign_password(f"of {key_path}"), source=key_path)
    evidence = sign_pushed_image(reference.repository, reference.digest, private_key)
    to_stdout = str(out_path) == STDOUT
    if to_stdout:
        write_json(STDOUT, asdict(evidence))
    elif out_path is not None:
        write_signature_evidence(out_path, evidence)
    say(
        f"signed {reference.repository}@{reference.digest} with key {evidence.key_fingerprint}",
        data_on_stdout=to_stdout,
    )
    say(f"signature: {evidence.ref}", data_on_stdout=to_stdout)


def read_key_source(key_path: str) -> bytes:
    # cosign's env://NAME form: CI passes the key as a secret variable, never as a file on the runner's disk.
    if key_path.startswith("env://"):
        name = key_path.removeprefix("env://")
        value = os.environ.get(name)
        if not value:
            raise UserError(
                f"--key {key_path}: ${name} is not set or empty; export the private key PEM in it "
                "(in CI: the COSIGN_PRIVATE_KEY secret)"
            )
        return value.encode()
    try:
        return Path(key_path).read_bytes()
    except OSError as error:
        raise UserError(
            f"cannot read --key {key_path}: {error.strerror}; pass the .key written by "
            "`companyos keygen`, or env://VARIABLE"
        ) from None

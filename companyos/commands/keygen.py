"""`companyos keygen`: write a cosign-compatible key pair (<prefix>.key, <prefix>.pub); exit 0, or 2 on error."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.contracts.errors import UserError
from companyos.supply_chain.keys import generate_key_pair
from companyos.supply_chain.password import cosign_password
from companyos.support.files import atomic_write_all


@click.command("keygen")
@click.option(
    "--output-key-prefix",
    default="cosign",
    show_default=True,
    help="Write <prefix>.key (encrypted, mode 0600) and <prefix>.pub.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing key pair.")
def command(output_key_prefix: str, force: bool) -> None:
    """Generate an ECDSA P-256 key pair in cosign's format, encrypted with $COSIGN_PASSWORD."""
    password = cosign_password("that will encrypt the new private key")
    key_path, pub_path = Path(output_key_prefix + ".key"), Path(output_key_prefix + ".pub")
    if not force:
        for path in (key_path, pub_path):
            if path.exists():
                raise UserError(
                    f"{path} already exists; pass --force to replace it (anything signed with the "
                    "old key then needs its old .pub to verify) or choose another --output-key-prefix"
                )
    private_pem, public_pem = generate_key_pair(password)
    try:
        atomic_write_all([(key_path, private_pem, 0o600), (pub_path, public_pem, 0o644)])
    except OSError as error:
        raise UserError(
            f"cannot write {key_path} and {pub_path}: {error.strerror}; check that the directory "
            "exists and is writable, or choose another --output-key-prefix"
        ) from None
    click.echo(f"Private key written to {key_path}")
    click.echo(f"Public key written to {pub_path}")

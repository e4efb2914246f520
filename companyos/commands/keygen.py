"""`companyos keygen`: write a cosign-compatible key pair (<prefix>.key, <prefix>.pub); exit 0, or 2 on error."""

from __future__ import annotations

from pathlib import Path

import click

from companyos.supply_chain.keys import write_key_pair
from companyos.supply_chain.password import cosign_password


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
    key_path, pub_path = write_key_pair(Path(output_key_prefix), password, force=force)
    click.echo(f"Private key written to {key_path}")
    click.echo(f"Public key written to {pub_path}")

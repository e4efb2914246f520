"""`companyos`: thin command layer; each command parses flags and calls one function of a domain module."""

from __future__ import annotations

import sys

import click

from companyos.commands import LazyGroup
from companyos.contracts.errors import UserError


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="companyos")
def cli() -> None:
    """Paved Road: create, validate, gate and release paved-road services."""


def main() -> None:
    """Entry point: user errors print as plain text with their exit code, never a traceback."""
    try:
        # standalone_mode=False returns ctx.exit(n)'s code instead of exiting: pass it on.
        sys.exit(cli.main(standalone_mode=False) or 0)
    except UserError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(2)  # usage errors share the "invalid input" exit code
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)


if __name__ == "__main__":
    main()

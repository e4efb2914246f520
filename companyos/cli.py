"""`companyos`: thin command layer; each command parses flags and calls one function of a domain module."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from companyos.commands import LazyGroup
from companyos.contracts.errors import UserError


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="companyos")
def cli() -> None:
    """Paved Road: create, validate, gate and release paved-road services."""


def run(args: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. User errors print as plain text, never a traceback."""
    try:
        # standalone_mode=False returns ctx.exit(n)'s code instead of exiting: pass it on.
        return int(cli.main(args=list(args) if args is not None else None, standalone_mode=False) or 0)
    except UserError as error:
        click.echo(f"error: {error}", err=True)
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as error:
        error.show()
        return 2  # usage errors share the "invalid input" exit code
    except click.exceptions.Exit as done:
        return done.exit_code
    except SystemExit as done:  # commands exit with their verdict's code (see commands/verify.py)
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        click.echo(str(done.code), err=True)
        return 1


def main() -> None:
    """Entry point."""
    sys.exit(run())


if __name__ == "__main__":
    main()

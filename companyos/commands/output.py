"""How commands hand over what they produce: data on stdout or into a file (`--json [FILE]`, `--out FILE`, `-`
meaning stdout), and everything meant for a person (progress, warnings, the human summary beside JSON) on stderr
whenever stdout carries data, so `companyos X --json | jq` always reads clean JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from companyos.contracts.errors import UserError
from companyos.support.files import atomic_write

STDOUT = "-"
F = TypeVar("F", bound=Callable[..., Any])


def json_option(what: str) -> Callable[[F], F]:
    """`--json` alone (or `--json -`) prints `what` as JSON on stdout; `--json FILE` writes it into FILE."""
    return click.option(
        "--json",
        "json_out",
        is_flag=False,
        flag_value=STDOUT,
        default=None,
        metavar="[FILE]",
        help=f"{what} as JSON: on stdout (`--json`, `--json -`), or into FILE.",
    )


def write_data(target: str | Path, data: str | bytes, *, option: str, create_folders: bool = True) -> None:
    """Write `data` to `target` atomically, or to stdout when `target` is `-`. Without `create_folders` a missing
    folder is an error (for outputs that go beside files a person keeps, where a typo must not make a new tree)."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if str(target) == STDOUT:
        click.echo(text, nl=False)
        return
    path = Path(target)
    if not create_folders and not path.parent.is_dir():
        raise UserError(
            f"{option} {path}: folder {path.parent} does not exist. Fix: create it, or choose another path."
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
    except OSError as error:
        raise UserError(f"{option} {path}: cannot write it ({error.strerror}); choose a writable path") from None


def write_json(target: str | Path, document: Any, *, option: str = "--json") -> None:
    write_data(target, json.dumps(document, indent=2, sort_keys=True) + "\n", option=option)


def say(message: str, *, data_on_stdout: bool) -> None:
    """A line for a person: on stdout, unless stdout carries data (then stderr)."""
    click.echo(message, err=data_on_stdout)

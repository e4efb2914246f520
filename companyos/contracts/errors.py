"""Errors a user can act on. The CLI prints them without a traceback and exits with `exit_code`."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input or machine, stated with its fix."""

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

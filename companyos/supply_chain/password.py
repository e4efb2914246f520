"""The signing password, read from COSIGN_PASSWORD as cosign reads it (raw bytes; empty is allowed)."""

from __future__ import annotations

import os

from companyos.contracts.errors import UserError

PASSWORD_ENV = "COSIGN_PASSWORD"


def cosign_password(purpose: str) -> bytes:
    """The bytes of $COSIGN_PASSWORD; UserError with the fix when it is unset (never prompt: CI has no TTY)."""
    password = os.environb.get(PASSWORD_ENV.encode())
    if password is None:
        raise UserError(
            f"{PASSWORD_ENV} is not set; it is the password {purpose}: export {PASSWORD_ENV}=... "
            f"(an empty value, {PASSWORD_ENV}=, is allowed as with cosign)"
        )
    return password

"""Write generated files whole or not at all."""

from __future__ import annotations

from pathlib import Path

from companyos.contracts.errors import UserError
from companyos.support.files import atomic_write


def write_atomic(path: str | Path, text: str) -> Path:
    """Write `text` to a temp file beside `path`, then rename it over `path` (readers never see half a file)."""
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise UserError(f"--out {target}: folder {directory} does not exist. Fix: create it, or choose another path.")
    return atomic_write(target, text)

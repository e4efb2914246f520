# Generated from companyos/support/files.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Write files whole or not at all: temp files in the target directory, fsync, then os.replace.

The one atomic writer of the project: records, reports, keys, SBOMs, dashboards and evidence pages all go
through it, so no reader ever sees half a file."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path


def atomic_write(path: Path, data: bytes | str, *, mode: int = 0o644) -> Path:
    """Replace `path` with `data` (text is written as UTF-8); readers see the old file or the new one."""
    atomic_write_all([(path, data.encode("utf-8") if isinstance(data, str) else data, mode)])
    return path


def atomic_write_json(path: Path, document: object) -> Path:
    """`document` as the project writes its JSON evidence (2-space indent, sorted keys, final newline), atomically,
    its folder created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, json.dumps(document, indent=2, sort_keys=True) + "\n")


def atomic_write_all(files: Sequence[tuple[Path, bytes, int]]) -> None:
    """Write every (path, data, mode) to a temp file first and rename only once all are on disk.

    A key pair therefore never ends up as a new .pub beside an old .key because the disk filled up midway.
    Temp files are created with their final mode, so a private key is never briefly world-readable.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data, mode in files:
            descriptor, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            staged.append((temp_name, path))
            os.fchmod(descriptor, mode)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for temp_name, path in staged:
            os.replace(temp_name, path)
    finally:
        for temp_name, _ in staged:
            Path(temp_name).unlink(missing_ok=True)

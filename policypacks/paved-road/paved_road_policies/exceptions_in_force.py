"""The policy exceptions in force where the pack runs, and the weakened settings of a config none of them covers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from .stack_config import stack_config
from .vendor.contracts.errors import UserError
from .vendor.policy_gate.exceptions import FILE_ENV as EXCEPTIONS_FILE_ENV
from .vendor.policy_gate.exceptions import FILE_NAME as EXCEPTIONS_FILE_NAME
from .vendor.policy_gate.exceptions import SELECTED_SERVICE_CONFIG, covers, load_exceptions, weakened_settings

PACK_DIR = Path(__file__).resolve().parent.parent

_EXCEPTIONS: dict[str, list[Any]] = {}


def unexcepted_weakenings(rule: str, schema: Mapping[str, Mapping[str, Any]], config: Mapping[str, Any]) -> list[str]:
    """A setting weaker than its default needs an exception in force, here as in the gate (companyos.policy_gate.
    exceptions): under `pulumi preview` the pack is the only place that sees the config. The exceptions are the
    gate's (FILE_ENV) or the platform's file beside the pack; the service, the stack's `paved-road:service`."""
    weakened = weakened_settings(rule, schema, config)
    if not weakened:
        return []
    try:
        exceptions = _exceptions_in_force()
    except UserError as error:
        return [str(error)]
    selected = stack_config().get(SELECTED_SERVICE_CONFIG)
    services = {selected} if isinstance(selected, str) and selected else set()
    return [
        f"{w.setting}: {w.detail} weakens the baseline and no exception in force covers it (rule {rule}, "
        f"setting {w.setting}{', service ' + selected if selected else ''})"
        for w in weakened
        if not any(covers(e, w, services) for e in exceptions)
    ]


def _exceptions_path() -> Path:
    return Path(os.environ.get(EXCEPTIONS_FILE_ENV) or PACK_DIR / EXCEPTIONS_FILE_NAME)


def exceptions_source() -> str:
    """The exceptions file and its version (size, mtime): a config validated under one is not valid under another."""
    path = _exceptions_path()
    try:
        stat = path.stat()
    except OSError:
        return f"{path}@absent"
    return f"{path}@{stat.st_size}:{stat.st_mtime_ns}"


def _exceptions_in_force() -> list[Any]:
    source = exceptions_source()
    if source not in _EXCEPTIONS:
        path = _exceptions_path()
        _EXCEPTIONS[source] = load_exceptions(path, rules=None, today=date.today()) if path.is_file() else []
    return _EXCEPTIONS[source]

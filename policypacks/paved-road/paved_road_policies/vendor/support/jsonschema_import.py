# Generated from companyos/support/jsonschema_import.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""Import jsonschema after the package has refused its optional rfc3987_syntax grammar.

`companyos/__init__.py` does the refusing (why is written there); importing through this module keeps
that ordering explicit for code that might be loaded without the package (a policy pack process)."""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import jsonschema  # noqa: E402

__all__ = ["jsonschema"]

"""Import jsonschema without its optional rfc3987_syntax grammar.

jsonschema imports rfc3987_syntax when it is installed (test tools such as check-jsonschema pull it in),
and building its grammar costs 1.5-3.5 s per process: every CLI call and every policy-pack start paid it.
None of our schemas use the IRI formats it checks, so the optional import is refused. Import jsonschema
through this module, before anything else imports it."""

from __future__ import annotations

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

import jsonschema  # noqa: E402

__all__ = ["jsonschema"]

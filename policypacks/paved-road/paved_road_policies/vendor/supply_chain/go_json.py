# Generated from companyos/supply_chain/go_json.py by `python -m companyos.policy_gate.pack_contracts`. Do not edit.
"""How Go's encoding/json matches object keys to struct fields, so a payload cosign reads is read the same way here.

Go (1.21+, encoding/json/fold.go) matches a key to a field exactly or, failing that, case-insensitively with
Unicode simple folding: `docker-manifeſt-digest` (U+017F LATIN SMALL LETTER LONG S) and `docKer-reference`
(U+212A KELVIN SIGN) name the same fields as their ASCII spellings. Python's str.lower() folds neither.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=4096)
def _fold_rune(char: str) -> str:
    """The smallest character of `char`'s case orbit (Go's foldRune over unicode.SimpleFold).

    Python has no SimpleFold; the orbit is closed under the single-character lower/upper/title mappings, which
    reach the orbit's capital (its smallest member) from every member: ſ -> S, K -> k -> K, ϑ -> Θ."""
    orbit, pending = {char}, [char]
    while pending:
        current = pending.pop()
        for mapped in (current.lower(), current.upper(), current.title()):
            if len(mapped) == 1 and mapped not in orbit:
                orbit.add(mapped)
                pending.append(mapped)
    return min(orbit)


def go_fold(key: str) -> str:
    """`key` folded as Go folds JSON object keys: two keys fold equal iff Go could match them to one field."""
    if key.isascii():
        return key.upper()
    return "".join(char.upper() if char.isascii() else _fold_rune(char) for char in key)


class GoJsonError(ValueError):
    """The bytes are not JSON that Go's decoder and ours would read the same way."""


def strict_loads(data: bytes) -> Any:
    """Decode UTF-8 JSON, refusing what Go and Python could read differently.

    Two keys of one object that fold together are refused (Go keeps the last match, a Python reader may take
    the first), as are NaN/Infinity (not JSON; Go refuses them) and invalid UTF-8 (Go would replace it).
    """
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_folded_keys, parse_constant=_no_constant)
    except GoJsonError:
        raise
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise GoJsonError(f"not UTF-8 JSON ({error})") from None


def go_field(container: Mapping[str, Any], name: str) -> tuple[bool, Any]:
    """(found, value) for the field `name` as Go's decoder would find it: exact key first, else folded."""
    if name in container:
        return True, container[name]
    folded = go_fold(name)
    for key, value in container.items():
        if go_fold(key) == folded:
            return True, value
    return False, None


def go_marshal(value: object) -> bytes:
    """Go's json.Marshal of a decoded value: map keys sorted, compact, HTML characters escaped, UTF-8 kept."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True, allow_nan=False)
    for raw, escaped in _GO_JSON_ESCAPES.items():
        text = text.replace(raw, escaped)
    return text.encode("utf-8")


# Go's encoding/json escapes these inside strings (HTML safety and JS line terminators); Python does not.
_GO_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _unique_folded_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    folded = [go_fold(key) for key, _ in pairs]
    if len(set(folded)) != len(folded):
        raise GoJsonError(f"an object repeats a key (as Go's decoder folds keys) among {[key for key, _ in pairs]}")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise GoJsonError(f"contains {name}, which is not JSON")

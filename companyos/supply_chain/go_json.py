"""How Go's encoding/json matches object keys to struct fields, so a payload cosign reads is read the same way here.

Go (1.21+, encoding/json/fold.go) matches a key to a field exactly or, failing that, case-insensitively with
Unicode simple folding: `docker-manifeſt-digest` (U+017F LATIN SMALL LETTER LONG S) and `docKer-reference`
(U+212A KELVIN SIGN) name the same fields as their ASCII spellings. Python's str.lower() folds neither.
"""

from __future__ import annotations

from functools import lru_cache


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

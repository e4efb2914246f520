"""Hypothesis strategies for request bodies POST /echo must refuse, each with the status it must get.

The route (service_templates/node-express/template/src/routes/echo.ts) takes JSON (Content-Type
application/json, a utf-* charset) of at most 16 kB whose value is exactly {"message": 1..1000 chars}.
body-parser runs in strict mode: only an object or array may be the top-level value. Every body here
breaks one of those rules by construction, so the expected status never depends on a second parser.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass

from hypothesis import strategies as st

BODY_LIMIT = 16 * 1024  # the template's `bodyLimit: "16kb"` (bytes' kb is 1024)
JSON_TYPE = "application/json"
GOOD = {"message": "hello"}


@dataclass(frozen=True)
class BadBody:
    why: str
    body: bytes
    status: int
    content_type: str = JSON_TYPE


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
not_a_string = json_values.filter(lambda value: not isinstance(value, str))
other_keys = st.text(max_size=12).filter(lambda key: key != "message")


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


# A strict prefix of an object's JSON text is never valid JSON: the closing brace is missing.
truncated = (
    st.dictionaries(st.text(max_size=8), json_values, max_size=4)
    .map(_json)
    .flatmap(lambda text: st.integers(1, len(text) - 1).map(lambda cut: BadBody("truncated JSON", text[:cut], 400)))
)

# Strict mode refuses anything whose first non-blank byte is not { or [ (JSON scalars included); a UTF-8
# byte-order mark is left out because the parser strips it.
not_an_object_or_array = (
    st.one_of(st.binary(max_size=200), scalars.map(_json))
    .filter(lambda body: not body.lstrip(b" \t\r\n").startswith((b"{", b"[", b"\xef\xbb\xbf")))
    .map(lambda body: BadBody("not a JSON object or array", body, 400))
)

wrong_shape = st.one_of(
    st.lists(json_values, max_size=4).map(lambda v: BadBody("a JSON array", _json(v), 400)),
    st.dictionaries(other_keys, json_values, max_size=4).map(lambda v: BadBody("no message", _json(v), 400)),
    not_a_string.map(lambda v: BadBody("a message that is not a string", _json({"message": v}), 400)),
    st.just(BadBody("an empty message", _json({"message": ""}), 400)),
    st.text(string.ascii_letters, min_size=1001, max_size=3000).map(
        lambda v: BadBody("a message over 1000 characters", _json({"message": v}), 400)
    ),
    st.dictionaries(other_keys, json_values, min_size=1, max_size=3).map(
        lambda extra: BadBody("a key besides message", _json({**GOOD, **extra}), 400)
    ),
)

# Over the limit the size alone decides, even for an otherwise valid body (padded with JSON whitespace).
oversized = st.one_of(
    st.integers(BODY_LIMIT + 1, 4 * BODY_LIMIT).map(
        lambda size: BadBody("a valid body padded over 16 kB", _json(GOOD).ljust(size, b" "), 413)
    ),
    st.integers(BODY_LIMIT + 1, 4 * BODY_LIMIT).map(lambda size: BadBody("16 kB+ of garbage", b"x" * size, 413)),
)

not_json = st.one_of(
    st.sampled_from(["text/plain", "application/x-www-form-urlencoded", "application/xml"]).map(
        lambda kind: BadBody(f"a JSON body sent as {kind}", _json(GOOD), 415, kind)
    ),
    st.sampled_from(["latin1", "ascii", "shift_jis"]).map(
        lambda charset: BadBody(f"charset {charset}", _json(GOOD), 415, f"{JSON_TYPE}; charset={charset}")
    ),
)

bad_bodies = st.one_of(truncated, not_an_object_or_array, wrong_shape, oversized, not_json)

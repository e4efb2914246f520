"""A simple-signing payload is read here exactly as cosign (Go's encoding/json) reads it, or refused.

Go matches object keys to struct fields exactly, else case-insensitively with Unicode simple folding, and the
last matching key wins. A payload whose keys could be read two ways (two keys one field, a key only Go would
match) is refused; one that only Go-style matching can read is read as Go reads it."""

from __future__ import annotations

import json

import pytest

from companyos.supply_chain.go_json import go_fold
from companyos.supply_chain.simple_signing import MalformedPayload, parse_simple_signing, simple_signing_payload

A = "sha256:" + "a" * 64
B = "sha256:" + "b" * 64
REPOSITORY = "registry.example.com/payments/api"
VALID = simple_signing_payload(REPOSITORY, A).decode()


def payload(text: str) -> bytes:
    return text.encode("utf-8")


def replaced(old: str, new: str) -> bytes:
    assert old in VALID
    return payload(VALID.replace(old, new, 1))


# (case, payload, the digest cosign would read, or None when it must be refused, what the refusal says)
CASES: list[tuple[str, bytes, str | None, str]] = [
    ("the payload cosign writes", payload(VALID), A, ""),
    (
        "the digest key twice, the second spelt with U+017F (long s): Go reads B",
        replaced(f'"docker-manifest-digest":"{A}"', f'"docker-manifest-digest":"{A}","docker-manifeſt-digest":"{B}"'),
        None,
        "repeats a key",
    ),
    (
        "the reference key twice, the second with U+212A (Kelvin sign)",
        replaced(
            f'"docker-reference":"{REPOSITORY}"',
            f'"docker-reference":"{REPOSITORY}","doc\u212aer-reference":"evil.example/x"',
        ),
        None,
        "repeats a key",
    ),
    (
        "the same key twice, exactly: Go and Python both keep the last, but a reviewer reads the first",
        replaced(f'"docker-manifest-digest":"{A}"', f'"docker-manifest-digest":"{A}","docker-manifest-digest":"{B}"'),
        None,
        "repeats a key",
    ),
    (
        "a key written with a JSON escape is the same key",
        replaced(
            f'"docker-manifest-digest":"{A}"', f'"docker-manifest-digest":"{A}","docker-manifest\\u002ddigest":"{B}"'
        ),
        None,
        "repeats a key",
    ),
    (
        "upper-case keys: Go matches them to the fields, and so do we",
        payload(
            VALID.replace('"critical"', '"CRITICAL"').replace('"docker-manifest-digest"', '"Docker-Manifest-Digest"')
        ),
        A,
        "",
    ),
    (
        "only the U+017F spelling: Go reads it as the digest field, and so do we",
        replaced('"docker-manifest-digest"', '"docker-manifeſt-digest"'),
        A,
        "",
    ),
    ("a UTF-8 byte order mark: Go refuses it", b"\xef\xbb\xbf" + payload(VALID), None, "not UTF-8 JSON"),
    ("UTF-16: Python's json would guess the encoding, Go refuses", VALID.encode("utf-16"), None, "not UTF-8 JSON"),
    (
        "invalid UTF-8 inside a string: Go would substitute U+FFFD",
        payload(VALID).replace(b"payments", b"pay\xffments"),
        None,
        "not UTF-8 JSON",
    ),
    ("NaN, which Go does not parse", replaced('"optional":null', '"optional":NaN'), None, "not JSON"),
    ("trailing data after the document", payload(VALID + " {}"), None, "not UTF-8 JSON"),
    ("critical is an array", payload(json.dumps({"critical": [], "optional": None})), None, "not a JSON object"),
]


@pytest.mark.parametrize(("case", "data", "digest", "says"), CASES, ids=[c[0] for c in CASES])
def test_each_go_decoder_quirk_is_read_as_cosign_reads_it_or_refused(
    case: str, data: bytes, digest: str | None, says: str
) -> None:
    if digest is None:
        with pytest.raises(MalformedPayload, match=says):
            parse_simple_signing(data)
    else:
        assert parse_simple_signing(data).manifest_digest == digest


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("docker-manifest-digest", "DOCKER-MANIFEST-DIGEST", True),
        ("docker-manifest-digest", "docker-manifeſt-digest", True),
        ("docker-reference", "doc\u212aer-reference", True),
        ("theta-\u03b8", "theta-\u03d1", True),  # θ and ϑ share a SimpleFold orbit
        ("strasse", "straße", False),  # SimpleFold never maps ß to ss
        ("digest", "digests", False),
    ],
)
def test_keys_fold_together_exactly_when_go_would_match_them_to_one_field(a: str, b: str, same: bool) -> None:
    assert (go_fold(a) == go_fold(b)) is same

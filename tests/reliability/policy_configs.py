"""Hypothesis strategies for invalid `--policy-pack-config` contents and files, each invalid by construction.

A config is a passing one (`base`) with exactly one defect, so a gate that ignored the defect would pass:
the defect alone must turn the verdict into "could not run" (exit 2). Policy names and each property's
declared JSON type come from the pack's own rule registry (what GetAnalyzerInfo declares).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from companyos.policy_gate.model import LEVELS
from tests.policies.harness import RULES

ALL = "all"
NAMES = tuple(rule.name for rule in RULES)
PROPERTIES = {rule.name: dict(rule.config) for rule in RULES}


@dataclass(frozen=True)
class BadConfig:
    why: str
    config: dict[str, Any]
    names: tuple[str, ...]
    """What the error must name: the policy (or "all", or the unknown key) and, where it applies, the property."""


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
not_a_level = st.one_of(
    st.text(max_size=15).filter(lambda text: text not in LEVELS),
    st.sampled_from(["Mandatory", "MANDATORY", "mandatory ", "enforced", "warn", "off", ""]),
)
policies = st.sampled_from(NAMES)


def json_type_matches(value: Any, kind: str) -> bool:
    """JSON Schema's `type` keyword (draft 7): booleans are not numbers; 1.0 is an integer."""
    if kind == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = {"string": str, "boolean": bool, "array": list, "object": dict}.get(kind)
    return value is None if kind == "null" else expected is not None and isinstance(value, expected)


def _with(base: Mapping[str, Any], name: str, entry: Any) -> dict[str, Any]:
    return {**base, name: entry}


def _merged(base: Mapping[str, Any], name: str, **changes: Any) -> dict[str, Any]:
    """`base` with `changes` added to the policy's object entry (the base's own properties kept)."""
    current = base.get(name)
    return _with(base, name, {**(current if isinstance(current, dict) else {}), **changes})


def invalid_configs(base: Mapping[str, Any]) -> st.SearchStrategy[BadConfig]:
    typed = [
        (name, prop, str(schema["type"]))
        for name, props in PROPERTIES.items()
        for prop, schema in props.items()
        if isinstance(schema.get("type"), str)
    ]
    unknown_name = st.text(min_size=1, max_size=30).filter(lambda key: key not in NAMES and key != ALL)
    return st.one_of(
        st.tuples(unknown_name, json_values | st.sampled_from(LEVELS)).map(
            lambda kv: BadConfig("an unknown policy name", _with(base, *kv), (kv[0],))
        ),
        st.tuples(policies, not_a_level).map(
            lambda kv: BadConfig("a level that is not one", _with(base, *kv), (kv[0],))
        ),
        st.tuples(policies, json_values.filter(lambda v: not isinstance(v, (str, dict)))).map(
            lambda kv: BadConfig("neither a level nor an object", _with(base, *kv), (kv[0],))
        ),
        st.tuples(policies, json_values.filter(lambda v: v not in LEVELS)).map(
            lambda kv: BadConfig("a bad enforcementLevel", _merged(base, kv[0], enforcementLevel=kv[1]), (kv[0],))
        ),
        policies.flatmap(
            lambda name: st.tuples(
                st.just(name),
                st.text(min_size=1, max_size=20).filter(
                    lambda key: key not in PROPERTIES[name] and key != "enforcementLevel"
                ),
                json_values,
            )
        ).map(lambda nkv: BadConfig("an unknown property", _merged(base, nkv[0], **{nkv[1]: nkv[2]}), nkv[:2])),
        st.sampled_from(typed).flatmap(
            lambda spec: json_values.filter(lambda value: not json_type_matches(value, spec[2])).map(
                lambda value: BadConfig(
                    f"a property that is not {spec[2]}", _merged(base, spec[0], **{spec[1]: value}), spec[:2]
                )
            )
        ),
        st.one_of(not_a_level, json_values.filter(lambda v: v not in LEVELS)).map(
            lambda value: BadConfig("`all` that is not a level", _with(base, ALL, value), (ALL,))
        ),
        st.just(BadConfig("`all: disabled` with no policy re-enabled", _with(base, ALL, "disabled"), ("disabled",))),
    )


# Files the loader must refuse before any policy is configured: not JSON, or JSON that is not an object.
yaml_texts = st.dictionaries(st.sampled_from(NAMES), st.sampled_from(LEVELS), min_size=1, max_size=3).map(
    lambda entries: "".join(f"{name}: {level}\n" for name, level in entries.items())
)
malformed_texts = st.one_of(
    yaml_texts.map(lambda text: ("a YAML mapping", text)),
    st.text(max_size=200).filter(lambda text: not _is_json(text)).map(lambda text: ("not JSON", text)),
    st.dictionaries(st.sampled_from(NAMES), st.sampled_from(LEVELS), min_size=1)
    .map(json.dumps)
    .flatmap(lambda text: st.integers(1, len(text) - 1).map(lambda cut: ("truncated JSON", text[:cut]))),
    json_values.filter(lambda value: not isinstance(value, dict)).map(
        lambda value: ("JSON that is not an object", json.dumps(value))
    ),
)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True

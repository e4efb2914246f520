"""A rule's policy config: defaults overlaid, validated against its strict schema, kept read-only and cached.

The SDK never validates a policy's config (the CLI checks it against the schema, but other engines may not):
here every call validates it and raises `PolicyConfigError`, which the SDK lets escape as a gRPC error (status
UNKNOWN), so a bad config blocks whatever the enforcement level.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .exceptions_in_force import exceptions_source, unexcepted_weakenings
from .vendor.contracts.policy_config_schema import config_problems
from .vendor.policy_gate.exceptions import weakened_settings

if TYPE_CHECKING:
    from .rule import Rule


class PolicyConfigError(Exception):
    """The policy config of a rule does not match its schema. Raised, never reported: it must block."""


_VALID_CONFIGS: dict[str, tuple[Any, Mapping[str, Any], str | None]] = {}


def load_config(rule: Rule, raw: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """Defaults, overlaid with `raw`, validated; PolicyConfigError names every problem and the fix.

    The engine sends one config per run but the SDK hands (a copy of) it to every call: the last valid
    config of each rule is kept with a snapshot of its raw form, and a call whose raw config is the same
    (same types too: `True` is not `1` to a schema) gets the validated one back. It is read-only, so no
    rule can alter what the next call sees; an invalid config is never kept, so it raises every time.
    """
    given = raw if raw is not None else {}
    cached = _VALID_CONFIGS.get(rule.name)
    # A weakened config was valid under the exceptions file of its check; a baseline one is valid under any.
    if cached is not None and _same(cached[0], given) and (cached[2] is None or cached[2] == exceptions_source()):
        return cached[1]
    plain = _validated(rule, raw)
    validated = _read_only(plain)
    weakened = bool(weakened_settings(rule.name, rule.config, plain))
    try:
        _VALID_CONFIGS[rule.name] = (
            copy.deepcopy(dict(given)),
            validated,
            exceptions_source() if weakened else None,
        )
    except TypeError:  # a value deepcopy cannot copy (never JSON): validate such a config on every call
        _VALID_CONFIGS.pop(rule.name, None)
    return validated


def _validated(rule: Rule, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    given = dict(raw or {})
    # The engine carries the level beside the properties; a config file may still repeat it here.
    given.pop("enforcementLevel", None)
    merged = {**rule.defaults(), **given}
    problems = config_problems(rule.json_schema(), merged)
    if not problems and rule.config_check is not None:
        problems = rule.config_check(merged)
    if not problems:
        problems = unexcepted_weakenings(rule.name, rule.config, merged)
    if problems:
        raise PolicyConfigError(
            f"policy config for '{rule.name}' is invalid: {'; '.join(problems)}. "
            f"Fix: edit the '{rule.name}' entry of "
            f"the --policy-pack-config file (allowed keys: {', '.join(rule.config) or 'none'}; see "
            f"docs/policies/{rule.name}.md)."
        )
    return merged


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (`==` alone has 1 == 1.0 == True). Runs once per rule
    per resource, hence the loops instead of all(generator)."""
    kind = type(a)
    if kind is not type(b):
        return False
    if kind is dict:
        if len(a) != len(b):
            return False
        for key, value in a.items():
            if key not in b or not _same(value, b[key]):
                return False
        return True
    if kind is list:
        if len(a) != len(b):
            return False
        for left, right in zip(a, b, strict=True):
            if not _same(left, right):
                return False
        return True
    return bool(a == b)


def _read_only(value: Any) -> Any:
    """A validated config as read-only views: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, dict):
        return MappingProxyType({key: _read_only(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_read_only(item) for item in value)
    return value

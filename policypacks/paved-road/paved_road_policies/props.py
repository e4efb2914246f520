"""A resource's props as rules read them: copied out of pulumi-policy's proxies, unknowns visible as `Unknown`.

pulumi-policy fails open here: a value unknown during preview raises `UnknownValueError` inside the props proxy,
which the SDK turns into an ADVISORY "can't run policy during preview" note. Here props are copied out of the
proxy first, unknowns become `Unknown` markers, and reading one where a rule needs a value raises
`UnknownRequired`, which the rule reports as a finding at its own level (rule.py).

Cost: the SDK hands each policy its own freshly deserialized proxy tree, so the copy is the hot path of every
check (exact-type dispatch below), and it is made only when a check first reads the props (resource.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    unknown_checking_proxy,
)

# The engine marshals a value it cannot know yet (preview) as one of these strings (pulumi sdk/go/common/
# resource/plugin/rpc.go); pulumi_policy's proxy raises on them, we turn them into `Unknown` markers.
UNKNOWN_SENTINELS = frozenset(
    {
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_STRING_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_OBJECT_VALUE,
    }
)

# The SDK's two proxy classes, found through its public constructor rather than imported by their private names:
# the hot path below dispatches on exact types.
_DICT_PROXY = type(unknown_checking_proxy({}))
_LIST_PROXY = type(unknown_checking_proxy({"list": []})["list"])
_PROXIES = (_DICT_PROXY, _LIST_PROXY)


@dataclass(frozen=True)
class Unknown:
    """A value the engine could not know during preview, at `path` in the resource's properties."""

    path: str

    def __str__(self) -> str:
        return f"<unknown during preview: {self.path}>"


class UnknownRequired(Exception):
    """A rule needed a value that is unknown during preview; the wrapper reports it as a violation."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


def to_plain(value: Any) -> Any:
    """Copy props out of pulumi_policy's unknown-checking proxies into dicts/lists, unknowns as `Unknown`.

    The proxies are Mappings/Sequences whose item access raises on an unknown; `["__target"]` is the
    SDK's own unwrapping hook (pulumi_policy.deserialize uses it to serialize), so no unknown is read here.
    """
    return _plain(value, [])


def _plain(value: Any, steps: list[str | int]) -> Any:
    # The hot path of every check: exact-type dispatch for what the SDK builds (its two proxy classes over
    # dict/list/str/float/bool/None). `steps` holds keys (str) and list indices (int); the path text is only
    # built when an unknown is found.
    kind = type(value)
    if kind is _DICT_PROXY or kind is _LIST_PROXY:
        value = value["__target"]
        kind = type(value)
    if kind is str:
        return Unknown(_path_text(steps)) if value in UNKNOWN_SENTINELS else value
    if kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        plain: dict[str, Any] = {}
        for key, item in value.items():
            key = key if type(key) is str else str(key)
            steps.append(key)
            plain[key] = _plain(item, steps)
            steps.pop()
        return plain
    if kind is list:
        items: list[Any] = []
        for index, item in enumerate(value):
            steps.append(index)
            items.append(_plain(item, steps))
            steps.pop()
        return items
    return _plain_other(value, steps)


def _plain_other(value: Any, steps: list[str | int]) -> Any:
    """Subclasses of the proxies, str, Mapping or Sequence: the slow path, same results."""
    if isinstance(value, _PROXIES):
        return _plain(value["__target"], steps)
    if isinstance(value, str):
        return Unknown(_path_text(steps)) if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return _plain({key: value[key] for key in value}, steps)
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return _plain([value[index] for index in range(len(value))], steps)
    return value


def _path_text(steps: list[str | int]) -> str:
    """`.spec.containers[0].image`, `.` for the root."""
    text = "".join(f"[{step}]" if type(step) is int else f".{step}" for step in steps)
    return text or "."


def known(value: Any) -> Any:
    """`value`, or UnknownRequired if it is (or contains) a value unknown during preview."""
    unknown = first_unknown(value)
    if unknown is not None:
        raise UnknownRequired(unknown.path)
    return value


def first_unknown(value: Any) -> Unknown | None:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, dict):
        return next((u for u in map(first_unknown, value.values()) if u is not None), None)
    if isinstance(value, list):
        return next((u for u in map(first_unknown, value) if u is not None), None)
    return None


def dig(value: Any, *keys: str | int, default: Any = None) -> Any:
    """Follow `keys` into nested dicts/lists; an unknown on the way (or at the end) raises UnknownRequired.

    A missing key gives `default`: absence is the rule's business (usually a violation), unknown is ours.
    """
    for key in keys:
        if isinstance(value, Unknown):
            raise UnknownRequired(value.path)
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and -len(value) <= key < len(value) else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return default
    if isinstance(value, Unknown):
        raise UnknownRequired(value.path)
    return value

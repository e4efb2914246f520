"""Reading ruamel's round-trip nodes: as plain JSON values, and the source line of a node on a path."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq


def plain(node: Any) -> Any:
    """ruamel round-trip nodes -> plain JSON types for jsonschema (which rejects ruamel's scalar subclasses)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    # Dates, timestamps and other YAML-native types are not JSON: give the schema a type it will reject.
    return repr(node) if not isinstance(node, (bytes, bytearray)) else str(node)


def line_of(document: Any, path: Iterable[Any]) -> int:
    """1-based line of the deepest node on `path` that carries position info."""
    node, line = document, 0
    for key in path:
        try:
            if isinstance(node, CommentedMap) and key in node:
                line = node.lc.key(key)[0] + 1
            elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                line = node.lc.item(key)[0] + 1
            else:
                break
            node = node[key]
        except (KeyError, IndexError, TypeError, AttributeError):
            break
    if line == 0 and hasattr(document, "lc"):
        line = (document.lc.line or 0) + 1
    return line

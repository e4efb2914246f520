"""Checking the catalogue against `services.schema.json`: each schema error as an Issue with its line and a fix."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import TYPE_CHECKING, Any

from companyos.catalog.issues import Issue
from companyos.catalog.yaml_nodes import line_of, plain

if TYPE_CHECKING:
    import jsonschema


def schema() -> dict[str, Any]:
    """The catalogue's JSON Schema, as shipped in the package."""
    text = resources.files("companyos.catalog").joinpath("services.schema.json").read_text()
    return json.loads(text)


def _service_name(document: Any, path: list[Any]) -> tuple[str | None, list[Any]]:
    """The stanza's name (or '#N' when it has none) and the field path inside the stanza."""
    if len(path) >= 2 and path[0] == "services" and isinstance(path[1], int):
        stanza = document["services"][path[1]] if isinstance(document.get("services"), list) else None
        name = stanza.get("name") if isinstance(stanza, dict) else None
        label = str(name) if isinstance(name, str) and name else f"#{path[1] + 1} (unnamed)"
        return label, path[2:]
    return None, path


def _dotted(path: list[Any]) -> str:
    return ".".join(str(p) for p in path) if path else "(stanza)"


def schema_issues(document: Any, file: str) -> Iterable[Issue]:
    """Every way the document breaks the schema, each with the line it is on and how to fix it."""
    if not isinstance(document, dict):
        yield Issue(
            file,
            1,
            None,
            "(document)",
            f"the catalogue must be a mapping, got {type(plain(document)).__name__}",
            None,
            "start the file with 'services:' followed by a list of stanzas",
        )
        return
    from companyos.support.jsonschema_import import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    for error in validator.iter_errors(plain(document)):
        yield from _issues_from_error(error, document, file)


def _issues_from_error(error: jsonschema.ValidationError, document: Any, file: str) -> Iterable[Issue]:
    path = list(error.absolute_path)
    service, inner = _service_name(document, path)
    line = line_of(document, path)
    field = _dotted(inner)
    kind = error.validator
    sub = error.schema if isinstance(error.schema, dict) else {}
    if kind == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        allowed = _allowed_from_schema(_schema_at(path + [name]))
        yield Issue(
            file,
            line,
            service,
            _dotted(inner + [name]),
            "is required but missing",
            allowed,
            f"add '{name}: <value>' to the stanza",
        )
    elif kind == "additionalProperties":
        known = sorted(sub.get("properties", {}))
        extras = re.findall(r"'([^']+)'", error.message.split("(")[-1]) or ["?"]
        for extra in extras:
            close = difflib.get_close_matches(extra, known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            yield Issue(
                file,
                line_of(document, path + [extra]) or line,
                service,
                _dotted(inner + [extra]),
                "is not a known field",
                ", ".join(known),
                f"{hint}remove or rename it",
            )
    elif kind == "enum":
        allowed = ", ".join(str(v) for v in _listed(error.validator_value))
        yield Issue(
            file,
            line,
            service,
            field,
            f"{_show(error.instance)} is not allowed",
            allowed,
            f"set {inner[-1] if inner else field} to one of the allowed values",
        )
    elif kind == "type":
        expected = (
            error.validator_value
            if isinstance(error.validator_value, str)
            else " or ".join(str(v) for v in _listed(error.validator_value))
        )
        yield Issue(
            file,
            line,
            service,
            field,
            f"must be {_a(expected)}, got {_show(error.instance)}",
            None,
            f"write {field} as {_a(expected)}"
            + (" (quote strings that look like numbers)" if expected == "string" else ""),
        )
    elif kind == "pattern" and "propertyNames" in error.schema_path:
        key = str(error.instance)
        yield Issue(
            file,
            line_of(document, path + [key]) or line,
            service,
            _dotted(inner + [key]),
            "is not a valid environment variable name",
            "UPPER_SNAKE_CASE: A-Z, 0-9 and '_', not starting with a digit",
            f"rename it to {_env_name(key)}",
        )
    elif kind == "pattern":
        description = sub.get("description") or f"must match the pattern {error.validator_value}"
        fix = f"change {field} to match"
        if inner and inner[-1] in ("name", "owner") and isinstance(error.instance, str):
            fix = f"rename it, e.g. '{_slug(error.instance)}'"
        yield Issue(file, line, service, field, f"{_show(error.instance)} is not valid", description, fix)
    elif kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": ">=", "maximum": "<=", "exclusiveMinimum": ">", "exclusiveMaximum": "<"}[kind]
        bounds = _bounds(sub)
        yield Issue(
            file,
            line,
            service,
            field,
            f"{_show(error.instance)} is out of range",
            bounds or f"{word} {error.validator_value}",
            f"set {field} {word} {error.validator_value}",
        )
    elif kind in ("maxLength", "minLength"):
        word = "at most" if kind == "maxLength" else "at least"
        yield Issue(
            file,
            line,
            service,
            field,
            f"is {len(str(error.instance))} characters long",
            f"{word} {error.validator_value} characters",
            f"shorten {field}" if kind == "maxLength" else f"lengthen {field}",
        )
    elif kind == "minItems":
        yield Issue(
            file,
            line,
            service,
            field,
            "is empty",
            None,
            "add at least one service stanza (name, owner, risk, data_classification)",
        )
    else:
        yield Issue(file, line, service, field, error.message, None, "see services.schema.json for the allowed shape")


def _schema_at(path: list[Any]) -> dict[str, Any]:
    """Sub-schema for a document path (only what the messages need: enums and descriptions)."""
    root = schema()
    node: dict[str, Any] = root
    for key in path:
        if "$ref" in node:
            node = root["$defs"][node["$ref"].split("/")[-1]]
        if isinstance(key, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(key, {})
        if "$ref" in node:
            node = root["$defs"][node["$ref"].split("/")[-1]]
    return node


def _allowed_from_schema(node: dict[str, Any]) -> str | None:
    if "enum" in node:
        return ", ".join(str(v) for v in node["enum"])
    return node.get("description")


def _bounds(node: dict[str, Any]) -> str | None:
    low = node.get("minimum", node.get("exclusiveMinimum"))
    high = node.get("maximum", node.get("exclusiveMaximum"))
    if low is None or high is None:
        return None
    left = "[" if "minimum" in node else "("
    right = "]" if "maximum" in node else ")"
    return f"{left}{low}, {high}{right}"


def _show(value: Any) -> str:
    text = json.dumps(plain(value), default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    slug = re.sub(r"^[^a-z]+", "", slug)[:40].rstrip("-")
    return slug or "my-service"


def _env_name(text: str) -> str:
    name = re.sub(r"[^A-Z0-9_]+", "_", text.upper())
    return name if re.match(r"^[A-Z_]", name) else "_" + name


def _a(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"


def _listed(value: object) -> list[object]:
    """A schema keyword's value as a list (jsonschema types it loosely: it may be a lone value)."""
    return list(value) if isinstance(value, (list, tuple)) else [value]

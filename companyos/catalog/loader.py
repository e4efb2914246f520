"""Load and validate `services.yaml`, reporting every problem with file, line, service, field and fix."""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from companyos.catalog.model import (
    DEFAULT_IMAGE_REGISTRY,
    TEMPLATE_LATENCY_BUCKETS_MS,
    Catalog,
    LatencySlo,
    ResourceList,
    Resources,
    ServiceSpec,
    Slo,
)
from companyos.contracts.errors import UserError
from companyos.contracts.quantity import quantity

if TYPE_CHECKING:
    import jsonschema

# Set by the platform on every container (components/deployment.py) or read by its instrumentation: a stanza that
# set one would override the platform (Kubernetes keeps the last duplicate) or switch tracing off.
PLATFORM_ENV = re.compile(r"^(PORT|NODE_ENV|NODE_OPTIONS|OTEL_[A-Z0-9_]*)$")
SECRET_LOOKING_ENV = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)


def schema() -> dict[str, Any]:
    text = resources.files("companyos.catalog").joinpath("services.schema.json").read_text()
    return json.loads(text)


@dataclass(frozen=True)
class Issue:
    """One problem in the catalogue. `field` is a dotted path inside the stanza (or the document)."""

    file: str
    line: int
    service: str | None
    field: str
    problem: str
    allowed: str | None
    fix: str

    def render(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f"service '{self.service}', " if self.service else ""
        text = f"{where}: {who}field '{self.field}': {self.problem}"
        if self.allowed:
            text += f"\n    allowed: {self.allowed}"
        return text + f"\n    fix: {self.fix}"


class CatalogError(UserError):
    """The catalogue is invalid; carries every issue found."""

    def __init__(self, path: str, issues: list[Issue]) -> None:
        self.path = path
        self.issues = issues
        count = len(issues)
        header = f"{path}: {count} problem{'s' if count != 1 else ''} in the service catalogue"
        super().__init__("\n".join([header, *(i.render() for i in issues)]), exit_code=2)


def load_catalog(path: str | Path) -> Catalog:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(
            f"{path}: catalogue file not found. Fix: run from the repository root, or pass --catalog PATH "
            "(or set the stack config paved-road:catalog)."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{path}: cannot read the catalogue ({exc}). Fix: make it a readable UTF-8 YAML file."
        ) from None
    return load_catalog_text(text, path)


def load_catalog_text(text: str, path: str | Path = "services.yaml") -> Catalog:
    path = Path(path)
    file = str(path)
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(
            file,
            [
                Issue(
                    file,
                    line,
                    None,
                    "(document)",
                    f"not valid YAML: {problem}",
                    None,
                    "fix the YAML syntax at that line (indentation, quotes, ':' after keys)",
                )
            ],
        ) from None
    except Exception as exc:  # ruamel raises a few non-YAMLError types on odd input (e.g. duplicate anchors)
        raise CatalogError(
            file, [Issue(file, 0, None, "(document)", f"not valid YAML: {exc}", None, "fix the YAML syntax")]
        ) from None
    if document is None:
        document = CommentedMap()
    issues = list(_schema_issues(document, file))
    if isinstance(document, dict):
        issues += _semantic_issues(document, file)
    if issues:
        raise CatalogError(file, sorted(issues, key=lambda i: (i.line, i.field)))
    return _to_catalog(document, path)


def _plain(node: Any) -> Any:
    """ruamel round-trip nodes -> plain JSON types for jsonschema (which rejects ruamel's scalar subclasses)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
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


def _line_of(document: Any, path: Iterable[Any]) -> int:
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


def _schema_issues(document: Any, file: str) -> Iterable[Issue]:
    if not isinstance(document, dict):
        yield Issue(
            file,
            1,
            None,
            "(document)",
            f"the catalogue must be a mapping, got {type(_plain(document)).__name__}",
            None,
            "start the file with 'services:' followed by a list of stanzas",
        )
        return
    from companyos.support.jsonschema_import import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    for error in validator.iter_errors(_plain(document)):
        yield from _issues_from_error(error, document, file)


def _issues_from_error(error: jsonschema.ValidationError, document: Any, file: str) -> Iterable[Issue]:
    path = list(error.absolute_path)
    service, inner = _service_name(document, path)
    line = _line_of(document, path)
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
                _line_of(document, path + [extra]) or line,
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
            _line_of(document, path + [key]) or line,
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
    text = json.dumps(_plain(value), default=str)
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


def _quantity(text: str) -> Decimal | None:
    """The stanza's quantities are the schema's subset of Kubernetes' grammar; one parser reads both."""
    return quantity(text)


def _semantic_issues(document: dict[str, Any], file: str) -> Iterable[Issue]:
    """Rules a JSON Schema cannot state: uniqueness, cross-field relations, secret hygiene."""
    # Runs even when the schema failed, so one pass reports everything: every lookup is type-guarded
    # and a value the schema already rejected is skipped here.
    seen: dict[str, int] = {}
    stanzas = document.get("services")
    for index, stanza in enumerate(stanzas if isinstance(stanzas, list) else []):
        if not isinstance(stanza, dict):
            continue
        raw_name = stanza.get("name")
        name = raw_name if isinstance(raw_name, str) else f"#{index + 1} (unnamed)"
        base = ["services", index]
        line = _line_of(document, base + ["name"])
        if name in seen:
            yield Issue(
                file,
                line,
                name,
                "name",
                f"duplicates the stanza at line {seen[name]}",
                None,
                "give each service a unique name, or delete one of the two stanzas",
            )
        if isinstance(raw_name, str) and (name == "default" or name.startswith("kube-")):
            yield Issue(
                file,
                line,
                name,
                "name",
                "is a namespace the cluster owns (the service's namespace is named after it)",
                None,
                "choose another name: `default` and `kube-*` belong to Kubernetes",
            )
        seen.setdefault(name, line)

        template = stanza.get("template", "node-express")
        latency = _mapping(_mapping(stanza.get("slo")).get("latency"))
        threshold = latency.get("threshold_ms", LatencySlo.threshold_ms)
        buckets = TEMPLATE_LATENCY_BUCKETS_MS.get(template) if isinstance(template, str) else None
        if buckets and isinstance(threshold, int) and not isinstance(threshold, bool) and threshold not in buckets:
            nearest = min(buckets, key=lambda b: abs(b - threshold))
            yield Issue(
                file,
                _line_of(document, base + ["slo", "latency", "threshold_ms"]),
                name,
                "slo.latency.threshold_ms",
                f"{threshold} ms is not a histogram bucket of the {template} template, so the SLI cannot be measured",
                ", ".join(str(b) for b in buckets),
                f"use a bucket boundary, e.g. {nearest}",
            )

        resources = _mapping(stanza.get("resources"))
        defaults = Resources()
        for kind in ("cpu", "memory"):
            request = _mapping(resources.get("requests")).get(kind, getattr(defaults.requests, kind))
            limit = _mapping(resources.get("limits")).get(kind, getattr(defaults.limits, kind))
            req_q, lim_q = _quantity(str(request)), _quantity(str(limit))
            for which, text, amount in (("requests", request, req_q), ("limits", limit, lim_q)):
                if amount is not None and amount <= 0:
                    yield Issue(
                        file,
                        _line_of(document, base + ["resources", which, kind]),
                        name,
                        f"resources.{which}.{kind}",
                        f"{text} is zero: the container would get no {kind}",
                        None,
                        f"set a positive quantity, or leave resources.{which}.{kind} out for the default",
                    )
            if req_q is not None and lim_q is not None and req_q > lim_q:
                yield Issue(
                    file,
                    _line_of(document, base + ["resources", "requests", kind]),
                    name,
                    f"resources.requests.{kind}",
                    f"request {request} exceeds limit {limit}",
                    None,
                    f"lower resources.requests.{kind} or raise resources.limits.{kind}",
                )

        env = _mapping(stanza.get("env"))
        secrets = _mapping(stanza.get("secrets"))
        for section, values in (("env", env), ("secrets", secrets)):
            for key in values:
                if isinstance(key, str) and key != "PORT" and PLATFORM_ENV.match(key):
                    yield Issue(
                        file,
                        _line_of(document, base + [section, key]),
                        name,
                        f"{section}.{key}",
                        "is set by the platform on every container; a stanza cannot override it",
                        None,
                        f"delete {section}.{key}",
                    )
        for key, reference in secrets.items():
            if isinstance(key, str) and isinstance(reference, str) and not _own_secret(reference, name):
                yield Issue(
                    file,
                    _line_of(document, base + ["secrets", key]),
                    name,
                    f"secrets.{key}",
                    f"reads stack config {reference!r}, outside the service's own namespace '{name}:' (a "
                    "provider's or another service's secret would be copied into this service)",
                    f"{name}:<key>",
                    f"use {name}:<key> and `pulumi config set --secret {name}:<key> <value>`",
                )
        for key in env:
            if not isinstance(key, str):
                continue
            if key in secrets:
                yield Issue(
                    file,
                    _line_of(document, base + ["env", key]),
                    name,
                    f"env.{key}",
                    "is set both as a plain value and as a secret",
                    None,
                    f"delete env.{key}; keep secrets.{key}",
                )
            elif SECRET_LOOKING_ENV.search(key):
                yield Issue(
                    file,
                    _line_of(document, base + ["env", key]),
                    name,
                    f"env.{key}",
                    "looks like a secret but is a plain value (it would be committed and visible in the Deployment)",
                    None,
                    f"move it to secrets: {key}: <stack config key>, then `pulumi config set --secret <key> <value>`",
                )
        if "PORT" in env:
            yield Issue(
                file,
                _line_of(document, base + ["env", "PORT"]),
                name,
                "env.PORT",
                "is derived from the stanza's port",
                None,
                "delete env.PORT and set port: instead",
            )


def _own_secret(reference: str, service: str) -> bool:
    """A secret reference names a key in the service's own stack-config namespace: `<service>:<key>`."""
    namespace, _, key = reference.partition(":")
    return namespace == service and bool(key) and ":" not in key


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _to_catalog(document: dict[str, Any], path: Path) -> Catalog:
    data = _plain(document)
    defaults = data.get("defaults", {})
    services = []
    for index, stanza in enumerate(data["services"]):
        resources = stanza.get("resources", {})
        base = Resources()
        slo = stanza.get("slo", {})
        latency = slo.get("latency", {})
        services.append(
            ServiceSpec(
                name=stanza["name"],
                owner=stanza["owner"],
                risk=stanza["risk"],
                data_classification=stanza["data_classification"],
                description=stanza.get("description", ""),
                template=stanza.get("template", "node-express"),
                port=stanza.get("port", 8080),
                replicas=stanza.get("replicas", 2),
                resources=Resources(
                    requests=ResourceList(**{**vars(base.requests), **resources.get("requests", {})}),
                    limits=ResourceList(**{**vars(base.limits), **resources.get("limits", {})}),
                ),
                slo=Slo(
                    availability=float(slo.get("availability", Slo.availability)),
                    latency=LatencySlo(
                        threshold_ms=int(latency.get("threshold_ms", LatencySlo.threshold_ms)),
                        objective=float(latency.get("objective", LatencySlo.objective)),
                    ),
                    window_days=int(slo.get("window_days", Slo.window_days)),
                ),
                env={k: _env_value(v) for k, v in stanza.get("env", {}).items()},
                secrets=dict(stanza.get("secrets", {})),
                line=_line_of(document, ["services", index]),
            )
        )
    return Catalog(
        path=path,
        services=tuple(services),
        image_registry=defaults.get("image_registry", DEFAULT_IMAGE_REGISTRY),
        github_visibility=defaults.get("github_visibility", "private"),
    )


def _env_value(value: Any) -> str:
    # Kubernetes env values are strings; YAML's true/false must not become Python's True/False.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _listed(value: object) -> list[object]:
    """A schema keyword's value as a list (jsonschema types it loosely: it may be a lone value)."""
    return list(value) if isinstance(value, (list, tuple)) else [value]

"""Load and validate `services.yaml`, reporting every problem with file, line, service, field and fix.

The checks are `schema_issues` (what the JSON Schema states) and `semantic_issues` (what it cannot); this module
parses the text, gathers both, and turns a valid document into the typed `Catalog`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from companyos.catalog.issues import CatalogError, Issue
from companyos.catalog.model import (
    DEFAULT_IMAGE_REGISTRY,
    Catalog,
    LatencySlo,
    ResourceList,
    Resources,
    ServiceSpec,
    Slo,
)
from companyos.catalog.schema_issues import schema_issues
from companyos.catalog.semantic_issues import semantic_issues
from companyos.catalog.yaml_nodes import line_of, plain
from companyos.contracts.errors import UserError


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
    issues = list(schema_issues(document, file))
    if isinstance(document, dict):
        issues += semantic_issues(document, file)
    if issues:
        raise CatalogError(file, sorted(issues, key=lambda i: (i.line, i.field)))
    return _to_catalog(document, path)


def _to_catalog(document: dict[str, Any], path: Path) -> Catalog:
    data = plain(document)
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
                calls=tuple(stanza.get("calls", [])),
                line=line_of(document, ["services", index]),
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

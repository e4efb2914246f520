"""Register a new service in the catalogue: append its stanza, keeping the file's comments and order.

The new catalogue text is built and validated in memory first (`plan_registration`); the file is only
written by `write_atomically`, after the service has been rendered, so a failed step leaves it
byte-identical.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from companyos.catalog import (
    Catalog,
    CatalogError,
    ServiceSpec,
    load_catalog,
    load_catalog_text,
)
from companyos.catalog.model import DEFAULT_IMAGE_REGISTRY
from companyos.contracts.errors import UserError
from companyos.support.files import atomic_write

DEFAULT_PORT = ServiceSpec.port
# (mapping, sequence, offset) indents tried in order; the first that reproduces the file byte for byte is
# kept, so the only change in the diff is the new stanza. The first is the style of services.yaml.
_INDENT_STYLES = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 2), (4, 4, 0))
_WIDE = 4096  # never re-wrap a long description or comment


@dataclass(frozen=True)
class ServiceAnswers:
    """What `new-service` asks: the template's answers and the stanza's non-default fields."""

    name: str
    owner: str
    risk: str = "medium"
    data_classification: str = "internal"
    description: str = ""
    port: int = DEFAULT_PORT

    def template_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "owner": self.owner,
            "risk": self.risk,
            "data_classification": self.data_classification,
            "description": self.description,
            "port": self.port,
        }


@dataclass(frozen=True)
class Registration:
    """The catalogue as it will be once the service is registered (validated, not yet written)."""

    path: Path
    new_text: str | None
    """None when the service is not registered (--no-register)."""
    spec: ServiceSpec
    image_registry: str


def stanza(answers: ServiceAnswers) -> CommentedMap:
    """Only the fields a reader needs: catalogue defaults stay implicit, as in hand-written stanzas."""
    fields: dict[str, Any] = {"name": answers.name}
    if answers.description:
        fields["description"] = answers.description
    fields.update(owner=answers.owner, risk=answers.risk, data_classification=answers.data_classification)
    if answers.port != DEFAULT_PORT:
        fields["port"] = answers.port
    return CommentedMap(fields)


def _yaml(style: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = _WIDE
    yaml.indent(mapping=style[0], sequence=style[1], offset=style[2])
    return yaml


def _dump(yaml: YAML, document: Any) -> str:
    buffer = io.StringIO()
    yaml.dump(document, buffer)
    return buffer.getvalue()


def _round_trip_style(text: str) -> tuple[int, int, int]:
    for style in _INDENT_STYLES:
        if _dump(_yaml(style), _yaml(style).load(text)) == text:
            return style
    return _INDENT_STYLES[0]  # still valid and comment-preserving, only re-indented


def append_stanza(text: str, answers: ServiceAnswers, path: Path) -> str:
    style = _round_trip_style(text)
    yaml = _yaml(style)
    document = yaml.load(text)
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, CommentedSeq):
        raise UserError(
            f"{path}: has no 'services:' list to add '{answers.name}' to. "
            "Fix: start the list with 'services:' (see services.yaml)."
        )
    services.append(stanza(answers))
    return _dump(yaml, document)


def plan_registration(catalog_path: Path, answers: ServiceAnswers, *, register: bool = True) -> Registration:
    """Validates the catalogue with the new stanza in memory; raises UserError naming the field and fix."""
    if not register:
        return _unregistered(catalog_path, answers)
    if not catalog_path.is_file():
        raise UserError(
            f"{catalog_path}: catalogue file not found. Fix: run from the platform repository root, "
            "pass --catalog PATH, or pass --no-register to generate the code only."
        )
    try:
        current = load_catalog(catalog_path)
    except CatalogError as error:
        raise UserError(
            f"{catalog_path} is invalid before '{answers.name}' is added; fix it first "
            f"(or pass --no-register):\n{error}"
        ) from None
    if answers.name in current.names():
        existing = current.service(answers.name)
        raise UserError(
            f"{catalog_path}:{existing.line}: service '{answers.name}' is already in the catalogue. "
            "Fix: choose another name, or pass --no-register to generate code for the existing stanza."
        )
    old_text = catalog_path.read_text(encoding="utf-8")
    new_text = append_stanza(old_text, answers, catalog_path)
    catalog = _validated(new_text, catalog_path, answers)
    return Registration(catalog_path, new_text, catalog.service(answers.name), catalog.image_registry)


def _unregistered(catalog_path: Path, answers: ServiceAnswers) -> Registration:
    # The stanza must still satisfy the catalogue's rules: the platform reads the same answers later.
    image_registry = DEFAULT_IMAGE_REGISTRY
    if catalog_path.is_file():
        image_registry = load_catalog(catalog_path).image_registry
    alone = _validated(_dump(_yaml(_INDENT_STYLES[0]), {"services": [stanza(answers)]}), catalog_path, answers)
    return Registration(catalog_path, None, alone.service(answers.name), image_registry)


def _validated(text: str, catalog_path: Path, answers: ServiceAnswers) -> Catalog:
    try:
        return load_catalog_text(text, catalog_path)
    except CatalogError as error:
        raise UserError(
            f"the stanza for '{answers.name}' would make {catalog_path} invalid; "
            f"nothing was written. Fix the option named below:\n{error}"
        ) from None


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never a partial write."""
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    atomic_write(path, text, mode=mode)

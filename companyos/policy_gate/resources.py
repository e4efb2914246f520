"""Resources to gate: the program's RecordedResources, or plain dicts (policy fixtures, tests) made into them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from google.protobuf import struct_pb2

from companyos.contracts.errors import UserError
from companyos.preview.program_run import RecordedResource

DICT_KEYS = {
    "type",
    "name",
    "urn",
    "props",
    "outputs",
    "parent",
    "dependencies",
    "property_dependencies",
    "custom",
    "protect",
}


def to_struct(values: Mapping[str, Any], *, where: str) -> struct_pb2.Struct:
    """A plain JSON-like dict as the protobuf Struct the engine sends (numbers become doubles on the wire)."""
    struct = struct_pb2.Struct()
    try:
        struct.update(values)
    except (TypeError, ValueError) as error:
        raise UserError(
            f"{where}: properties must be JSON values (dict, list, str, number, bool, null): {error}"
        ) from None
    return struct


def default_urn(resource_type: str, name: str, *, project: str, stack: str) -> str:
    return f"urn:pulumi:{stack}::{project}::{resource_type}::{name}"


def resource_from_dict(
    item: Mapping[str, Any], *, project: str = "paved-road", stack: str = "dev", where: str = "resource"
) -> RecordedResource:
    """{"type", "name", "urn"?, "props", "outputs"?, "parent"?, "dependencies"?} -> RecordedResource.

    `urn` defaults to the engine's form for a top-level resource; `outputs` defaults to `props`."""
    unknown = set(item) - DICT_KEYS
    if unknown:
        raise UserError(f"{where}: unknown key(s) {sorted(unknown)}; allowed: {sorted(DICT_KEYS)}")
    for key in ("type", "name"):
        if not isinstance(item.get(key), str) or not item[key]:
            raise UserError(f"{where}: `{key}` must be a non-empty string")
    props = item.get("props", {})
    outputs = item.get("outputs", props)
    if not isinstance(props, Mapping) or not isinstance(outputs, Mapping):
        raise UserError(f"{where}: `props` and `outputs` must be objects")
    return RecordedResource(
        urn=item.get("urn") or default_urn(item["type"], item["name"], project=project, stack=stack),
        type=item["type"],
        name=item["name"],
        parent=item.get("parent", ""),
        custom=bool(item.get("custom", True)),
        inputs=dict(props),
        inputs_struct=to_struct(props, where=f"{where}.props"),
        outputs=dict(outputs),
        dependencies=list(item.get("dependencies", [])),
        property_dependencies={k: list(v) for k, v in item.get("property_dependencies", {}).items()},
        provider="",
        protect=bool(item.get("protect", False)),
    )


def resources_from_dicts(
    items: Iterable[Mapping[str, Any]], *, project: str = "paved-road", stack: str = "dev"
) -> list[RecordedResource]:
    return [
        resource_from_dict(item, project=project, stack=stack, where=f"resource[{index}]")
        for index, item in enumerate(items)
    ]


def as_recorded(
    resources: Iterable[RecordedResource | Mapping[str, Any]], *, project: str, stack: str
) -> list[RecordedResource]:
    return [
        r
        if isinstance(r, RecordedResource)
        else resource_from_dict(r, project=project, stack=stack, where=f"resource[{index}]")
        for index, r in enumerate(resources)
    ]


NO_OWNER = "(no component)"


def owners(resources: list[RecordedResource]) -> dict[str, str]:
    """URN -> the outermost component above it (`<type>::<name>`, e.g. the PavedRoadService of a stanza), or
    NO_OWNER for a resource registered at the top of the program that is not itself a component."""
    by_urn = {r.urn: r for r in resources}
    found: dict[str, str] = {}
    for resource in resources:
        node: RecordedResource | None = resource
        outermost, seen = None, 0
        while node is not None and seen <= len(resources):
            if not node.custom:
                outermost = node
            node, seen = by_urn.get(node.parent), seen + 1
        found[resource.urn] = f"{outermost.type}::{outermost.name}" if outermost is not None else NO_OWNER
    return found


def inventory(resources: list[RecordedResource]) -> dict[str, dict[str, int]]:
    """Owner (see `owners`) -> resource type -> count: which types each service brings into the stack."""
    owner_of = owners(resources)
    table: dict[str, dict[str, int]] = {}
    for resource in resources:
        types = table.setdefault(owner_of[resource.urn], {})
        types[resource.type] = types.get(resource.type, 0) + 1
    return {owner: dict(sorted(types.items())) for owner, types in sorted(table.items())}

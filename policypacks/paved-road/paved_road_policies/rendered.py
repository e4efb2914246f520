"""Objects a wrapper resource writes that the gate can still see offline: a `kubernetes:yaml/v2:ConfigGroup`
with inline `yaml` or `objs`. Every resource rule judges each of them as if it were registered on its own
(the engine registers them only inside the provider, where no offline preview looks)."""

from __future__ import annotations

from typing import Any

import yaml

from .props import Unknown, UnknownRequired, dig
from .resource import Resource

CONFIG_GROUP_V2 = "kubernetes:yaml/v2:ConfigGroup"
RENDERABLE_TYPES = frozenset({CONFIG_GROUP_V2})
# `kind: List` (and the typed `...List` kinds) carry their objects in `items`.
LIST_KIND_SUFFIX = "List"


class RenderError(ValueError):
    """The inline objects cannot be read: the rules cannot judge what the wrapper would write."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping key written twice: PyYAML keeps the last value, other parsers the first
    or an error, so `privileged: false` then `privileged: true` must not be judged as one of them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise RenderError(
                    f"`yaml` sets the key {key!r} twice in one mapping (line {key_node.start_mark.line + 1})"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def type_token(api_version: str, kind: str) -> str:
    """`apps/v1` + `Deployment` -> `kubernetes:apps/v1:Deployment`; the core group is `core/v1`."""
    group_version = api_version if "/" in api_version else f"core/{api_version}"
    return f"kubernetes:{group_version}:{kind}"


def rendered_objects(resource: Resource) -> list[Resource]:
    """The objects `resource` writes, each a Resource with the wrapper's URN and an `origin` naming where it came
    from; [] for a type that renders nothing inline. Raises RenderError or UnknownRequired."""
    if resource.type not in RENDERABLE_TYPES:
        return []
    documents: list[tuple[str, Any]] = []
    text = dig(resource.props, "yaml")
    if text is not None:
        if not isinstance(text, str):
            raise RenderError("`yaml` is not a string")
        try:
            # Aliases let a few lines expand into a huge tree (billion laughs): no rendered manifest needs them.
            if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, Loader=yaml.SafeLoader)):
                raise RenderError(
                    "`yaml` uses YAML aliases (*name), which the gate does not expand; write the objects out"
                )
            documents += [
                (f"yaml document {index}", doc)
                for index, doc in enumerate(yaml.load_all(text, Loader=_StrictLoader))
                if doc is not None
            ]
        except yaml.YAMLError as error:
            raise RenderError(f"`yaml` is not valid YAML ({error.__class__.__name__})") from None
    objs = dig(resource.props, "objs", default=[])
    if not isinstance(objs, list):
        raise RenderError("`objs` is not a list")
    documents += [(f"objs[{index}]", obj) for index, obj in enumerate(objs)]
    objects: list[Resource] = []
    for where, document in documents:
        objects += _objects(resource, where, document)
    return objects


def _objects(wrapper: Resource, where: str, document: Any) -> list[Resource]:
    if isinstance(document, Unknown):
        raise UnknownRequired(document.path)
    if not isinstance(document, dict):
        raise RenderError(f"{where} is not an object")
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
        raise RenderError(f"{where} has no apiVersion and kind")
    if kind.endswith(LIST_KIND_SUFFIX) and isinstance(document.get("items"), list):
        return [
            item
            for index, entry in enumerate(document["items"])
            for item in _objects(wrapper, f"{where}.items[{index}]", entry)
        ]
    name = dig(document, "metadata", "name", default="")
    return [
        Resource(
            type=type_token(api_version, kind),
            name=str(name) or where,
            urn=wrapper.urn,
            props=document,
            parent=wrapper.parent,
            origin=f"{wrapper.type} '{wrapper.name}' ({where}, {kind} {name})",
        )
    ]

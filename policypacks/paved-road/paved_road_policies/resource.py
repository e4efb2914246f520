"""One resource as a rule sees it (type, name, URN, parent, plain props) and the service it belongs to."""

from __future__ import annotations

from typing import Any

from .props import to_plain

SERVICE_LABEL = "app.kubernetes.io/name"


class Resource:
    """One resource as a rule sees it: plain props (inputs in Analyze, outputs in AnalyzeStack).

    Built from the SDK's proxy, `props` is copied out on first read: a stack rule reads the props of the few
    types it judges, not of every resource in the stack.
    """

    __slots__ = ("type", "name", "urn", "parent", "origin", "_props", "_source")

    def __init__(
        self,
        type: str,
        name: str,
        urn: str,
        props: dict[str, Any] | None = None,  # noqa: A002
        parent: str = "",
        *,
        source: Any = None,
        origin: str = "",
    ) -> None:
        self.type = type
        self.origin = origin
        """Empty for a registered resource; for an object a wrapper renders (rendered.py), which wrapper and where."""
        self.name = name
        self.urn = urn
        self.parent = parent
        self._props = props if source is None else None
        if self._props is None and source is None:
            self._props = {}
        self._source = source

    @property
    def props(self) -> dict[str, Any]:
        if self._props is None:
            plain = to_plain(self._source)
            self._props, self._source = (plain if isinstance(plain, dict) else {}), None
        return self._props

    def __repr__(self) -> str:
        return f"Resource(type={self.type!r}, name={self.name!r}, urn={self.urn!r}, parent={self.parent!r})"


def service_of(resource: Resource) -> str:
    """The catalogue stanza a resource belongs to: its app.kubernetes.io/name label, else its name."""
    metadata = resource.props.get("metadata")
    labels = metadata.get("labels") if isinstance(metadata, dict) else None
    name = labels.get(SERVICE_LABEL) if isinstance(labels, dict) else None
    if isinstance(name, str) and name:
        return name
    if "$paved-road:index:" in resource.parent:  # a child of a paved-road component is named after the stanza
        return resource.parent.rsplit("::", 1)[-1]
    if resource.type == "github:index/repository:Repository" and isinstance(resource.props.get("name"), str):
        return resource.props["name"]
    if isinstance(resource.props.get("repository"), str):
        return resource.props["repository"]
    return resource.name

"""Stack-wide: every resource belongs to a catalogue service, and a service's Kubernetes objects stay in its own
namespace (never kube-system, kube-public, kube-node-lease, default, or another service's)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import dig, known
from .rendered import RenderError, rendered_objects
from .resource import SERVICE_LABEL, Resource
from .rule import Finding, Rule
from .stack_config import stack_config

PAVED_ROAD_SERVICE = "paved-road:index:PavedRoadService"
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
# Registered by the engine outside any component: the stack itself and (default) providers, which
# provider-inputs-allowed judges.
OUTSIDE_SERVICES = ("pulumi:pulumi:Stack", "pulumi:providers:")
SELECTED_SERVICE_CONFIG = "paved-road:service"


def stack_service() -> str | None:
    """The stanza a per-service stack provisions (stack config `paved-road:service`); None for a whole-catalogue
    stack."""
    value = stack_config().get(SELECTED_SERVICE_CONFIG)
    return value if isinstance(value, str) and value else None


def owning_services(resources: list[Resource]) -> dict[str, str]:
    """URN -> the name of the PavedRoadService component above it (or itself); resources under none are absent."""
    by_urn = {r.urn: r for r in resources}
    owners: dict[str, str] = {}
    for resource in resources:
        node: Resource | None = resource
        seen = 0
        while node is not None and node.type != PAVED_ROAD_SERVICE and seen <= len(resources):
            node, seen = by_urn.get(node.parent), seen + 1
        if node is not None and node.type == PAVED_ROAD_SERVICE:
            owners[resource.urn] = node.name
    return owners


def _objects(resource: Resource) -> list[Resource]:
    """The object itself, or the objects a ConfigGroup renders inline (an unreadable one is judged elsewhere)."""
    if k8s.is_kubernetes_object(resource):
        return [resource]
    try:
        return rendered_objects(resource)
    except RenderError:
        return []


def _namespace_problem(subject: Resource, service: str, services: set[str]) -> str | None:
    kind = k8s.object_type(subject.type).rsplit(":", 1)[-1]
    if kind == "Namespace":
        name = known(dig(subject.props, "metadata", "name"))
        if name in RESERVED_NAMESPACES or str(name).startswith("kube-"):
            return f"is the Namespace '{name}', which belongs to the cluster, not to a service"
        return None if name == service else f"is the Namespace '{name}', not {service}'s own namespace '{service}'"
    namespace = known(dig(subject.props, "metadata", "namespace"))
    if not namespace:
        return (
            "has no metadata.namespace: a namespaced object would land in the provider's default namespace "
            "(usually `default`), and a cluster-scoped one reaches beyond the service"
        )
    if namespace in RESERVED_NAMESPACES or str(namespace).startswith("kube-"):
        return f"is in the namespace '{namespace}', which belongs to the cluster, not to a service"
    if namespace != service:
        whose = "another service's namespace" if namespace in services else "not the service's namespace"
        return f"is in the namespace '{namespace}', {whose} (expected '{service}')"
    return None


# Where a non-Kubernetes resource names the service it acts on: it must be the service that owns it.
SERVICE_FIELDS = {
    "github:index/repository:Repository": "name",
    "github:index/repositoryFile:RepositoryFile": "repository",
    "github:index/issueLabel:IssueLabel": "repository",
    "docker:index/image:Image": "imageName",
}


def _target_problem(resource: Resource, service: str) -> str | None:
    field = SERVICE_FIELDS.get(resource.type)
    if field is None:
        return None
    value = known(resource.props.get(field))
    target = str(value or "")
    if resource.type == "docker:index/image:Image":  # registry[:port]/path/name[:tag][@digest] -> name
        target = target.split("@", 1)[0].rsplit("/", 1)[-1].split(":", 1)[0]
    if target != service:
        return f"`{field}` is {value!r}: it acts on {target or 'nothing named'}, not on {service}"
    return None


def check_ownership(resources: list[Resource], config: Mapping[str, Any]) -> Iterator[Finding]:
    owners = owning_services(resources)
    services = {r.name for r in resources if r.type == PAVED_ROAD_SERVICE}
    selected = stack_service()
    for resource in resources:
        if resource.type.startswith(OUTSIDE_SERVICES):
            continue
        service = owners.get(resource.urn)
        if service is None:
            yield Finding(
                f"{resource.type} '{resource.name}' belongs to no catalogue service: it is not created under "
                "a PavedRoadService component, so nobody owns it and no stanza governs it.",
                urn=resource.urn,
                fix={"what": f"the {resource.type}"},
            )
            continue
        if resource.type == PAVED_ROAD_SERVICE and selected is not None and resource.name != selected:
            yield Finding(
                f"PavedRoadService '{resource.name}' is not the service this stack provisions "
                f"({SELECTED_SERVICE_CONFIG} = '{selected}').",
                urn=resource.urn,
                fix={"what": f"service {resource.name}"},
            )
        target = _target_problem(resource, service)
        if target:
            yield Finding(
                f"{resource.type} '{resource.name}' (service {service}): {target}.",
                urn=resource.urn,
                fix={"what": f"the {resource.type}"},
            )
        for subject in _objects(resource):
            where = f"{subject.origin}" if subject.origin else k8s.describe(subject)
            problem = _namespace_problem(subject, service, services)
            if problem:
                yield Finding(f"{where} (service {service}) {problem}.", urn=resource.urn, fix={"what": where})
            label = known(dig(subject.props, "metadata", "labels", SERVICE_LABEL))
            if label is not None and label != service:
                yield Finding(
                    f"{where} (service {service}) carries `{SERVICE_LABEL}: {label}`, claiming another service.",
                    urn=resource.urn,
                    fix={"what": where},
                )


RULES = [
    Rule(
        name="service-ownership",
        family="admission",
        description="Every resource belongs to a catalogue service (created under its PavedRoadService component), and "
        "each service's Kubernetes objects live in the service's own namespace: never kube-system, "
        "kube-public, kube-node-lease, default or another service's.",
        applies_to="the stack: every resource but the stack and providers; Kubernetes objects and the objects a "
        "ConfigGroup renders inline for the namespace",
        stack=True,
        check=check_ownership,
        remediation="create {what} through the service's PavedRoadService component (one stanza in services.yaml), "
        "which names everything after the service and keeps it in the namespace `<service>`; cluster "
        "objects and other services' namespaces are the platform's, changed in the platform repository.",
        rationale="An object nobody owns is never cleaned up or paged for, and one written into kube-system or a "
        "neighbour's namespace escapes the service's NetworkPolicy, quotas and Pod Security admission.",
    ),
]

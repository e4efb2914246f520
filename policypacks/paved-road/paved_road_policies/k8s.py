"""Where things live in Kubernetes objects as the engine sees them (camelCase inputs, numbers as floats)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .framework import Resource, TypeSelector, dig, of_types

K8S_PREFIX = "kubernetes:"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"

# Workload type -> path to its pod spec. Pods of a CronJob sit one template deeper than a Job's.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
# Long-running workloads: the ones that must answer probes (a Job's pod exits by design).
SERVING_WORKLOADS = frozenset({"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet",
                               "kubernetes:apps/v1:DaemonSet", "kubernetes:apps/v1:ReplicaSet",
                               "kubernetes:core/v1:Pod"})
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
# Objects that are not Kubernetes API objects (provider resources, Helm/YAML wrappers) carry no metadata.
NON_OBJECT_TYPES = frozenset({"pulumi:providers:kubernetes"})


def is_kubernetes_object_type(type_token: str) -> bool:
    return type_token.startswith(K8S_PREFIX) and type_token not in NON_OBJECT_TYPES \
        and ":helm.sh/" not in type_token and ":yaml" not in type_token and ":kustomize" not in type_token


KUBERNETES_OBJECTS = TypeSelector("every `kubernetes:*` type except `pulumi:providers:kubernetes` and the Helm, "
                                  "YAML and Kustomize wrapper types", is_kubernetes_object_type)
WORKLOADS = of_types(*POD_SPEC_PATHS)
SERVING = of_types(*(t for t in POD_SPEC_PATHS if t in SERVING_WORKLOADS))


def is_kubernetes_object(resource: Resource) -> bool:
    return is_kubernetes_object_type(resource.type)


def is_workload(resource: Resource) -> bool:
    return resource.type in POD_SPEC_PATHS


def kind_of(resource: Resource) -> str:
    return resource.type.rsplit(":", 1)[-1]


def describe(resource: Resource) -> str:
    """`Deployment hello-prod/hello-prod` - how a Kubernetes object is named in messages."""
    namespace = dig(resource.props, "metadata", "namespace", default="")
    name = dig(resource.props, "metadata", "name", default=resource.name)
    return f"{kind_of(resource)} {namespace + '/' if namespace else ''}{name}"


def pod_spec(resource: Resource) -> dict[str, Any]:
    spec = dig(resource.props, *POD_SPEC_PATHS[resource.type], default={})
    return spec if isinstance(spec, dict) else {}


def pod_template_metadata(resource: Resource) -> dict[str, Any] | None:
    """The pod template's metadata for controllers (None for a bare Pod, whose metadata is its own)."""
    path = POD_SPEC_PATHS[resource.type]
    if len(path) < 2:
        return None
    metadata = dig(resource.props, *path[:-1], "metadata", default={})
    return metadata if isinstance(metadata, dict) else {}


@dataclass(frozen=True)
class Container:
    field: str  # where it sits, e.g. spec.template.spec.containers[0]
    name: str
    spec: dict[str, Any]


def containers(resource: Resource, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    base = ".".join(POD_SPEC_PATHS[resource.type])
    spec = pod_spec(resource)
    for list_name in lists:
        entries = dig(spec, list_name, default=[])
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            entry = entry if isinstance(entry, dict) else {}
            name = dig(entry, "name", default=f"#{index}")
            yield Container(f"{base}.{list_name}[{index}]", str(name), entry)


def annotations_of(resource: Resource) -> dict[str, Any]:
    value = dig(resource.props, "metadata", "annotations", default={})
    return value if isinstance(value, dict) else {}


def labels(metadata: dict[str, Any]) -> dict[str, Any]:
    value = dig(metadata, "labels", default={})
    return value if isinstance(value, dict) else {}

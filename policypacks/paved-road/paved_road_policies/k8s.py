"""Where things live in Kubernetes objects as the engine sees them (camelCase inputs, numbers as floats).

Workloads are found by shape, not by a list of kinds: any object that carries a pod spec anywhere in its
properties (Deployment, Argo Rollout, Knative Service, a CRD nobody has heard of) is a workload, and every
container and supply-chain rule judges each pod spec it carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .props import Unknown, UnknownRequired, dig
from .resource import Resource
from .rule import TypeSelector

K8S_PREFIX = "kubernetes:"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
PATCH_SUFFIX = "Patch"

# Where the well-known kinds keep their pod spec. Documentation and the test table only: detection is by shape
# (`pod_specs`), so a kind missing here is still found.
WELL_KNOWN_POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "kubernetes:core/v1:Pod": ("spec",),
    "kubernetes:core/v1:ReplicationController": ("spec", "template", "spec"),
    "kubernetes:core/v1:PodTemplate": ("template", "spec"),
    "kubernetes:apps/v1:Deployment": ("spec", "template", "spec"),
    "kubernetes:apps/v1:StatefulSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:DaemonSet": ("spec", "template", "spec"),
    "kubernetes:apps/v1:ReplicaSet": ("spec", "template", "spec"),
    "kubernetes:batch/v1:Job": ("spec", "template", "spec"),
    "kubernetes:batch/v1:CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "kubernetes:argoproj.io/v1alpha1:Rollout": ("spec", "template", "spec"),
    "kubernetes:serving.knative.dev/v1:Service": ("spec", "template", "spec"),
}
# Keys only a PodSpec has (k8s.io/api/core/v1 PodSpec): a dict holding one of them is judged as a pod spec,
# wherever it sits. A patch that writes only `hostPID` is still a pod spec.
POD_SPEC_KEYS = frozenset(
    {
        "containers",
        "initContainers",
        "ephemeralContainers",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "hostUsers",
        "shareProcessNamespace",
        "volumes",
        "nodeName",
        "hostAliases",
        "sysctls",
    }
)
# Keys under which a pod spec (or what holds one) sits: an unknown value there hides a pod.
POD_HOLDER_KEYS = POD_SPEC_KEYS | {"spec", "template", "jobTemplate", "podSpec"}
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
# Pods of these kinds run to completion: they need no liveness/readiness probe.
RUN_TO_COMPLETION_KINDS = frozenset({"Job", "CronJob"})
# Built-in kinds whose schema holds no pod spec: Kubernetes runs nothing from them, whatever fields they carry,
# so the workload rules skip them without reading their props. Everything else (CRDs included) is searched.
POD_FREE_TYPES = frozenset(
    {
        "kubernetes:core/v1:Namespace",
        "kubernetes:core/v1:Service",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:core/v1:ConfigMap",
        "kubernetes:core/v1:Secret",
        "kubernetes:policy/v1:PodDisruptionBudget",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
        "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    }
)
# Not Kubernetes API objects: wrappers whose objects an offline preview cannot see (rules.opaque judges them).
WRAPPER_MARKERS = (":helm.sh/", ":yaml", ":kustomize")


def is_kubernetes_object_type(type_token: str) -> bool:
    return type_token.startswith(K8S_PREFIX) and not any(marker in type_token for marker in WRAPPER_MARKERS)


def object_type(type_token: str) -> str:
    """The type of the object a resource writes: `...:DeploymentPatch` writes a Deployment."""
    if is_kubernetes_object_type(type_token) and type_token.endswith(PATCH_SUFFIX):
        return type_token[: -len(PATCH_SUFFIX)]
    return type_token


def is_patch(resource: Resource) -> bool:
    return object_type(resource.type) != resource.type


def may_carry_pods(type_token: str) -> bool:
    return is_kubernetes_object_type(type_token) and object_type(type_token) not in POD_FREE_TYPES


KUBERNETES_OBJECTS = TypeSelector(
    "every `kubernetes:*` type (patches too) except the Helm, YAML and Kustomize wrapper types",
    is_kubernetes_object_type,
)
WORKLOADS = TypeSelector(
    "every `kubernetes:*` object type that can carry a pod spec (all but the built-in "
    "kinds without one: "
    + ", ".join(sorted(t.rsplit(":", 1)[-1] for t in POD_FREE_TYPES))
    + "); pod specs are found by shape wherever they sit",
    may_carry_pods,
)


def is_kubernetes_object(resource: Resource) -> bool:
    return is_kubernetes_object_type(resource.type)


def kind_of(resource: Resource) -> str:
    return resource.type.rsplit(":", 1)[-1]


def describe(resource: Resource) -> str:
    """`Deployment hello-prod/hello-prod` - how a Kubernetes object is named in messages."""
    namespace = dig(resource.props, "metadata", "namespace", default="")
    name = dig(resource.props, "metadata", "name", default=resource.name)
    return f"{kind_of(resource)} {namespace + '/' if namespace else ''}{name}"


@dataclass(frozen=True)
class PodSpec:
    """One pod spec an object carries: where it sits, the spec, and the metadata of the pod it makes."""

    path: str
    """e.g. `spec.template.spec`."""
    spec: dict[str, Any]
    metadata: dict[str, Any] | None
    """The pod template's metadata (`template.metadata`); None for a bare Pod, whose metadata is its own."""
    metadata_path: str


def _is_pod_spec(value: dict[str, Any], steps: list[str | int]) -> bool:
    if not POD_SPEC_KEYS.isdisjoint(value):
        return True
    # `template.spec` is a pod template's spec wherever it sits, even when it only sets a securityContext.
    return len(steps) >= 2 and steps[-1] == "spec" and steps[-2] == "template"


def pod_specs(resource: Resource) -> list[PodSpec]:
    """Every pod spec in the object's props, outermost first; a bare Pod's `spec` is found the same way.

    A value unknown during preview where a pod spec could sit (`spec`, `template`, a pod-spec key) raises
    UnknownRequired: a pod nobody can see yet is not a pass."""
    if not may_carry_pods(resource.type):
        return []
    found: list[PodSpec] = []
    # Iterative walk: props come from the engine, so depth is theirs to choose, not Python's recursion limit.
    stack: list[tuple[Any, list[str | int]]] = [(resource.props, [])]
    while stack:
        value, steps = stack.pop()
        if isinstance(value, Unknown):
            if steps and steps[-1] in POD_HOLDER_KEYS:
                raise UnknownRequired(value.path)
        elif isinstance(value, dict):
            if steps and _is_pod_spec(value, steps):
                found.append(_pod_spec(resource, value, steps))
            stack.extend((item, [*steps, key]) for key, item in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((item, [*steps, index]) for index, item in reversed(list(enumerate(value))))
    return found


def _pod_spec(resource: Resource, spec: dict[str, Any], steps: list[str | int]) -> PodSpec:
    if len(steps) >= 2 and steps[-1] == "spec":  # a pod template's spec: its metadata is the pod's
        holder = dig(resource.props, *steps[:-1])
        metadata = holder.get("metadata") if isinstance(holder, dict) else None
        return PodSpec(
            _path_text(steps),
            spec,
            metadata if isinstance(metadata, dict) else {},
            _path_text([*steps[:-1], "metadata"]),
        )
    return PodSpec(_path_text(steps), spec, None, "metadata")  # a bare Pod (or a CRD's pod spec): the object's


def _path_text(steps: list[str | int]) -> str:
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in steps)
    return text.lstrip(".")


def is_workload(resource: Resource) -> bool:
    return bool(pod_specs(resource))


def runs_to_completion(resource: Resource, pod: PodSpec) -> bool:
    """A Job/CronJob pod, or a pod spec that is never restarted: no probes expected."""
    return object_type(resource.type).rsplit(":", 1)[-1] in RUN_TO_COMPLETION_KINDS or dig(
        pod.spec, "restartPolicy"
    ) in ("Never", "OnFailure")


@dataclass(frozen=True)
class Container:
    field: str  # where it sits, e.g. spec.template.spec.containers[0]
    name: str
    spec: dict[str, Any]
    list_name: str
    pod: PodSpec


def containers(resource: Resource, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    for pod in pod_specs(resource):
        yield from pod_containers(pod, lists)


def pod_containers(pod: PodSpec, lists: tuple[str, ...] = CONTAINER_LISTS) -> Iterator[Container]:
    for list_name in lists:
        entries = dig(pod.spec, list_name, default=[])
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, Unknown):
                dig(entries, index)  # raises UnknownRequired: a container nobody can see is not a pass
            entry = entry if isinstance(entry, dict) else {}
            name = dig(entry, "name", default=f"#{index}")
            yield Container(f"{pod.path}.{list_name}[{index}]", str(name), entry, list_name, pod)


def annotations_of(resource: Resource) -> dict[str, Any]:
    value = dig(resource.props, "metadata", "annotations", default={})
    return value if isinstance(value, dict) else {}


def labels(metadata: dict[str, Any]) -> dict[str, Any]:
    value = dig(metadata, "labels", default={})
    return value if isinstance(value, dict) else {}

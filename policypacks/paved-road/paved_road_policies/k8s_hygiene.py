"""Kubernetes hygiene: probes, resource requests and limits, a locked-down container."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import dig, known
from .resource import Resource
from .rule import Finding, Rule, of_types
from .vendor.contracts.quantity import quantity

COMPONENT_FIX = (
    "deploy {service} through the PavedRoadService component (its ServiceDeployment sets {what}); "
    "a workload written by hand must set {field} itself."
)


def check_probes(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for pod in k8s.pod_specs(resource):
        if k8s.runs_to_completion(resource, pod):
            continue
        for container in k8s.pod_containers(pod, ("containers",)):
            for probe in ("livenessProbe", "readinessProbe"):
                value = known(container.spec.get(probe))
                if not isinstance(value, dict) or not value:
                    yield Finding(
                        f"{k8s.describe(resource)}: container `{container.name}` has no {probe} "
                        f"({container.field}.{probe}).",
                        fix={"what": "/healthz and /readyz probes", "field": f"{container.field}.{probe}"},
                    )


def check_resources(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for container in k8s.containers(resource, ("initContainers", "containers")):
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                value = dig(container.spec, "resources", kind, name)
                amount = quantity(value)
                if value in (None, ""):
                    problem = "has no"
                elif amount is None:
                    problem = f"has {value!r}, not a Kubernetes quantity, as"
                elif amount <= 0:
                    problem = f"has {value!r}, which is zero, as"
                else:
                    continue
                yield Finding(
                    f"{k8s.describe(resource)}: container `{container.name}` {problem} {kind}.{name} "
                    f"({container.field}.resources.{kind}.{name}).",
                    fix={"setting": f"resources.{kind}.{name}"},
                )


def check_env_unambiguous(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for container in k8s.containers(resource):
        env = known(container.spec.get("env")) or []
        names = [entry.get("name") for entry in (env if isinstance(env, list) else []) if isinstance(entry, dict)]
        for name in sorted({n for n in names if names.count(n) > 1}, key=str):
            yield Finding(
                f"{k8s.describe(resource)}: container `{container.name}` sets env `{name}` "
                f"{names.count(name)} times ({container.field}.env); Kubernetes keeps the last, so a later "
                "entry silently overrides the platform's.",
                fix={"name": str(name)},
            )


def check_security_context(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for container in k8s.containers(resource):
        pod_security = dig(container.pod.spec, "securityContext", default={})
        security = known(container.spec.get("securityContext")) or {}
        where = f"{container.field}.securityContext"
        # runAsNonRoot may be set for the whole pod; the container's own value wins when present.
        non_root = security.get("runAsNonRoot", dig(pod_security, "runAsNonRoot"))
        required = (
            ("runAsNonRoot", non_root, True),
            ("readOnlyRootFilesystem", security.get("readOnlyRootFilesystem"), True),
            ("allowPrivilegeEscalation", security.get("allowPrivilegeEscalation"), False),
        )
        for setting, value, wanted in required:
            if known(value) is not wanted:
                state = "is not set" if value is None else f"is {value!r}"
                yield Finding(
                    f"{k8s.describe(resource)}: container `{container.name}`: {where}.{setting} {state}; it "
                    f"must be {str(wanted).lower()}.",
                    fix={"what": "a locked-down securityContext", "field": f"{where}.{setting}"},
                )


SERVICE = "kubernetes:core/v1:Service"
NAMESPACE = "kubernetes:core/v1:Namespace"
PSA_ENFORCE = "pod-security.kubernetes.io/enforce"


def check_service_exposure(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if k8s.object_type(resource.type) != SERVICE:
        return
    spec = known(resource.props.get("spec")) or {}
    spec = spec if isinstance(spec, dict) else {}
    service_type = spec.get("type", "ClusterIP")
    if service_type not in config["allowed_types"]:
        yield Finding(
            f"{k8s.describe(resource)}: spec.type is {service_type!r}; only "
            f"{', '.join(config['allowed_types'])} (reachable inside the cluster) is allowed.",
            fix={"field": "spec.type"},
        )
    for field in ("externalIPs", "externalName", "loadBalancerIP", "loadBalancerSourceRanges"):
        if spec.get(field) not in (None, [], ""):
            yield Finding(
                f"{k8s.describe(resource)}: spec.{field} is set ({spec[field]!r}); it exposes or "
                "redirects the service outside the cluster's network policy.",
                fix={"field": f"spec.{field}"},
            )
    raw_ports = spec.get("ports")
    ports = raw_ports if isinstance(raw_ports, list) else []
    for index, port in enumerate(ports):
        if isinstance(port, dict) and port.get("nodePort") not in (None, 0):
            yield Finding(
                f"{k8s.describe(resource)}: spec.ports[{index}].nodePort is {port['nodePort']!r}: the "
                "port opens on every node.",
                fix={"field": f"spec.ports[{index}].nodePort"},
            )


def check_namespace_admission(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    if k8s.object_type(resource.type) != NAMESPACE:
        return
    level = known(k8s.labels(dig(resource.props, "metadata", default={})).get(PSA_ENFORCE))
    if level != "restricted":
        state = "is missing" if level is None else f"is {level!r}"
        yield Finding(
            f"{k8s.describe(resource)}: label `{PSA_ENFORCE}` (metadata.labels) {state}; it must be "
            "`restricted`, so the cluster itself refuses pods the gate never saw.",
            fix={"what": "the Pod Security admission labels", "field": f"metadata.labels.{PSA_ENFORCE}"},
        )


RULES = [
    Rule(
        name="container-env-unambiguous",
        family="kubernetes-hygiene",
        description="No container sets the same environment variable twice (a later entry would silently override "
        "one the platform sets, such as NODE_ENV or OTEL_SERVICE_NAME).",
        applies_to="every container of every pod spec an object carries",
        check=check_env_unambiguous,
        selects=k8s.WORKLOADS,
        remediation="services.yaml: remove `{name}` from {service}'s env (the platform sets it); a workload written "
        "by hand must list each variable once.",
        rationale="Observability and runtime mode depend on variables the platform sets; a duplicate is an override "
        "nobody reviews.",
    ),
    Rule(
        name="service-exposure",
        family="kubernetes-hygiene",
        description="Services stay inside the cluster: type ClusterIP, no externalIPs, externalName, "
        "load-balancer settings or node ports.",
        applies_to="`kubernetes:core/v1:Service` (and its patch)",
        check=check_service_exposure,
        selects=of_types(SERVICE, SERVICE + k8s.PATCH_SUFFIX),
        config={
            "allowed_types": {
                "description": "Service types allowed.",
                "type": "array",
                "uniqueItems": True,
                "minItems": 1,
                "items": {"enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]},
                "default": ["ClusterIP"],
                "x-weakens": "more-items",
            }
        },
        remediation="expose {service} through the cluster's ingress (the platform's), not its own Service: leave "
        "{field} unset; the PavedRoadService component's Service is ClusterIP.",
        rationale="A LoadBalancer or NodePort opens the service to networks its NetworkPolicy never sees; externalIPs "
        "can intercept other traffic (CVE-2020-8554).",
    ),
    Rule(
        name="namespace-pod-security-admission",
        family="kubernetes-hygiene",
        description="Every namespace enforces the Pod Security Standards' restricted profile at admission "
        "(label pod-security.kubernetes.io/enforce: restricted).",
        applies_to="`kubernetes:core/v1:Namespace` (and its patch)",
        check=check_namespace_admission,
        selects=of_types(NAMESPACE, NAMESPACE + k8s.PATCH_SUFFIX),
        remediation=COMPONENT_FIX,
        rationale="The gate judges what the program declares; admission judges every pod the cluster is asked to "
        "run, including ones a controller or a person creates later.",
    ),
    Rule(
        name="container-probes",
        family="kubernetes-hygiene",
        description="Every container of a long-running workload has a liveness and a readiness probe.",
        applies_to="every pod spec an object carries (containers), except Job and CronJob pods and pods with "
        "restartPolicy Never or OnFailure, which exit by design",
        check=check_probes,
        selects=k8s.WORKLOADS,
        remediation=COMPONENT_FIX,
        rationale="Without a readiness probe a rollout sends traffic to pods that are not ready; without a "
        "liveness probe a hung process is never restarted.",
    ),
    Rule(
        name="container-resources",
        family="kubernetes-hygiene",
        description="Every container (init containers too) sets cpu and memory requests and limits.",
        applies_to="every pod spec an object carries (init containers and containers)",
        check=check_resources,
        selects=k8s.WORKLOADS,
        remediation="services.yaml: set `{setting}` for {service} (or leave the stanza's `resources` out to get "
        "the paved-road defaults); a workload written by hand must set it on every container.",
        rationale="Requests let the scheduler place pods honestly; limits stop one service starving its neighbours.",
    ),
    Rule(
        name="container-security-context",
        family="kubernetes-hygiene",
        description="Every container runs as non-root, with a read-only root filesystem and without privilege "
        "escalation.",
        applies_to="every pod spec an object carries (containers, init and ephemeral containers)",
        check=check_security_context,
        selects=k8s.WORKLOADS,
        remediation=COMPONENT_FIX,
        rationale="These three settings are the Pod Security Standards 'restricted' baseline the namespaces "
        "enforce; failing here is cheaper than a pod the admission controller rejects at deploy time.",
    ),
]

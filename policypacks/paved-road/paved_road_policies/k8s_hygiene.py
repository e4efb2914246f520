"""Kubernetes hygiene: probes, resource requests and limits, a locked-down container."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .framework import Finding, Resource, Rule, dig, known

COMPONENT_FIX = ("deploy {service} through the PavedRoadService component (its ServiceDeployment sets {what}); "
                 "a workload written by hand must set {field} itself.")


def check_probes(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for pod in k8s.pod_specs(resource):
        if k8s.runs_to_completion(resource, pod):
            continue
        for container in k8s.pod_containers(pod, ("containers",)):
            for probe in ("livenessProbe", "readinessProbe"):
                value = known(container.spec.get(probe))
                if not isinstance(value, dict) or not value:
                    yield Finding(f"{k8s.describe(resource)}: container `{container.name}` has no {probe} "
                                  f"({container.field}.{probe}).",
                                  fix={"what": "/healthz and /readyz probes", "field": f"{container.field}.{probe}"})


def check_resources(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for container in k8s.containers(resource, ("initContainers", "containers")):
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                value = dig(container.spec, "resources", kind, name)
                if value in (None, "", 0):
                    yield Finding(f"{k8s.describe(resource)}: container `{container.name}` has no {kind}.{name} "
                                  f"({container.field}.resources.{kind}.{name}).",
                                  fix={"setting": f"resources.{kind}.{name}"})


def check_security_context(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for container in k8s.containers(resource):
        pod_security = dig(container.pod.spec, "securityContext", default={})
        security = known(container.spec.get("securityContext")) or {}
        where = f"{container.field}.securityContext"
        # runAsNonRoot may be set for the whole pod; the container's own value wins when present.
        non_root = security.get("runAsNonRoot", dig(pod_security, "runAsNonRoot"))
        required = (("runAsNonRoot", non_root, True),
                    ("readOnlyRootFilesystem", security.get("readOnlyRootFilesystem"), True),
                    ("allowPrivilegeEscalation", security.get("allowPrivilegeEscalation"), False))
        for setting, value, wanted in required:
            if known(value) is not wanted:
                state = "is not set" if value is None else f"is {value!r}"
                yield Finding(f"{k8s.describe(resource)}: container `{container.name}`: {where}.{setting} {state}; it "
                              f"must be {str(wanted).lower()}.",
                              fix={"what": "a locked-down securityContext", "field": f"{where}.{setting}"})


RULES = [
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
        rationale="Requests let the scheduler place pods honestly; limits stop one service starving its "
                  "neighbours.",
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

"""The Kubernetes Pod Security Standards, "restricted" profile, one rule per control, for every pod spec an object
carries (init and ephemeral containers included). Source of every allowed value below:
https://kubernetes.io/docs/concepts/security/pod-security-standards/ (policy version v1.31).

runAsNonRoot and allowPrivilegeEscalation are judged by `container-security-context` (kubernetes-hygiene).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from . import k8s
from .props import dig, known
from .resource import Resource
from .rule import Finding, Rule

PSS = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")
ALLOWED_VOLUME_SOURCES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
ALLOWED_ADDED_CAPABILITIES = ("NET_BIND_SERVICE",)
ALLOWED_SECCOMP = ("RuntimeDefault", "Localhost")
ALLOWED_APPARMOR = ("RuntimeDefault", "Localhost")
APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_ANNOTATIONS = ("seccomp.security.alpha.kubernetes.io/pod", "container.seccomp.security.alpha.kubernetes.io/")
ALLOWED_SELINUX_TYPES = ("", "container_t", "container_init_t", "container_kvm_t", "container_engine_t")
SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
)
FIX = (
    "set {field} as the Pod Security Standards' restricted profile requires ({allowed}); the PavedRoadService "
    "component's Deployment already does, so deploy {service} through it. A workload written by hand must set it "
    "on every pod and container (init and ephemeral too)."
)


def _security_contexts(resource: Resource) -> Iterator[tuple[str, str, dict[str, Any], k8s.PodSpec]]:
    """(who, where, securityContext) for each pod spec, then each of its containers (init, regular, ephemeral)."""
    for pod in k8s.pod_specs(resource):
        context = known(dig(pod.spec, "securityContext", default={}))
        yield "pod", f"{pod.path}.securityContext", context if isinstance(context, dict) else {}, pod
        for container in k8s.pod_containers(pod):
            context = known(container.spec.get("securityContext")) or {}
            yield (
                f"container `{container.name}`",
                f"{container.field}.securityContext",
                context if isinstance(context, dict) else {},
                pod,
            )


def _finding(resource: Resource, who: str, field: str, problem: str, allowed: str) -> Finding:
    return Finding(f"{k8s.describe(resource)}: {who}: {field} {problem}.", fix={"field": field, "allowed": allowed})


def check_host_namespaces(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for pod in k8s.pod_specs(resource):
        for key in HOST_NAMESPACES:
            value = known(pod.spec.get(key))
            if value not in (None, False):
                yield _finding(
                    resource,
                    "pod",
                    f"{pod.path}.{key}",
                    f"is {value!r}: the pod shares the node's namespace",
                    "unset or false",
                )


def check_host_process(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for who, where, context, _ in _security_contexts(resource):
        value = known(dig(context, "windowsOptions", "hostProcess"))
        if value not in (None, False):
            yield _finding(resource, who, f"{where}.windowsOptions.hostProcess", f"is {value!r}", "unset or false")


def check_volume_types(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for pod in k8s.pod_specs(resource):
        volumes = known(pod.spec.get("volumes")) or []
        for index, volume in enumerate(volumes if isinstance(volumes, list) else []):
            sources = [key for key in (volume if isinstance(volume, dict) else {}) if key != "name"]
            for source in sources:
                if source not in ALLOWED_VOLUME_SOURCES:
                    name = dig(volume, "name", default=f"#{index}")
                    yield _finding(
                        resource,
                        f"volume `{name}`",
                        f"{pod.path}.volumes[{index}].{source}",
                        f"is a `{source}` volume, which the restricted profile forbids"
                        + (" (it mounts the node's filesystem)" if source == "hostPath" else ""),
                        "only " + ", ".join(ALLOWED_VOLUME_SOURCES),
                    )


def check_privileged(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for who, where, context, _ in _security_contexts(resource):
        if who.startswith("pod"):
            continue
        value = known(context.get("privileged"))
        if value not in (None, False):
            yield _finding(
                resource,
                who,
                f"{where}.privileged",
                f"is {value!r}: the container has the node's devices and every capability",
                "unset or false",
            )


def check_capabilities(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for who, where, context, _ in _security_contexts(resource):
        if who.startswith("pod"):
            continue
        capabilities = known(context.get("capabilities")) or {}
        drop = dig(capabilities, "drop", default=[]) if isinstance(capabilities, dict) else []
        add = dig(capabilities, "add", default=[]) if isinstance(capabilities, dict) else []
        if not isinstance(drop, list) or "ALL" not in drop:
            yield _finding(resource, who, f"{where}.capabilities.drop", f"is {drop!r}, without \"ALL\"", 'drop ["ALL"]')
        extra = [c for c in (add if isinstance(add, list) else [add]) if c not in ALLOWED_ADDED_CAPABILITIES]
        if extra:
            yield _finding(
                resource,
                who,
                f"{where}.capabilities.add",
                f"adds {', '.join(map(str, extra))}",
                "add nothing but NET_BIND_SERVICE",
            )


def check_run_as_user(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for who, where, context, _ in _security_contexts(resource):
        value = known(context.get("runAsUser"))
        if value is not None and not isinstance(value, bool) and value == 0:
            yield _finding(
                resource, who, f"{where}.runAsUser", "is 0: the process runs as root", "a non-zero uid, e.g. 10001"
            )


def check_seccomp(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = " or ".join(ALLOWED_SECCOMP)
    for pod in k8s.pod_specs(resource):
        context = known(dig(pod.spec, "securityContext", default={})) or {}
        pod_type = known(dig(context, "seccompProfile", "type"))
        if pod_type is not None and pod_type not in ALLOWED_SECCOMP:
            yield _finding(
                resource, "pod", f"{pod.path}.securityContext.seccompProfile.type", f"is {pod_type!r}", allowed
            )
        for container in k8s.pod_containers(pod):
            own = known(dig(container.spec, "securityContext", "seccompProfile", "type"))
            field = f"{container.field}.securityContext.seccompProfile.type"
            if own is not None and own not in ALLOWED_SECCOMP:
                yield _finding(resource, f"container `{container.name}`", field, f"is {own!r}", allowed)
            elif own is None and pod_type is None:
                yield _finding(
                    resource,
                    f"container `{container.name}`",
                    field,
                    "is not set, nor is the pod's seccompProfile",
                    allowed,
                )
        yield from _seccomp_annotations(resource, pod)


def _pod_annotations(resource: Resource, pod: k8s.PodSpec) -> tuple[str, dict[str, Any]]:
    metadata = pod.metadata if pod.metadata is not None else dig(resource.props, "metadata", default={})
    annotations = known(dig(metadata, "annotations", default={})) if isinstance(metadata, dict) else {}
    return f"{pod.metadata_path}.annotations", annotations if isinstance(annotations, dict) else {}


def _seccomp_annotations(resource: Resource, pod: k8s.PodSpec) -> Iterator[Finding]:
    where, annotations = _pod_annotations(resource, pod)
    for key, value in annotations.items():
        if key.startswith(SECCOMP_ANNOTATIONS) and not (
            value in ("runtime/default", "docker/default") or str(value).startswith("localhost/")
        ):
            yield _finding(
                resource, "pod", f"{where}[{key}]", f"is {value!r}", "runtime/default or localhost/<profile>"
            )


def check_apparmor(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    allowed = " or ".join(ALLOWED_APPARMOR)
    for who, where, context, _ in _security_contexts(resource):
        value = known(dig(context, "appArmorProfile", "type"))
        if value is not None and value not in ALLOWED_APPARMOR:
            yield _finding(resource, who, f"{where}.appArmorProfile.type", f"is {value!r}", allowed)
    for pod in k8s.pod_specs(resource):
        where, annotations = _pod_annotations(resource, pod)
        for key, value in annotations.items():
            if key.startswith(APPARMOR_ANNOTATION_PREFIX) and not (
                value == "runtime/default" or str(value).startswith("localhost/")
            ):
                yield _finding(
                    resource, "pod", f"{where}[{key}]", f"is {value!r}", "runtime/default or localhost/<profile>"
                )


def check_selinux(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for who, where, context, _ in _security_contexts(resource):
        options = known(context.get("seLinuxOptions")) or {}
        if not isinstance(options, dict):
            continue
        selinux_type = options.get("type")
        if selinux_type is not None and selinux_type not in ALLOWED_SELINUX_TYPES:
            yield _finding(
                resource,
                who,
                f"{where}.seLinuxOptions.type",
                f"is {selinux_type!r}",
                "unset, or one of " + ", ".join(t for t in ALLOWED_SELINUX_TYPES if t),
            )
        for key in ("user", "role"):
            if options.get(key) not in (None, ""):
                yield _finding(resource, who, f"{where}.seLinuxOptions.{key}", f"is {options[key]!r}", "unset")


def check_proc_mount(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for who, where, context, _ in _security_contexts(resource):
        if who.startswith("pod"):
            continue
        value = known(context.get("procMount"))
        if value not in (None, "Default"):
            yield _finding(resource, who, f"{where}.procMount", f"is {value!r}: /proc is unmasked", "unset or Default")


def check_sysctls(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for pod in k8s.pod_specs(resource):
        sysctls = known(dig(pod.spec, "securityContext", "sysctls", default=[])) or []
        for index, entry in enumerate(sysctls if isinstance(sysctls, list) else []):
            name = entry.get("name") if isinstance(entry, dict) else entry
            if name not in SAFE_SYSCTLS:
                yield _finding(
                    resource,
                    "pod",
                    f"{pod.path}.securityContext.sysctls[{index}]",
                    f"sets {name!r}, which is not a namespaced, safe sysctl",
                    "only " + ", ".join(SAFE_SYSCTLS),
                )


def check_host_ports(resource: Resource, config: Mapping[str, Any]) -> Iterator[Finding]:
    for pod in k8s.pod_specs(resource):
        for container in k8s.pod_containers(pod):
            ports = known(container.spec.get("ports")) or []
            for index, port in enumerate(ports if isinstance(ports, list) else []):
                value = port.get("hostPort") if isinstance(port, dict) else None
                if value not in (None, 0, 0.0):
                    yield _finding(
                        resource,
                        f"container `{container.name}`",
                        f"{container.field}.ports[{index}].hostPort",
                        f"is {value!r}: the container binds a port on the node",
                        "unset or 0",
                    )


def _rule(name: str, description: str, check: Any, anchor: str, rationale: str) -> Rule:
    return Rule(
        name=name,
        family="pod-security",
        description=description,
        check=check,
        selects=k8s.WORKLOADS,
        applies_to="every pod spec an object carries, found by shape (pod, containers, init and ephemeral containers)",
        remediation=FIX,
        rationale=rationale,
        reference=f"{PSS}#{anchor}",
    )


RULES = [
    _rule(
        "pod-host-namespaces",
        "Pods do not share the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC unset or false).",
        check_host_namespaces,
        "baseline",
        "A pod in the host's namespaces sees the node's traffic and processes and can signal them.",
    ),
    _rule(
        "pod-host-process",
        "No pod or container is a Windows HostProcess container.",
        check_host_process,
        "baseline",
        "A HostProcess container runs with the Windows node's full privileges.",
    ),
    _rule(
        "pod-volume-types",
        "Pods use only the volume types the restricted profile allows (configMap, csi, "
        "downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret); no hostPath.",
        check_volume_types,
        "restricted",
        "A hostPath volume mounts the node's filesystem: `/` gives the node away.",
    ),
    _rule(
        "container-privileged",
        "No container (init and ephemeral included) runs privileged.",
        check_privileged,
        "baseline",
        "A privileged container has every capability and the node's devices: it is the node.",
    ),
    _rule(
        "container-capabilities",
        "Every container drops ALL capabilities and adds back nothing but NET_BIND_SERVICE.",
        check_capabilities,
        "restricted",
        "Capabilities such as NET_ADMIN or SYS_ADMIN are root powers handed out one by one.",
    ),
    _rule(
        "container-run-as-user",
        "No pod or container sets runAsUser 0.",
        check_run_as_user,
        "restricted",
        "runAsNonRoot only checks the image's user; runAsUser 0 runs the process as root outright.",
    ),
    _rule(
        "pod-seccomp-profile",
        "Every container runs under a seccomp profile of type RuntimeDefault or Localhost "
        "(its own or the pod's); Unconfined is refused.",
        check_seccomp,
        "restricted",
        "Without seccomp every system call is open to the container, including the ones kernel exploits use.",
    ),
    _rule(
        "pod-apparmor-profile",
        "AppArmor profiles, where set (field or annotation), are RuntimeDefault or Localhost; never unconfined.",
        check_apparmor,
        "baseline",
        "Turning AppArmor off removes the runtime's default confinement of file and capability access.",
    ),
    _rule(
        "pod-selinux-options",
        "SELinux options set no user or role, and a type only among container_t, "
        "container_init_t, container_kvm_t, container_engine_t.",
        check_selinux,
        "baseline",
        "A custom SELinux user, role or type can lift the label that confines the container.",
    ),
    _rule(
        "container-proc-mount",
        "No container unmasks /proc (procMount unset or Default).",
        check_proc_mount,
        "baseline",
        "An unmasked /proc exposes kernel interfaces the runtime hides on purpose.",
    ),
    _rule(
        "pod-sysctls",
        "Pods set only the safe, namespaced sysctls.",
        check_sysctls,
        "baseline",
        "Other sysctls change the whole node's kernel, not just the pod's.",
    ),
    _rule(
        "container-host-ports",
        "No container binds a host port (hostPort unset or 0).",
        check_host_ports,
        "baseline",
        "A host port bypasses the Service and NetworkPolicy and pins the pod to a node.",
    ),
]

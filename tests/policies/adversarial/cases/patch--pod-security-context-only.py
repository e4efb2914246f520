"""A DaemonSetPatch on a cluster agent that only writes the pod's securityContext (seccomp off, root) and
hostPID: no container in the patch, still a pod spec."""
# expect-exit: 1
# expect-rules: resource-type-allowed, pod-host-namespaces, pod-seccomp-profile, container-run-as-user, service-ownership
import pulumi_kubernetes as k8s

k8s.apps.v1.DaemonSetPatch(
    "node-agent",
    metadata={"name": "node-exporter", "namespace": "kube-system"},
    spec={"template": {"spec": {"hostPID": True, "securityContext": {"runAsUser": 0,
                                                                     "seccompProfile": {"type": "Unconfined"}}}}},
)

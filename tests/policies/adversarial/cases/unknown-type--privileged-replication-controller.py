"""A privileged ReplicationController running busybox:latest in kube-system with the host's / mounted:
a workload kind no rule used to list."""
# expect-exit: 1
# expect-rules: resource-type-allowed, container-privileged, pod-volume-types, image-pinned-by-digest, service-ownership
import pulumi_kubernetes as k8s

k8s.core.v1.ReplicationController(
    "node-shell",
    metadata={"name": "node-shell", "namespace": "kube-system"},
    spec={"replicas": 1, "selector": {"app": "node-shell"}, "template": {
        "metadata": {"labels": {"app": "node-shell"}},
        "spec": {"containers": [{"name": "sh", "image": "busybox:latest", "command": ["sleep", "1d"],
                                 "securityContext": {"privileged": True},
                                 "volumeMounts": [{"name": "host", "mountPath": "/host"}]}],
                 "volumes": [{"name": "host", "hostPath": {"path": "/"}}]}}},
)

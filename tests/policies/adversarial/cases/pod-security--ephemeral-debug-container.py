"""A Pod with an ephemeral debug container that keeps every capability and unmasks /proc, and a pod-level
sysctl that changes the node's kernel."""
# expect-exit: 1
# expect-rules: container-capabilities, container-proc-mount, pod-sysctls, resource-type-allowed
import pulumi
import pulumi_kubernetes as k8s

digest = "ghcr.io/paved-road/hello-prod@sha256:" + "1" * 64
k8s.core.v1.Pod(
    "debug",
    metadata={"name": "debug", "namespace": "hello-prod"},
    spec={"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                              "sysctls": [{"name": "kernel.msgmax", "value": "65536"}]},
          "containers": [{"name": "app", "image": digest}],
          "ephemeralContainers": [{"name": "debug", "image": digest,
                                   "securityContext": {"procMount": "Unmasked"}}]},
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)

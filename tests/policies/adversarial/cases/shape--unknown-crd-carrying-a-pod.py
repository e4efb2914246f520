"""A custom resource of a CRD nobody has heard of that carries a pod spec deep inside: by shape, it is a
workload, so the container and supply-chain rules judge it."""
# expect-exit: 1
# expect-rules: resource-type-allowed, image-pinned-by-digest, image-signature-verified, container-security-context, pod-seccomp-profile
import pulumi
import pulumi_kubernetes as k8s

k8s.apiextensions.CustomResource(
    "batch-worker",
    api_version="workers.acme.dev/v1",
    kind="WorkerPool",
    metadata={"name": "batch-worker", "namespace": "hello-prod"},
    spec={"pools": [{"name": "default", "runner": {"podSpec": {
        "containers": [{"name": "worker", "image": "ghcr.io/acme/worker:2.1"}]}}}]},
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)

"""Privileges hidden behind Pulumi secrets (the values are masked in the preview's diff): the gate reads
the secret's value, not its mask."""
# expect-exit: 1
# expect-rules: container-privileged, pod-volume-types
import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
k8s.apps.v1.Deployment(
    "hello-prod-secretive",
    metadata={"name": "hello-prod-secretive", "namespace": "hello-prod"},
    spec={"selector": {"matchLabels": {"app": "s"}}, "template": {"metadata": {"labels": {"app": "s"}}, "spec": {
        "containers": [{"name": "s", "image": "ghcr.io/paved-road/hello-prod@sha256:" + "3" * 64,
                        "securityContext": pulumi.Output.secret({"privileged": True, "runAsNonRoot": True})}],
        "volumes": pulumi.Output.secret([{"name": "h", "hostPath": {"path": "/"}}])}}},
    opts=pulumi.ResourceOptions(parent=service),
)

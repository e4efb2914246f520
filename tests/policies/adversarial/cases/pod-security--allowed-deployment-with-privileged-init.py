"""A second Deployment (a type the platform creates) inside hello-prod, with hello-prod's labels, signed
image and evidence, whose init container runs privileged as root: only the Pod Security rules stand in the way."""
# expect-exit: 1
# expect-rules: container-privileged, container-run-as-user, container-capabilities
import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
original = service.deployment.deployment


def with_root_init(spec):
    pod = dict(spec["template"]["spec"])
    app = pod["containers"][0]
    init = {"name": "setup", "image": app["image"], "command": ["sh", "-c", "sysctl -w net.core.somaxconn=4096"],
            "securityContext": {"privileged": True, "runAsUser": 0, "runAsNonRoot": False,
                                "allowPrivilegeEscalation": True},
            "resources": app["resources"]}
    pod["initContainers"] = [init]
    return {**spec, "template": {**spec["template"], "spec": pod}}


k8s.apps.v1.Deployment(
    "hello-prod-tuned",
    metadata=original.metadata.apply(lambda m: {"name": "hello-prod-tuned", "namespace": m.namespace, "labels": m.labels, "annotations": m.annotations}),
    spec=original.spec.apply(with_root_init),
    opts=pulumi.ResourceOptions(parent=service),
)

"""A second Deployment under hello-prod that runs another team's image, pinned and hardened."""
# expect-exit: 1
# expect-rules: image-repository-owned
import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
original = service.deployment.deployment
k8s.apps.v1.Deployment(
    "hello-prod-borrowed",
    metadata=original.metadata.apply(lambda m: {"name": "hello-prod-borrowed", "namespace": m.namespace,
                                                "labels": m.labels, "annotations": m.annotations}),
    spec=original.spec.apply(lambda spec: {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "hello-prod"}},
        "template": {"metadata": {"labels": spec.template.metadata.labels},
                     "spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                              "containers": [{"name": "app",
                                              "image": "ghcr.io/paved-road/payments-api@sha256:" + "5" * 64,
                                              "securityContext": {"allowPrivilegeEscalation": False,
                                                                  "capabilities": {"drop": ["ALL"]}}}]}}}),
    opts=pulumi.ResourceOptions(parent=service),
)

"""A workload whose container sets NODE_ENV twice (the platform's value, then its own) and requests zero CPU
spelt "0m": Kubernetes keeps the last env entry, and "0m" is no request."""
# expect-exit: 1
# expect-rules: container-env-unambiguous, container-resources
import pulumi
import pulumi_kubernetes as k8s

service = services["hello-prod"]
original = service.deployment.deployment


def overridden(spec):
    container = spec.template.spec.containers[0]
    return {
        "selector": {"matchLabels": {"app.kubernetes.io/name": "hello-prod"}},
        "template": {"metadata": {"labels": spec.template.metadata.labels},
                     "spec": {"securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                              "containers": [{"name": "hello-prod", "image": container.image,
                                              "env": [{"name": "NODE_ENV", "value": "production"},
                                                      {"name": "NODE_ENV", "value": "development"}],
                                              "resources": {"requests": {"cpu": "0m", "memory": "64Mi"},
                                                            "limits": {"cpu": "0", "memory": "128Mi"}},
                                              "securityContext": {"allowPrivilegeEscalation": False,
                                                                  "capabilities": {"drop": ["ALL"]}}}]}}}


k8s.apps.v1.Deployment(
    "hello-prod-dev-mode",
    metadata=original.metadata.apply(lambda m: {"name": "hello-prod-dev-mode", "namespace": m.namespace,
                                                "labels": m.labels, "annotations": m.annotations}),
    spec=original.spec.apply(overridden),
    opts=pulumi.ResourceOptions(parent=service),
)

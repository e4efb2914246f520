"""A second Service for hello-prod, of type LoadBalancer with an external IP: the pods on the internet,
past the NetworkPolicy."""
# expect-exit: 1
# expect-rules: service-exposure
import pulumi
import pulumi_kubernetes as k8s

labels = {"app.kubernetes.io/name": "hello-prod", "owner": "team-platform", "risk": "medium",
          "data-classification": "internal"}
k8s.core.v1.Service(
    "hello-prod-public",
    metadata={"name": "hello-prod-public", "namespace": "hello-prod", "labels": labels},
    spec={"type": "LoadBalancer", "externalIPs": ["203.0.113.10"],
          "selector": {"app.kubernetes.io/name": "hello-prod"}, "ports": [{"port": 80, "targetPort": "http"}]},
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)

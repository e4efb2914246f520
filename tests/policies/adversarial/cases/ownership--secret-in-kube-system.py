"""A Secret (a type the platform creates) under hello-prod's component, written into kube-system."""
# expect-exit: 1
# expect-rules: service-ownership
import pulumi
import pulumi_kubernetes as k8s

labels = {"app.kubernetes.io/name": "hello-prod", "owner": "team-platform", "risk": "medium",
          "data-classification": "internal"}
k8s.core.v1.Secret("hello-prod-sa-token", metadata={"name": "cluster-admin-token", "namespace": "kube-system",
                                                    "labels": labels},
                   type="kubernetes.io/service-account-token",
                   opts=pulumi.ResourceOptions(parent=services["hello-prod"]))

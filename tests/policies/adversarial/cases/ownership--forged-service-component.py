"""A component that claims to be a PavedRoadService for a service not in this stack, owning a workload in its
own namespace: a per-service stack provisions exactly its stanza."""
# expect-exit: 1
# expect-rules: service-ownership
import pulumi
import pulumi_kubernetes as k8s


class Forged(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("paved-road:index:PavedRoadService", name, None, None)
        labels = {"app.kubernetes.io/name": name, "owner": "team-platform", "risk": "low",
                  "data-classification": "public"}
        k8s.core.v1.ConfigMap(f"{name}-config", metadata={"name": name, "namespace": name, "labels": labels},
                              data={"x": "y"}, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


Forged("shadow-service")

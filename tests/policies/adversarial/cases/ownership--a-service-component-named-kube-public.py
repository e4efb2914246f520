"""A component claiming to be the PavedRoadService `kube-public` (bypassing the catalogue) that creates the
namespace and an object in it: names that belong to the cluster are refused whoever claims them."""
# expect-exit: 1
# expect-rules: service-ownership
import pulumi
import pulumi_kubernetes as k8s


class Claimed(pulumi.ComponentResource):
    def __init__(self) -> None:
        super().__init__("paved-road:index:PavedRoadService", "kube-public", None, None)
        labels = {"app.kubernetes.io/name": "kube-public", "owner": "team-platform", "risk": "low",
                  "data-classification": "public",
                  "pod-security.kubernetes.io/enforce": "restricted"}
        child = pulumi.ResourceOptions(parent=self)
        k8s.core.v1.Namespace("kube-public-ns", metadata={"name": "kube-public", "labels": labels}, opts=child)
        k8s.core.v1.ConfigMap("kube-public-info", metadata={"name": "cluster-info", "namespace": "kube-public",
                                                            "labels": labels}, data={"kubeconfig": "..."}, opts=child)
        self.register_outputs({})


Claimed()

"""A NamespacePatch that relabels hello-prod's namespace to admit privileged pods: the cluster would stop
refusing what the gate never sees."""
# expect-exit: 1
# expect-rules: namespace-pod-security-admission, resource-type-allowed
import pulumi
import pulumi_kubernetes as k8s

k8s.core.v1.NamespacePatch(
    "hello-prod-ns-relaxed",
    metadata={"name": "hello-prod", "labels": {"pod-security.kubernetes.io/enforce": "privileged"}},
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)

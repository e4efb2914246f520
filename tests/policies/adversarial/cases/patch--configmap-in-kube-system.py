"""A ConfigMapPatch on kube-system's aws-auth, parented under hello-prod to look owned."""
# expect-exit: 1
# expect-rules: resource-type-allowed, service-ownership
import pulumi
import pulumi_kubernetes as k8s

k8s.core.v1.ConfigMapPatch(
    "aws-auth",
    metadata={"name": "aws-auth", "namespace": "kube-system"},
    data={"mapRoles": "- rolearn: arn:aws:iam::123456789012:role/attacker\n  groups: [system:masters]\n"},
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)

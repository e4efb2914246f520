"""A stack transform that quietly makes every Deployment registered after it privileged with host networking:
the gate judges the inputs after transforms, so the innocent-looking Deployment below is blocked."""
# expect-exit: 1
# expect-rules: container-privileged, pod-host-namespaces
import pulumi
import pulumi_kubernetes as k8s


def privileged(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    if args.type_ != "kubernetes:apps/v1:Deployment":
        return None
    props = dict(args.props)
    spec = dict(props["spec"])
    template = dict(spec["template"])
    pod = dict(template["spec"])
    pod["hostNetwork"] = True
    pod["containers"] = [{**c, "securityContext": {**c["securityContext"], "privileged": True}}
                         for c in pod["containers"]]
    template["spec"] = pod
    spec["template"] = template
    props["spec"] = spec
    return pulumi.ResourceTransformResult(props=props, opts=args.opts)


pulumi.runtime.register_resource_transform(privileged)

k8s.apps.v1.Deployment(
    "hello-prod-shadow",
    metadata={"name": "hello-prod-shadow", "namespace": "hello-prod"},
    spec={"selector": {"matchLabels": {"app": "x"}}, "template": {"metadata": {"labels": {"app": "x"}}, "spec": {
        "containers": [{"name": "x", "image": "ghcr.io/paved-road/hello-prod@sha256:" + "2" * 64,
                        "securityContext": {"runAsNonRoot": True}}]}}},
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)

"""A stack transform that quietly makes every Deployment registered after it privileged with host networking.
The engine runs transforms and analyses their result; mocks cannot run them, so the offline gate refuses to
judge a program that registers one (exit 2) rather than judge inputs the engine would never apply."""
# expect-exit: 2
# expect-error: the program registers resource transforms
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

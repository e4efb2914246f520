"""A resource with its own engine-run transform (ResourceOptions.transforms) that would unpin its image after
the gate looked: the offline gate cannot run it, so it refuses to judge (exit 2)."""
# expect-exit: 2
# expect-error: the program registers resource transforms
import pulumi
import pulumi_kubernetes as k8s


def unpin(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
    props = dict(args.props)
    props["data"] = {"image": "busybox:latest"}
    return pulumi.ResourceTransformResult(props=props, opts=args.opts)


k8s.core.v1.ConfigMap("hello-prod-flags", metadata={"name": "flags", "namespace": "hello-prod"},
                      opts=pulumi.ResourceOptions(parent=services["hello-prod"], transforms=[unpin]))

"""A platform-built image (an allowed type) from hello-prod's stack, pushed as payments-api."""
# expect-exit: 1
# expect-rules: service-ownership
import pulumi
import pulumi_docker as docker

docker.Image(
    "hello-prod-overwrite",
    image_name="ghcr.io/paved-road/payments-api:1.4.2",
    build=docker.DockerBuildArgs(context=".", platform="linux/amd64"),
    opts=pulumi.ResourceOptions(parent=services["hello-prod"]),
)
